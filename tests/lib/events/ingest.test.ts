import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BadRequestError, PayloadTooLargeError } from '../../../lib/core/errors.ts';
import {
  eventBatchEnvelopeSchema,
  eventBatchItems,
  eventBatchSchema,
  eventInputFromBus,
  validateEvents,
  writeEvents,
} from '../../../lib/events/ingest.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const NOW = new Date('2026-11-23T10:00:00.000Z');

/** The object-name hash the writer must use: sha256 of the sorted ids joined by NUL, 20 hex. */
function hashOf(ids: string[]): string {
  return createHash('sha256')
    .update([...ids].sort().join('\u0000'))
    .digest('hex')
    .slice(0, 20);
}

function expectThrows(fn: () => unknown, type: new (...args: never[]) => Error, message: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(message);
}

describe('a batch envelope', () => {
  const one = { event_type: 'task.completed', ts: '2026-11-23T09:00:00Z' };
  const itemsOf = (body: unknown) => {
    const envelope = eventBatchEnvelopeSchema.safeParse(body);
    if (!envelope.success) throw new BadRequestError('invalid batch', []);
    return eventBatchItems(envelope.data);
  };

  it('takes a JSON array or {"events": [...]}', () => {
    expect(itemsOf([one, one])).toHaveLength(2);
    expect(itemsOf({ events: [one] })).toEqual([one]);
  });

  it.each([
    ['an empty batch', [], /empty batch/],
    ['a bare object', one, /invalid batch/],
    ['events beside other keys', { events: [one], extra: 1 }, /invalid batch/],
    ['events that is not a list', { events: one }, /invalid batch/],
    ['null', null, /invalid batch/],
  ])('refuses %s with a 400', (_name, body, message) => {
    expectThrows(() => itemsOf(body), BadRequestError, message);
  });

  it('refuses 1,001 events with a 413 and takes exactly 1,000', () => {
    expect(itemsOf(Array.from({ length: 1000 }, () => one))).toHaveLength(1000);
    expectThrows(() => itemsOf(Array.from({ length: 1001 }, () => one)), PayloadTooLargeError, /1001 events/);
  });

  it('documents the same limits it enforces', () => {
    expect(eventBatchSchema.safeParse(Array.from({ length: 1000 }, () => one)).success).toBe(true);
    expect(eventBatchSchema.safeParse(Array.from({ length: 1001 }, () => one)).success).toBe(false);
    expect(eventBatchSchema.safeParse([]).success).toBe(false);
    expect(eventBatchSchema.safeParse({ events: [one] }).success).toBe(true);
  });
});

