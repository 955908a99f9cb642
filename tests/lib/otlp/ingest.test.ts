import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../../lib/core/errors.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { ingestOtlp, type OtlpIngestDeps } from '../../../lib/otlp/ingest.ts';
import { logsRequestSchema, metricsRequestSchema, tracesRequestSchema } from '../../../lib/otlp/schema.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { parseUsageRecordFast, type UsageRecord } from '../../../lib/usage/record.ts';
import { MemoryStore as ConditionalStore } from '../../support/memory-store.ts';
import {
  CLAUDE_CODE_RESOURCE,
  CODEX_RESOURCE,
  claudeCodeApiRequest,
  claudeCodeCounters,
  codexSseCompleted,
  logsRequest,
  tracesRequest,
} from '../../support/otlp-payloads.ts';

const NOW = new Date('2026-08-01T12:00:00.000Z');
const AT = '2026-08-01T10:00:00.000Z';
const cc = (session: string, seq: number, requestId: string) =>
  claudeCodeApiRequest({
    session,
    seq,
    at: AT,
    model: 'claude-sonnet-4-5',
    input: 1000 + seq,
    output: 100,
    cacheRead: 0,
    cacheCreation: 0,
    costUsd: 0.01,
    durationMs: 900,
    requestId,
    user: 'dev@example.com',
  });

function deps(store: ConditionalStore, over: Partial<OtlpIngestDeps> = {}): OtlpIngestDeps {
  return { store, now: NOW, log: silentLogger, pricer: createPricer(), anonymization: { anonymize: [], hmacKey: undefined }, ...over };
}

