import { describe, expect, it } from 'vitest';
import { mapLogs } from '../../../lib/otlp/logs.ts';
import { logsRequestSchema } from '../../../lib/otlp/schema.ts';
import { GEMINI_RESOURCE, geminiApiResponse, logsRequest } from '../../support/otlp-payloads.ts';

const NOW = new Date('2026-08-01T12:00:00.000Z');
const response = {
  session: 'gem-sess',
  at: '2026-08-01T08:30:00.000Z',
  model: 'gemini-2.5-pro',
  prompt: 10_000,
  cached: 4000,
  output: 700,
  thoughts: 300,
  tool: 50,
  durationMs: 2500,
  promptId: 'p-1',
};

describe('Gemini CLI api_response → usage record', () => {
  it('takes uncached input from the prompt count, adds tool-use prompt tokens to input and thoughts to output', () => {
    const { candidates, rejected } = mapLogs(logsRequestSchema.parse(logsRequest(GEMINI_RESOURCE, [geminiApiResponse(response)])), NOW);
    expect(rejected).toEqual([]);
    expect(candidates[0]?.record).toMatchObject({
      provider: 'google',
      model: 'gemini-2.5-pro',
      session: 'gem-sess',
      user: 'gem@example.com',
      input_tokens: 10_000 - 4000 + 50,
      cache_read_tokens: 4000,
      output_tokens: 700 + 300,
      latency_ms: 2500,
      ts: '2026-08-01T08:30:00.000Z',
    });
    expect(candidates[0]?.twin?.attributes.prompt_id).toBe('p-1');
    expect(candidates[0]?.twin?.metrics.thoughts_tokens).toBe(300);
  });

  it('does not take the GenAI operation-details event of the same response as usage too', () => {
    const details = geminiApiResponse(response);
    details.attributes['event.name'] = 'gen_ai.client.inference.operation.details';
    details.attributes['gen_ai.usage.input_tokens'] = 10_000;
    const { candidates, ignored } = mapLogs(logsRequestSchema.parse(logsRequest(GEMINI_RESOURCE, [details])), NOW);
    expect(candidates).toEqual([]);
    expect(ignored).toBe(1);
  });
});
