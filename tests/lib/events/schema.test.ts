import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { validateEvents } from '../../../lib/events/ingest.ts';
import { type EventRecord, familyOf, serializeEventRecord, toEventRecord, toUsageRecord } from '../../../lib/events/schema.ts';

const NOW = new Date('2026-11-23T10:00:00.000Z');
const TS = '2026-11-23T09:15:00Z';

function sha32(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

function validateOne(item: unknown) {
  return validateEvents([item], { source: 'api', now: NOW });
}

describe('event validation', () => {
  const rejectedCases: Array<[string, unknown, string, RegExp]> = [
    ['ts with a space instead of T', { event_type: 'task.completed', ts: '2026-11-23 09:15:00Z' }, 'ts', /ISO 8601/],
    ['ts without a zone', { event_type: 'task.completed', ts: '2026-11-23T09:15:00' }, 'ts', /with a zone/],
    ['ts on a day that does not exist', { event_type: 'task.completed', ts: '2026-02-30T00:00:00Z' }, 'ts', /ISO 8601/],
    ['ts as epoch milliseconds', { event_type: 'task.completed', ts: 1763889300000 }, 'ts', /string|ISO/],
    ['ts more than 24 h ahead', { event_type: 'task.completed', ts: '2026-11-24T10:00:01Z' }, 'ts', /more than 24 h/],
    ['event_type with capitals', { event_type: 'Task.Completed', ts: TS }, 'event_type', /lowercase dotted/],
    ['event_type without a dot', { event_type: 'completed', ts: TS }, 'event_type', /lowercase dotted/],
    ['event_type missing', { ts: TS }, 'event_type', /expected string/],
    ['an unknown field (typo of metrics)', { event_type: 'task.completed', ts: TS, metric: { duration_ms: 1 } }, 'metric', /unknown field/],
    ['event_id with a space', { event_type: 'task.completed', ts: TS, event_id: 'run 42' }, 'event_id', /printable ASCII/],
    [
      '65 attributes',
      { event_type: 'task.completed', ts: TS, attributes: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])) },
      'attributes',
      /at most 64 attributes/,
    ],
    [
      'an attribute value of 1,025 characters',
      { event_type: 'task.completed', ts: TS, attributes: { note: 'x'.repeat(1025) } },
      'attributes.note',
      /at most 1024 characters/,
    ],
    [
      'attributes over 8 KiB in total',
      {
        event_type: 'task.completed',
        ts: TS,
        attributes: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'y'.repeat(1000)])),
      },
      'attributes',
      /exceed 8192 bytes/,
    ],
    ['a nested attribute', { event_type: 'task.completed', ts: TS, attributes: { ctx: { a: 1 } } }, 'attributes.ctx', /strings/],
    ['a null attribute', { event_type: 'task.completed', ts: TS, attributes: { a: null } }, 'attributes.a', /strings/],
    [
      'a bad attribute name',
      { event_type: 'task.completed', ts: TS, attributes: { 'bad key': 1 } },
      'attributes.bad key',
      /attribute names/,
    ],
    [
      'a metric given as a string',
      { event_type: 'task.completed', ts: TS, metrics: { duration_ms: '5' } },
      'metrics.duration_ms',
      /finite numbers/,
    ],
    ['a camelCase metric name', { event_type: 'task.completed', ts: TS, metrics: { durationMs: 5 } }, 'metrics.durationMs', /snake_case/],
    [
      'a non-finite metric (JSON 1e999)',
      JSON.parse(`{"event_type":"task.completed","ts":"${TS}","metrics":{"duration_ms":1e999}}`),
      'metrics.duration_ms',
      /finite numbers/,
    ],
    [
      'llm.usage without a model',
      { event_type: 'llm.usage', ts: TS, attributes: { provider: 'openai' }, metrics: { input_tokens: 5 } },
      'attributes.model',
      /needs attributes.model/,
    ],
    [
      'llm.usage without provider',
      { event_type: 'llm.usage', ts: TS, attributes: { model: 'gpt-5' }, metrics: { input_tokens: 5 } },
      'attributes.provider',
      /needs attributes.provider/,
    ],
    [
      'llm.usage without tokens',
      { event_type: 'llm.usage', ts: TS, attributes: { provider: 'openai', model: 'gpt-5' } },
      'metrics',
      /at least one of/,
    ],
    [
      'fractional token counts',
      { event_type: 'llm.usage', ts: TS, attributes: { provider: 'openai', model: 'gpt-5' }, metrics: { input_tokens: 1.5 } },
      'metrics.input_tokens',
      /whole numbers/,
    ],
    [
      'negative token counts on another event type',
      { event_type: 'task.completed', ts: TS, attributes: { provider: 'openai', model: 'gpt-5' }, metrics: { output_tokens: -1 } },
      'metrics.output_tokens',
      /whole numbers/,
    ],
    [
      '1h cache writes above all cache writes',
      {
        event_type: 'llm.usage',
        ts: TS,
        attributes: { provider: 'anthropic', model: 'claude-sonnet-4-5' },
        metrics: { cache_creation_tokens: 10, cache_creation_1h_tokens: 11 },
      },
      'metrics.cache_creation_1h_tokens',
      /cannot exceed/,
    ],
    ['a string instead of an event', 'task.completed', 'event', /expected object/],
    ['null instead of an event', null, 'event', /expected object/],
  ];

  it.each(rejectedCases)('rejects %s', (_name, item, field, reason) => {
    const batch = validateOne(item);
    expect(batch.accepted).toEqual([]);
    expect(batch.rejected).toHaveLength(1);
    expect(batch.rejected[0]!.index).toBe(0);
    expect(batch.rejected[0]!.field).toBe(field);
    expect(batch.rejected[0]!.reason).toMatch(reason);
  });

  it('accepts an event exactly 24 h ahead, an offset ts, and every optional field at its limit', () => {
    const batch = validateEvents(
      [
        { event_type: 'task.completed', ts: '2026-11-24T10:00:00Z' },
        { event_type: 'tool.call.finished_ok', ts: '2026-11-23T11:15:00.5+02:00', entity_type: null, entity_id: null },
        {
          event_type: 'job.started',
          ts: TS,
          attributes: { ...Object.fromEntries(Array.from({ length: 63 }, (_, i) => [`k${i}`, true])), note: 'z'.repeat(1024) },
          metrics: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`m${i}`, -i / 3])),
        },
      ],
      { source: 'api', now: NOW },
    );
    expect(batch.rejected).toEqual([]);
    expect(batch.accepted.map((a) => a.index)).toEqual([0, 1, 2]);
    expect(batch.accepted[1]!.event.ts).toBe('2026-11-23T09:15:00.500Z');
  });

  it('keeps the good events of a mixed batch and reports the bad ones by index', () => {
    const batch = validateEvents(
      [
        { event_type: 'task.completed', ts: TS, event_id: 'a' },
        { event_type: 'task.completed', ts: 'yesterday' },
        { event_type: 'task.failed', ts: TS, event_id: 'b' },
        { event_type: 'task.completed', ts: TS, event_id: 'a' },
      ],
      { source: 'api', now: NOW },
    );
    expect(batch.accepted.map((a) => [a.index, a.event.id])).toEqual([
      [0, 'a'],
      [2, 'b'],
    ]);
    expect(batch.rejected.map((r) => [r.index, r.field])).toEqual([[1, 'ts']]);
    expect(batch.duplicates).toBe(1);
  });
});