function linesUnder(store: ConditionalStore, prefix: string): Array<Record<string, unknown>> {
  return store.keys(prefix).flatMap((k) =>
    (store.text(k) ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}
const usage = (store: ConditionalStore) => linesUnder(store, 'lake/usage/').map((l) => parseUsageRecordFast(l) as UsageRecord);

describe('ingestOtlp', () => {
  it('lands the good records with their twins, quarantines the bad one with its reason, and reports it', async () => {
    const store = new ConditionalStore();
    const bad = cc('s1', 3, 'req_3');
    bad.attributes.input_tokens = '1e3';
    const request = logsRequestSchema.parse(logsRequest(CLAUDE_CODE_RESOURCE, [cc('s1', 1, 'req_1'), bad, cc('s1', 2, 'req_2')]));
    const result = await ingestOtlp(deps(store), 'logs', request);
    expect(result).toMatchObject({ rejected: 1, landed: 2, superseded: 0, ignored: 0 });
    expect(result.message).toBe(
      '1 log records rejected: resourceLogs[0].scopeLogs[0].logRecords[1] (claude_code.api_request): input_tokens must be a whole number ≥ 0, got "1e3"',
    );
    expect(store.keys('lake/usage/')).toEqual([expect.stringMatching(/^lake\/usage\/dt=2026-08-01\/otlp-[0-9a-f]{20}\.jsonl$/)]);
    expect(
      usage(store)
        .map((r) => [r.input_tokens, r.cost_usd, r.cost_source])
        .sort(),
    ).toEqual([
      [1001, 0.01, 'reported'],
      [1002, 0.01, 'reported'],
    ]);
    const twins = linesUnder(store, 'lake/events/');
    expect(twins.map((e) => [e.id, e.event_type, e.source])).toEqual(usage(store).map((r) => [r.id, 'claude_code.api_request', 'otlp']));
    const quarantined = linesUnder(store, 'quarantine/');
    expect(quarantined).toEqual([
      expect.objectContaining({ source: 'otlp', origin: 'otlp/logs:resourceLogs[0].scopeLogs[0].logRecords[1]', line: 1 }),
    ]);
    expect(JSON.parse(store.text('state/status/otlp.json') ?? '{}')).toMatchObject({
      source: 'otlp',
      last_error: null,
      last_run: { records: 2, quarantined: 1 },
    });
  });

  it('writes nothing when an exporter retries the same request', async () => {
    const store = new ConditionalStore();
    const request = logsRequestSchema.parse(logsRequest(CLAUDE_CODE_RESOURCE, [cc('s1', 1, 'req_1'), cc('s1', 2, 'req_2')]));
    await ingestOtlp(deps(store), 'logs', request);
    const before = [...store.puts];
    const again = await ingestOtlp(deps(store), 'logs', request);
    expect(again.written).toEqual([]);
    expect(store.puts).toEqual(before);
  });

  it('lands a session through whichever of events or counters claimed it first, never both', async () => {
    const store = new ConditionalStore();
    const counters = (session: string) =>
      metricsRequestSchema.parse(
        claudeCodeCounters({
          session,
          model: 'claude-sonnet-4-5',
          start: '2026-08-01T09:59:00.000Z',
          end: '2026-08-01T10:00:30.000Z',
          temporality: 1,
          tokens: { input: 1001, output: 100, cacheRead: 0, cacheCreation: 0 },
          cost: 0.01,
        }),
      );
    await ingestOtlp(deps(store), 'logs', logsRequestSchema.parse(logsRequest(CLAUDE_CODE_RESOURCE, [cc('events-first', 1, 'req_e1')])));
    const late = await ingestOtlp(deps(store), 'metrics', counters('events-first'));
    expect(late).toMatchObject({ landed: 0, superseded: 1, rejected: 0 });

    const first = await ingestOtlp(deps(store), 'metrics', counters('metrics-first'));
    expect(first).toMatchObject({ landed: 1, superseded: 0 });
    const events = await ingestOtlp(
      deps(store),
      'logs',
      logsRequestSchema.parse(logsRequest(CLAUDE_CODE_RESOURCE, [cc('metrics-first', 1, 'req_m1')])),
    );
    expect(events).toMatchObject({ landed: 0, superseded: 1 });

    const bySession = new Map<string, number>();
    for (const r of usage(store)) bySession.set(r.session ?? '', (bySession.get(r.session ?? '') ?? 0) + r.input_tokens);
    expect(bySession).toEqual(
      new Map([
        ['events-first', 1001],
        ['metrics-first', 1001],
      ]),
    );
    expect(usage(store).find((r) => r.session === 'metrics-first')).toMatchObject({ requests: 0, bucket_seconds: 90 });
  });

  it('prices records without a reported cost and warns about models without a price', async () => {
    const store = new ConditionalStore();
    const known = codexSseCompleted({ conversation: 'c1', at: AT, model: 'gpt-5', input: 1000, cached: 0, output: 0, reasoning: 0 });
    const unknown = codexSseCompleted({
      conversation: 'c1',
      at: AT,
      model: 'house-model-9',
      input: 10,
      cached: 0,
      output: 0,
      reasoning: 0,
    });
    const result = await ingestOtlp(deps(store), 'logs', logsRequestSchema.parse(logsRequest(CODEX_RESOURCE, [known, unknown])));
    expect(result).toMatchObject({ rejected: 0, message: 'no price for openai/house-model-9: their usage lands as unpriced' });
    const byModel = Object.fromEntries(usage(store).map((r) => [r.model, [r.cost_source, r.cost_usd]]));
    expect(byModel['house-model-9']).toEqual(['unpriced', null]);
    expect(byModel['gpt-5']?.[0]).toBe('priced');
    // gpt-5 input is USD 1.25 per million tokens in the built-in table.
    expect(byModel['gpt-5']?.[1]).toBeCloseTo((1000 * 1.25) / 1e6, 12);
  });

  it('pseudonymises the configured labels as sync does, keeping ids', async () => {
    const plain = new ConditionalStore();
    const hidden = new ConditionalStore();
    const request = logsRequestSchema.parse(logsRequest(CLAUDE_CODE_RESOURCE, [cc('s-anon', 1, 'req_a')]));
    await ingestOtlp(deps(plain), 'logs', request);
    await ingestOtlp(deps(hidden, { anonymization: { anonymize: ['user', 'session'], hmacKey: 'k'.repeat(32) } }), 'logs', request);
    const [p] = usage(plain);
    const [h] = usage(hidden);
    expect(h?.id).toBe(p?.id);
    expect(h?.user).not.toBe('dev@example.com');
    expect(h?.session).not.toBe('s-anon');
    expect(h?.workspace).toBe(p?.workspace);
    expect(hidden.text(hidden.keys('lake/')[0] ?? '')).not.toContain('dev@example.com');
  });

  it('turns a store failure into a 503 with Retry-After, so the exporter retries', async () => {
    const store = new ConditionalStore();
    store.head = async () => {
      throw Object.assign(new Error('SlowDown'), { $metadata: { httpStatusCode: 503 } });
    };
    const spans = tracesRequestSchema.parse(
      tracesRequest({ 'service.name': 'app' }, [
        {
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          name: 'chat',
          start: AT,
          end: AT,
          attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-5', 'gen_ai.usage.input_tokens': 5 },
        },
      ]),
    );
    const failure = await ingestOtlp(deps(store), 'traces', spans).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(failure).toMatchObject({ statusCode: 503, retryAfterSeconds: 5 });
  });
});