describe('writeEvents', () => {
  const batchItems = [
    { event_type: 'task.completed', ts: '2026-11-22T23:59:59.999Z', event_id: 't-1', metrics: { duration_ms: 100 } },
    {
      event_type: 'llm.usage',
      ts: '2026-11-23T09:30:00Z',
      event_id: 'u-1',
      attributes: { provider: 'anthropic', model: 'claude-sonnet-4-5', project: 'web' },
      metrics: { input_tokens: 1200, output_tokens: 340, cache_read_tokens: 5100 },
    },
    { event_type: 'task.failed', ts: '2026-11-23T08:00:00Z', event_id: 't-2', entity_type: 'task', entity_id: '7' },
  ];

  it('writes one object per dataset and day, named by the hash of its ids, and prices usage when asked', async () => {
    const store = new MemoryStore();
    const batch = validateEvents(batchItems, { source: 'api', now: NOW });
    const result = await writeEvents(store, batch.accepted, { pricer: createPricer() });

    const day22 = `lake/events/dt=2026-11-22/events-${hashOf(['t-1'])}.jsonl`;
    const day23 = `lake/events/dt=2026-11-23/events-${hashOf(['u-1', 't-2'])}.jsonl`;
    const usageId = createHash('sha256').update('events\u0000u-1').digest('hex').slice(0, 32);
    const usage23 = `lake/usage/dt=2026-11-23/events-${hashOf([usageId])}.jsonl`;
    expect(result.written).toEqual([day22, day23, usage23]);
    // Beside the lake objects, one create-only claim per event id (ids are hashed: keys never hold client text).
    const claim = (id: string) => {
      const h = createHash('sha256').update(`event-id\u0000${id}`).digest('hex').slice(0, 32);
      return `state/events/ids/${h.slice(0, 2)}/${h}.json`;
    };
    expect([...store.objects.keys()].sort()).toEqual([day22, day23, usage23, claim('t-1'), claim('u-1'), claim('t-2')].sort());
    expect(JSON.parse(store.objects.get(claim('t-1'))!.body.toString())).toMatchObject({ version: 1, day: '2026-11-22' });
    expect(result.usageRecords).toBe(1);

    expect(store.objects.get(day22)!.body.toString()).toBe(
      '{"id":"t-1","ts":"2026-11-22T23:59:59.999Z","event_type":"task.completed","family":"task","entity_type":null,' +
        '"entity_id":null,"attributes":{},"metrics":{"duration_ms":100},"source":"api","received_at":"2026-11-23T10:00:00.000Z"}\n',
    );
    const lines23 = store.objects
      .get(day23)!
      .body.toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines23.map((l) => l.id)).toEqual(['t-2', 'u-1']); // ordered by ts
    expect(lines23[0]).toMatchObject({ entity_type: 'task', entity_id: '7', family: 'task' });

    const usage = JSON.parse(store.objects.get(usage23)!.body.toString());
    // claude-sonnet-4-5: $3 / M input, $15 / M output, $0.30 / M cache read.
    expect(usage.cost_usd).toBeCloseTo((1200 * 3 + 340 * 15 + 5100 * 0.3) / 1e6, 12);
    expect(usage).toMatchObject({ id: usageId, source: 'events', project: 'web', cost_source: 'priced', input_tokens: 1200 });
  });

  it('a replayed batch finds its objects and writes nothing, keeping the first received_at', async () => {
    const store = new MemoryStore();
    await writeEvents(store, validateEvents(batchItems, { source: 'api', now: NOW }).accepted);
    const before = new Map([...store.objects].map(([k, o]) => [k, o.etag]));
    store.puts.length = 0;

    const later = new Date('2026-11-23T11:00:00.000Z');
    const replay = await writeEvents(store, validateEvents(batchItems, { source: 'api', now: later }).accepted);
    expect(replay.written).toEqual([]);
    expect(replay.unchanged).toHaveLength(3);
    expect(store.puts).toEqual([]);
    expect(new Map([...store.objects].map(([k, o]) => [k, o.etag]))).toEqual(before);
  });

  it('the same event_id in a different batch lands in a second object (the rollup keeps one copy)', async () => {
    const store = new MemoryStore();
    const other = { event_type: 'task.completed', ts: '2026-11-22T12:00:00Z', event_id: 't-3' };
    await writeEvents(store, validateEvents(batchItems.slice(0, 1), { source: 'api', now: NOW }).accepted);
    await writeEvents(store, validateEvents([batchItems[0], other], { source: 'api', now: NOW }).accepted);
    const day22 = [...store.objects.keys()].filter((k) => k.startsWith('lake/events/dt=2026-11-22/')).sort();
    expect(day22).toEqual(
      [
        `lake/events/dt=2026-11-22/events-${hashOf(['t-1'])}.jsonl`,
        `lake/events/dt=2026-11-22/events-${hashOf(['t-1', 't-3'])}.jsonl`,
      ].sort(),
    );
    const ids = day22.flatMap((k) =>
      store.objects
        .get(k)!
        .body.toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    );
    expect(ids.sort()).toEqual(['t-1', 't-1', 't-3']);
  });

  /** Ids in lake objects of a dataset, with the day each sits in. */
  const landed = (store: MemoryStore, dataset: 'events' | 'usage') =>
    [...store.objects.keys()]
      .filter((k) => k.startsWith(`lake/${dataset}/`))
      .flatMap((k) =>
        store.objects
          .get(k)!
          .body.toString()
          .trim()
          .split('\n')
          .map((l) => {
            const line = JSON.parse(l);
            return { day: k.slice(`lake/${dataset}/dt=`.length, `lake/${dataset}/dt=`.length + 10), id: line.id, input: line.input_tokens };
          }),
      );

  it('keeps the first copy of an event_id sent again on another day or with more tokens, in events and usage alike', async () => {
    const store = new MemoryStore();
    const usage = (ts: string, input: number) => ({
      event_type: 'llm.usage',
      ts,
      event_id: 'u-9',
      attributes: { provider: 'openai', model: 'gpt-5' },
      metrics: { input_tokens: input },
    });
    const first = await writeEvents(store, validateEvents([usage('2026-11-20T10:00:00Z', 100)], { source: 'api', now: NOW }).accepted);
    expect([first.events, first.duplicates]).toEqual([1, 0]);
    // Another day, then the same day with more tokens, then both in one later batch next to a new event.
    const otherDay = await writeEvents(store, validateEvents([usage('2026-11-22T10:00:00Z', 100)], { source: 'api', now: NOW }).accepted);
    const bigger = await writeEvents(store, validateEvents([usage('2026-11-20T10:00:00Z', 900)], { source: 'api', now: NOW }).accepted);
    const mixed = await writeEvents(
      store,
      validateEvents([usage('2026-11-21T00:00:00Z', 5), { event_type: 'task.completed', ts: '2026-11-21T00:00:00Z', event_id: 'new' }], {
        source: 'api',
        now: NOW,
      }).accepted,
    );
    expect([otherDay, bigger, mixed].map((r) => [r.events, r.duplicates, r.usageRecords, r.written.length])).toEqual([
      [0, 1, 0, 0],
      [0, 1, 0, 0],
      [1, 1, 0, 1],
    ]);
    const usageId = createHash('sha256').update('events\u0000u-9').digest('hex').slice(0, 32);
    expect(landed(store, 'usage')).toEqual([{ day: '2026-11-20', id: usageId, input: 100 }]);
    expect(landed(store, 'events').map((e) => [e.day, e.id])).toEqual([
      ['2026-11-20', 'u-9'],
      ['2026-11-21', 'new'],
    ]);
  });

  it('lets the very copy that claimed an id land again after a crash between the claim and the write', async () => {
    const store = new MemoryStore();
    const items = [{ event_type: 'job.completed', ts: '2026-11-23T01:00:00Z', event_id: 'j-1', metrics: { duration_ms: 5 } }];
    const failing = Object.assign(Object.create(store) as MemoryStore, {
      put: (key: string, body: string | Uint8Array, options?: object) =>
        key.startsWith('lake/') ? Promise.reject(new Error('injected: the lake write failed')) : store.put(key, body, options),
    });
    await expect(writeEvents(failing, validateEvents(items, { source: 'api', now: NOW }).accepted)).rejects.toThrow(/injected/);
    expect(landed(store, 'events')).toEqual([]);
    // The client retries the same event (received later): it is the first copy, so it lands.
    const retry = await writeEvents(store, validateEvents(items, { source: 'api', now: new Date('2026-11-23T10:05:00Z') }).accepted);
    expect([retry.events, retry.duplicates]).toEqual([1, 0]);
    expect(landed(store, 'events').map((e) => e.id)).toEqual(['j-1']);
  });

  it('lets exactly one of two batches racing with one event_id on two days land', async () => {
    const store = new MemoryStore();
    const copy = (day: string) =>
      validateEvents([{ event_type: 'task.completed', ts: `${day}T05:00:00Z`, event_id: 'race' }], { source: 'api', now: NOW });
    const results = await Promise.all(['2026-11-21', '2026-11-22', '2026-11-23'].map((d) => writeEvents(store, copy(d).accepted)));
    expect(results.map((r) => r.events).sort()).toEqual([0, 0, 1]);
    expect(landed(store, 'events')).toHaveLength(1);
  });

  it('claims nothing for events without an event_id: their id is their content, ts included', async () => {
    const store = new MemoryStore();
    const plain = (ts: string) => ({ event_type: 'tool.completed', ts, attributes: { tool: 'grep' } });
    const result = await writeEvents(
      store,
      validateEvents([plain('2026-11-22T00:00:00Z'), plain('2026-11-23T00:00:00Z')], { source: 'api', now: NOW }).accepted,
    );
    expect([result.events, result.duplicates]).toEqual([2, 0]);
    expect([...store.objects.keys()].filter((k) => k.startsWith('state/'))).toEqual([]);
  });
});

