import { describe, expect, it } from 'vitest';
import { buildEventRollup, eventRollupSchema, readEventRollup, refreshEventDay } from '../../../lib/events/rollup.ts';
import type { EventRecord } from '../../../lib/events/schema.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const BUILT = new Date('2026-11-23T12:00:00.000Z');

function ev(id: string, ts: string, event_type: string, fields: Partial<EventRecord> = {}): EventRecord {
  const family = (['job', 'task', 'tool', 'conversation'].find((f) => event_type.startsWith(`${f}.`)) ?? 'other') as EventRecord['family'];
  return {
    id,
    ts,
    event_type,
    family,
    entity_type: null,
    entity_id: null,
    attributes: {},
    metrics: {},
    source: 'api',
    received_at: '2026-11-23T10:00:00.000Z',
    ...fields,
  };
}

const lines = (events: EventRecord[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

describe('buildEventRollup', () => {
  it('counts per hour, type and tool, with metric sum/count/min/max, and drops repeated ids', () => {
    const rollup = buildEventRollup({
      day: '2026-11-23',
      builtAt: BUILT.toISOString(),
      inputs: [],
      invalidLines: 0,
      events: [
        ev('a', '2026-11-23T09:01:00.000Z', 'task.completed', { metrics: { duration_ms: 100, tokens: 10 } }),
        ev('b', '2026-11-23T09:59:59.999Z', 'task.completed', { metrics: { duration_ms: 300 } }),
        ev('a', '2026-11-23T09:01:00.000Z', 'task.completed', {
          metrics: { duration_ms: 100, tokens: 10 },
          received_at: '2026-11-23T11:00:00.000Z',
        }),
        ev('c', '2026-11-23T10:00:00.000Z', 'task.completed', { metrics: { duration_ms: -5 } }),
        ev('d', '2026-11-23T09:30:00.000Z', 'tool.completed', {
          attributes: { tool: 'grep' },
          entity_id: 'call-1',
          metrics: { duration_ms: 40 },
        }),
        ev('e', '2026-11-23T09:31:00.000Z', 'tool.completed', { entity_id: 'web_search' }),
        ev('f', '2026-11-23T09:32:00.000Z', 'tool.completed', { attributes: { tool: 'grep' }, metrics: { duration_ms: 60 } }),
      ],
    });
    expect(rollup.stats).toEqual({ events: 6, duplicates: 1, invalid_lines: 0 });
    expect(rollup.rows).toEqual([
      {
        hour: 9,
        event_type: 'task.completed',
        family: 'task',
        tool: null,
        count: 2,
        metrics: { duration_ms: { sum: 400, count: 2, min: 100, max: 300 }, tokens: { sum: 10, count: 1, min: 10, max: 10 } },
      },
      {
        hour: 9,
        event_type: 'tool.completed',
        family: 'tool',
        tool: 'grep',
        count: 2,
        metrics: { duration_ms: { sum: 100, count: 2, min: 40, max: 60 } },
      },
      { hour: 9, event_type: 'tool.completed', family: 'tool', tool: 'web_search', count: 1, metrics: {} },
      {
        hour: 10,
        event_type: 'task.completed',
        family: 'task',
        tool: null,
        count: 1,
        metrics: { duration_ms: { sum: -5, count: 1, min: -5, max: -5 } },
      },
    ]);
    expect(eventRollupSchema.parse(rollup)).toEqual(rollup);
  });
});

describe('refreshEventDay', () => {
  it('builds from the day partition, skips an unchanged day, rebuilds when an object is added', async () => {
    const store = new MemoryStore();
    const day = '2026-11-23';
    await store.put(
      `lake/events/dt=${day}/events-aaa.jsonl`,
      lines([ev('a', '2026-11-23T09:00:00.000Z', 'job.completed'), ev('b', '2026-11-23T09:10:00.000Z', 'job.failed')]),
    );
    // A second batch repeating event a, plus a line that does not validate.
    await store.put(`lake/events/dt=${day}/events-bbb.jsonl`, `${lines([ev('a', '2026-11-23T09:00:00.000Z', 'job.completed')])}{"id":1}\n`);
    // Other days and datasets are not inputs.
    await store.put('lake/events/dt=2026-11-22/events-ccc.jsonl', lines([ev('z', '2026-11-22T09:00:00.000Z', 'job.completed')]));
    await store.put(`lake/usage/dt=${day}/events-ddd.jsonl`, '{}\n');

    const first = await refreshEventDay(store, day, BUILT);
    expect(first.rebuilt).toBe(true);
    expect(first.objectsRead).toBe(2);
    expect(first.rollup?.stats).toEqual({ events: 2, duplicates: 1, invalid_lines: 1 });
    expect(first.rollup?.rows.map((r) => [r.event_type, r.count])).toEqual([
      ['job.completed', 1],
      ['job.failed', 1],
    ]);
    expect(first.rollup?.inputs.map((i) => i.key)).toEqual([
      `lake/events/dt=${day}/events-aaa.jsonl`,
      `lake/events/dt=${day}/events-bbb.jsonl`,
    ]);
    expect(await readEventRollup(store, day)).toEqual(first.rollup);

    store.gets.length = 0;
    const second = await refreshEventDay(store, day, new Date('2026-11-23T13:00:00.000Z'));
    expect(second.rebuilt).toBe(false);
    expect(store.gets.filter((k) => k.startsWith('lake/'))).toEqual([]);
    expect(second.rollup?.built_at).toBe(BUILT.toISOString());

    await store.put(`lake/events/dt=${day}/events-eee.jsonl`, lines([ev('c', '2026-11-23T23:00:00.000Z', 'job.completed')]));
    const third = await refreshEventDay(store, day, new Date('2026-11-23T14:00:00.000Z'));
    expect(third.rebuilt).toBe(true);
    expect(third.rollup?.stats.events).toBe(3);
    expect(third.rollup?.rows.map((r) => [r.hour, r.event_type, r.count])).toEqual([
      [9, 'job.completed', 1],
      [9, 'job.failed', 1],
      [23, 'job.completed', 1],
    ]);
  });

  it('a day without events gets no rollup; a day whose events were removed gets an empty one', async () => {
    const store = new MemoryStore();
    expect(await refreshEventDay(store, '2026-11-20', BUILT)).toEqual({ rollup: null, rebuilt: false, objectsRead: 0, invalidLines: 0 });
    expect(store.puts).toEqual([]);

    await store.put('lake/events/dt=2026-11-21/events-a.jsonl', lines([ev('a', '2026-11-21T01:00:00.000Z', 'task.completed')]));
    await refreshEventDay(store, '2026-11-21', BUILT);
    await store.delete(['lake/events/dt=2026-11-21/events-a.jsonl']);
    const emptied = await refreshEventDay(store, '2026-11-21', BUILT);
    expect(emptied.rebuilt).toBe(true);
    expect(emptied.rollup).toMatchObject({ rows: [], inputs: [], stats: { events: 0, duplicates: 0, invalid_lines: 0 } });
  });

  it('rebuilds over a corrupt rollup', async () => {
    const store = new MemoryStore();
    await store.put('lake/events/dt=2026-11-21/events-a.jsonl', lines([ev('a', '2026-11-21T01:00:00.000Z', 'task.completed')]));
    await store.put('rollups/events/dt=2026-11-21.json', '{"schema_version":1');
    const r = await refreshEventDay(store, '2026-11-21', BUILT);
    expect(r.rebuilt).toBe(true);
    expect(r.rollup?.stats.events).toBe(1);
  });
});
