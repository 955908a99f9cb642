import { describe, expect, it } from 'vitest';
import { mapSpans } from '../../../lib/otlp/genai-spans.ts';
import { tracesRequestSchema } from '../../../lib/otlp/schema.ts';
import { type GenAiSpan, tracesRequest } from '../../support/otlp-payloads.ts';

const chat: GenAiSpan = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  name: 'chat gpt-4.1',
  start: '2026-08-01T07:00:00.000Z',
  end: '2026-08-01T07:00:01.750Z',
  attributes: {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4.1',
    'gen_ai.response.model': 'gpt-4.1-2025-04-14',
    'gen_ai.usage.input_tokens': 900,
    'gen_ai.usage.cache_read.input_tokens': 600,
    'gen_ai.usage.output_tokens': 120,
    'gen_ai.conversation.id': 'conv-1',
    'user.id': 'u-7',
  },
};
const map = (resource: Record<string, string>, spans: GenAiSpan[]) => mapSpans(tracesRequestSchema.parse(tracesRequest(resource, spans)));

describe('GenAI semantic-convention spans → usage records', () => {
  it('maps provider, response model, uncached input, output, latency, and the service as the project', () => {
    const { candidates, rejected } = map({ 'service.name': 'support-bot' }, [chat]);
    expect(rejected).toEqual([]);
    expect(candidates[0]?.record).toMatchObject({
      provider: 'openai',
      model: 'gpt-4.1-2025-04-14',
      project: 'support-bot',
      session: 'conv-1',
      user: 'u-7',
      input_tokens: 900 - 600,
      cache_read_tokens: 600,
      output_tokens: 120,
      latency_ms: 1750,
      ts: '2026-08-01T07:00:00.000Z',
    });
    expect(candidates[0]?.twin?.event_type).toBe('gen_ai.chat');
  });

  it('prefers tokenlake.project, keeps input whole when the cache parts exceed it, and names Google gcp.* as google', () => {
    const separate = {
      ...chat,
      spanId: 'aaaaaaaaaaaaaaaa',
      attributes: { ...chat.attributes, 'gen_ai.usage.input_tokens': 100, 'gen_ai.provider.name': 'gcp.vertex_ai' },
    };
    const { candidates } = map({ 'service.name': 'bot', 'tokenlake.project': 'search' }, [separate]);
    expect(candidates[0]?.record).toMatchObject({ project: 'search', provider: 'google', input_tokens: 100, cache_read_tokens: 600 });
  });

  it('ignores spans without usage, agent wrappers, and the coding agents whose events count instead', () => {
    const noUsage = { ...chat, spanId: 'bbbbbbbbbbbbbbbb', attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'x' } };
    const agent = { ...chat, spanId: 'cccccccccccccccc', attributes: { ...chat.attributes, 'gen_ai.operation.name': 'invoke_agent' } };
    expect(map({ 'service.name': 'app' }, [noUsage, agent])).toMatchObject({ candidates: [], rejected: [], ignored: 2 });
    expect(map({ 'service.name': 'claude-code' }, [chat])).toMatchObject({ candidates: [], rejected: [], ignored: 1 });
    expect(map({ 'service.name': 'codex_cli_rs' }, [chat])).toMatchObject({ candidates: [], ignored: 1 });
  });

  it('rejects a usage span it cannot attribute, and a malformed span id, naming why', () => {
    const noModel = {
      ...chat,
      spanId: 'dddddddddddddddd',
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.output_tokens': 5 },
    };
    const badId = { ...chat, spanId: 'xyz' };
    const { rejected } = map({ 'service.name': 'app' }, [noModel, badId]);
    expect(rejected.map((r) => r.reason)).toEqual([
      'a span with token usage needs gen_ai.request.model or gen_ai.response.model',
      'spanId: spanId is 8 bytes as hex',
    ]);
  });

  it('identifies a span by trace and span id', () => {
    const a = map({ 'service.name': 'app' }, [chat]).candidates[0]?.record.id;
    const b = map({ 'service.name': 'app' }, [{ ...chat, spanId: chat.spanId.toUpperCase() }]).candidates[0]?.record.id;
    const c = map({ 'service.name': 'app' }, [{ ...chat, spanId: 'eee19b7ec3c1b175' }]).candidates[0]?.record.id;
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });
});