describe('the event record', () => {
  it('fills every key, normalises ts to UTC and derives the family', () => {
    const event = toEventRecord(
      { event_type: 'task.completed', ts: '2026-11-23T11:15:00+02:00', event_id: 'run-42/task-7', metrics: { duration_ms: 5300 } },
      'api',
      '2026-11-23T10:00:00.000Z',
    );
    expect(serializeEventRecord(event)).toBe(
      '{"id":"run-42/task-7","ts":"2026-11-23T09:15:00.000Z","event_type":"task.completed","family":"task",' +
        '"entity_type":null,"entity_id":null,"attributes":{},"metrics":{"duration_ms":5300},"source":"api",' +
        '"received_at":"2026-11-23T10:00:00.000Z"}',
    );
  });

  it.each([
    ['job.completed', 'job'],
    ['task.failed', 'task'],
    ['tool.call.started', 'tool'],
    ['budget.exceeded', 'budget'],
    ['provider.request.completed', 'provider'],
    ['conversation.ended', 'conversation'],
    ['llm.usage', 'llm'],
    ['deploy.finished', 'other'],
    ['other.thing', 'other'],
    ['jobs.completed', 'other'],
  ])('%s belongs to the %s family', (type, family) => {
    expect(familyOf(type)).toBe(family);
  });

  it('without event_id, hashes the content: same content (any key order, any arrival time) → same id', () => {
    const a = toEventRecord(
      { event_type: 'tool.completed', ts: TS, attributes: { tool: 'grep', ok: true }, metrics: { duration_ms: 5, bytes: 10 } },
      'api',
      '2026-11-23T10:00:00.000Z',
    );
    const b = toEventRecord(
      {
        event_type: 'tool.completed',
        ts: '2026-11-23T09:15:00.000Z',
        attributes: { ok: true, tool: 'grep' },
        metrics: { bytes: 10, duration_ms: 5 },
      },
      'eventbridge',
      '2026-11-23T11:00:00.000Z',
    );
    const c = toEventRecord(
      { event_type: 'tool.completed', ts: TS, attributes: { tool: 'grep', ok: true }, metrics: { duration_ms: 6, bytes: 10 } },
      'api',
      '2026-11-23T10:00:00.000Z',
    );
    expect(a.id).toMatch(/^h-[0-9a-f]{32}$/);
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);
  });
});

