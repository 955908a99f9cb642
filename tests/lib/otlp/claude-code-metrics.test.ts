import { describe, expect, it } from 'vitest';
import { mapClaudeCodeMetrics } from '../../../lib/otlp/claude-code-metrics.ts';
import { metricsRequestSchema } from '../../../lib/otlp/schema.ts';
import { CLAUDE_CODE_RESOURCE, claudeCodeCounters, metricsRequest } from '../../support/otlp-payloads.ts';

const NOW = new Date('2026-08-01T12:00:00.000Z');
const interval = { session: 's-m', model: 'claude-opus-4-1', start: '2026-08-01T10:00:00.000Z', end: '2026-08-01T10:01:00.000Z' };
const tokens = { input: 100, output: 20, cacheRead: 3000, cacheCreation: 400 };
const map = (request: unknown) => mapClaudeCodeMetrics(metricsRequestSchema.parse(request), NOW);

describe('Claude Code token/cost counters → usage records', () => {
  it('joins the four token kinds and the cost of one series and interval into one aggregate record', () => {
    const { candidates, rejected } = map(claudeCodeCounters({ ...interval, temporality: 1, tokens, cost: 0.25 }));
    expect(rejected).toEqual([]);
    expect(candidates).toHaveLength(1);
    expect(candidates[0]?.items).toBe(5);
    expect(candidates[0]?.claim).toEqual({ session: 's-m', signal: 'metrics' });
    expect(candidates[0]?.record).toMatchObject({
      ts: '2026-08-01T10:00:00.000Z',
      bucket_seconds: 60,
      provider: 'anthropic',
      model: 'claude-opus-4-1',
      session: 's-m',
      user: 'a3f1c0de',
      workspace: 'org-0001',
      input_tokens: 100,
      output_tokens: 20,
      cache_read_tokens: 3000,
      cache_creation_tokens: 400,
      requests: 0,
      cost_usd: 0.25,
      cost_source: 'reported',
      latency_ms: null,
    });
  });

  it('gives delta intervals their own ids and a cumulative series one id for all its exports', () => {
    const idOf = (o: Partial<typeof interval> & { temporality: 1 | 2 }) =>
      map(claudeCodeCounters({ ...interval, ...o, tokens, cost: 0.25 })).candidates[0]?.record.id;
    expect(idOf({ temporality: 1 })).toBe(idOf({ temporality: 1 }));
    expect(idOf({ temporality: 1, start: interval.end, end: '2026-08-01T10:02:00.000Z' })).not.toBe(idOf({ temporality: 1 }));
    expect(idOf({ temporality: 2, end: '2026-08-01T10:02:00.000Z' })).toBe(idOf({ temporality: 2 }));
  });

  it('rejects NaN, negative and fractional counters and points without a session, naming each; the rest lands', () => {
    const standard = { 'session.id': 's-m', model: 'claude-opus-4-1' };
    const request = metricsRequest(CLAUDE_CODE_RESOURCE, [
      {
        name: 'claude_code.token.usage',
        unit: 'tokens',
        temporality: 1,
        points: [
          { attributes: { ...standard, type: 'input' }, start: interval.start, end: interval.end, value: 'NaN' },
          { attributes: { ...standard, type: 'output' }, start: interval.start, end: interval.end, value: -3 },
          { attributes: { ...standard, type: 'cacheRead' }, start: interval.start, end: interval.end, value: 2.5 },
          { attributes: { model: 'claude-opus-4-1', type: 'input' }, start: interval.start, end: interval.end, value: 9 },
          { attributes: { ...standard, type: 'reasoning' }, start: interval.start, end: interval.end, value: 9 },
          { attributes: { ...standard, type: 'cacheCreation' }, start: interval.start, end: interval.end, value: 70, asInt: true },
        ],
      },
      {
        name: 'claude_code.session.count',
        unit: '',
        temporality: 1,
        points: [{ attributes: standard, start: interval.start, end: interval.end, value: 1 }],
      },
    ]);
    const { candidates, rejected, ignored } = map(request);
    expect(rejected.map((r) => r.reason)).toEqual([
      'value is NaN',
      'value -3 is negative; a counter only grows',
      'token count 2.5 is not a whole number',
      'session.id is missing: keep OTEL_METRICS_INCLUDE_SESSION_ID on, or send events',
      'token type "reasoning" is none of input, output, cacheRead, cacheCreation',
    ]);
    expect(rejected.every((r) => r.path.includes('.sum.dataPoints['))).toBe(true);
    expect(ignored).toBe(1);
    expect(candidates.map((c) => c.record.cache_creation_tokens)).toEqual([70]);
  });

  it('refuses a token metric that is not a monotonic Sum with a known temporality, counting its points', () => {
    const request = metricsRequest(CLAUDE_CODE_RESOURCE, [
      {
        name: 'claude_code.token.usage',
        unit: 'tokens',
        temporality: 0,
        points: [{ attributes: { 'session.id': 's', model: 'm', type: 'input' }, start: interval.start, end: interval.end, value: 1 }],
      },
    ]);
    const { rejected } = map(request);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ reason: 'aggregationTemporality must be DELTA (1) or CUMULATIVE (2)', items: 1 });
  });

  it('lands nothing for an interval in which nothing was used', () => {
    const { candidates, ignored } = map(
      claudeCodeCounters({ ...interval, temporality: 1, tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 }, cost: 0 }),
    );
    expect(candidates).toEqual([]);
    expect(ignored).toBe(5);
  });
});