describe('eventInputFromBus', () => {
  it('maps detail fields to entity, attributes and metrics', () => {
    const input = eventInputFromBus({
      id: 'eb-1',
      'detail-type': 'task.completed',
      source: 'com.example',
      time: '2026-11-23T09:00:00Z',
      detail: {
        task_id: 42,
        job_id: 7,
        queue: 'q1',
        retries: 2,
        durationMs: 5,
        ok: true,
        nothing: null,
        tags: ['a', 'b'],
        metrics: { duration_ms: 900 },
        attributes: { queue: 'override' },
      },
    });
    expect(input).toEqual({
      event_type: 'task.completed',
      ts: '2026-11-23T09:00:00Z',
      event_id: 'eb-1',
      entity_type: 'task',
      entity_id: '42',
      attributes: { job_id: 7, queue: 'override', durationMs: 5, ok: true, tags: '["a","b"]' },
      metrics: { retries: 2, duration_ms: 900 },
    });
  });

  it('passes a detail.metrics that is not an object on, so validation rejects it', () => {
    const input = eventInputFromBus({
      id: 'eb-3',
      'detail-type': 'job.failed',
      source: 'x',
      time: '2026-11-23T09:00:00Z',
      detail: { metrics: [1, 2] },
    });
    expect(input.metrics).toEqual([1, 2]);
    expect(validateEvents([input], { source: 'eventbridge', now: NOW }).rejected).toMatchObject([{ index: 0, field: 'metrics' }]);
  });

  it('prefers detail.event_id and explicit entity fields; other families get no default entity', () => {
    const input = eventInputFromBus({
      id: 'eb-2',
      'detail-type': 'deploy.finished',
      source: 'x',
      time: '2026-11-23T09:00:00Z',
      detail: { event_id: 'mine-1', deploy_id: 'd-1', entity_type: 'service', entity_id: 'api' },
    });
    expect(input).toMatchObject({
      event_id: 'mine-1',
      entity_type: 'service',
      entity_id: 'api',
      attributes: { deploy_id: 'd-1' },
      metrics: {},
    });
  });
});
