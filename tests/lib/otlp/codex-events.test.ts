import { describe, expect, it } from 'vitest';
import { mapLogs } from '../../../lib/otlp/logs.ts';
import { logsRequestSchema } from '../../../lib/otlp/schema.ts';
import { CODEX_RESOURCE, codexSseCompleted, logsRequest } from '../../support/otlp-payloads.ts';

const NOW = new Date('2026-08-01T12:00:00.000Z');
const completed = {
  conversation: 'conv-9',
  at: '2026-08-01T09:00:00.000Z',
  model: 'gpt-5-codex',
  input: 3000,
  cached: 1200,
  output: 800,
  reasoning: 100,
};
const map = (items: ReturnType<typeof codexSseCompleted>[]) => mapLogs(logsRequestSchema.parse(logsRequest(CODEX_RESOURCE, items)), NOW);

describe('Codex sse_event response.completed → usage record', () => {
  it('splits the cached part out of input and keeps reasoning inside output', () => {
    const { candidates, rejected } = map([codexSseCompleted(completed)]);
    expect(rejected).toEqual([]);
    expect(candidates[0]?.record).toMatchObject({
      provider: 'openai',
      model: 'gpt-5-codex',
      session: 'conv-9',
      user: 'dev@example.com',
      input_tokens: 3000 - 1200,
      cache_read_tokens: 1200,
      output_tokens: 800,
      cache_creation_tokens: 0,
      requests: 1,
      cost_source: 'unpriced',
      latency_ms: null,
    });
    expect(candidates[0]?.twin?.metrics.reasoning_output_tokens).toBe(100);
    expect(candidates[0]?.claim).toBeNull();
  });

  it('caps the cached part at the input, ignores other kinds, and is stable across retries', () => {
    const odd = codexSseCompleted({ ...completed, cached: 5000 });
    const delta = codexSseCompleted(completed);
    delta.attributes['event.kind'] = 'response.output_text.delta';
    const { candidates, ignored } = map([odd, delta]);
    expect(ignored).toBe(1);
    expect(candidates[0]?.record).toMatchObject({ input_tokens: 0, cache_read_tokens: 3000 });
    expect(map([codexSseCompleted(completed)]).candidates[0]?.record.id).toBe(map([codexSseCompleted(completed)]).candidates[0]?.record.id);
    expect(map([codexSseCompleted({ ...completed, output: 801 })]).candidates[0]?.record.id).not.toBe(
      map([codexSseCompleted(completed)]).candidates[0]?.record.id,
    );
  });
});