describe('usage-bearing events → UsageRecord', () => {
  function event(fields: Partial<EventRecord>): EventRecord {
    return {
      id: 'evt-1',
      ts: '2026-11-23T09:15:00.000Z',
      event_type: 'llm.usage',
      family: 'llm',
      entity_type: null,
      entity_id: null,
      attributes: {},
      metrics: {},
      source: 'api',
      received_at: '2026-11-23T10:00:00.000Z',
      ...fields,
    };
  }

  it('maps llm.usage with every label and a reported cost', () => {
    const mapped = toUsageRecord(
      event({
        attributes: {
          provider: 'anthropic',
          model: 'claude-sonnet-4-5',
          project: 'web',
          user: 'alice',
          session: 's-1',
          machine: 'ci-3',
          api_key: 'key-ops',
          workspace: 'ws',
          service_tier: 'standard',
          tool: 'ignored',
        },
        metrics: {
          input_tokens: 1200,
          output_tokens: 340,
          cache_creation_tokens: 100,
          cache_creation_1h_tokens: 40,
          cache_read_tokens: 5100,
          requests: 2,
          cost_usd: 0.0123,
          duration_ms: 4000,
          latency_ms: 4210,
        },
      }),
    );
    expect(mapped).toEqual({
      ok: true,
      record: {
        id: sha32('events', 'evt-1'),
        ts: '2026-11-23T09:15:00.000Z',
        source: 'events',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        project: 'web',
        user: 'alice',
        session: 's-1',
        machine: 'ci-3',
        api_key: 'key-ops',
        workspace: 'ws',
        service_tier: 'standard',
        input_tokens: 1200,
        output_tokens: 340,
        cache_creation_tokens: 100,
        cache_creation_1h_tokens: 40,
        cache_read_tokens: 5100,
        requests: 2,
        cost_usd: 0.0123,
        cost_source: 'reported',
        latency_ms: 4210,
        bucket_seconds: null,
      },
    });
  });

  it('defaults: one request, duration as latency, no cost → unpriced until priced', () => {
    const mapped = toUsageRecord(
      event({ attributes: { provider: 'openai', model: 'gpt-5' }, metrics: { input_tokens: 10, duration_ms: 800 } }),
    );
    expect(mapped.ok && mapped.record).toMatchObject({
      requests: 1,
      output_tokens: 0,
      latency_ms: 800,
      cost_usd: null,
      cost_source: 'unpriced',
      project: null,
    });
  });

  it('any event type with provider, model and a token metric carries usage; tokens alone do not', () => {
    const withUsage = toUsageRecord(
      event({
        event_type: 'task.completed',
        family: 'task',
        attributes: { provider: 'openai', model: 'gpt-5' },
        metrics: { output_tokens: 7 },
      }),
    );
    expect(withUsage.ok && withUsage.record?.output_tokens).toBe(7);
    const tokensOnly = toUsageRecord(event({ event_type: 'task.completed', family: 'task', metrics: { tokens: 500, input_tokens: 3 } }));
    expect(tokensOnly).toEqual({ ok: true, record: null });
    const genericTokens = toUsageRecord(
      event({ event_type: 'task.completed', family: 'task', attributes: { provider: 'openai', model: 'gpt-5' }, metrics: { tokens: 500 } }),
    );
    expect(genericTokens).toEqual({ ok: true, record: null });
  });

  it('rejects labels the usage record cannot hold', () => {
    const mapped = toUsageRecord(event({ attributes: { provider: 'p'.repeat(65), model: 'm' }, metrics: { input_tokens: 1 } }));
    expect(mapped).toMatchObject({ ok: false, field: 'attributes.provider' });
  });
});
