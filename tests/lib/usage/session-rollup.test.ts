import { describe, expect, it } from 'vitest';
import { lakeObjectKey } from '../../../lib/store/layout.ts';
import { serializeUsageObject } from '../../../lib/usage/lake.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { makeRecord, recordId, type UsageRecord } from '../../../lib/usage/record.ts';
import { buildDailyRollup, writeRollup } from '../../../lib/usage/rollup.ts';
import { buildSessionRollup, loadPeriodSessions, readSessionRollup } from '../../../lib/usage/session-rollup.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const pricer = createPricer();
const rec = (n: number, ts: string, fields: Partial<UsageRecord>): UsageRecord =>
  makeRecord({ id: recordId('t', n), ts, source: 'claude-code', provider: 'anthropic', model: 'claude-haiku-4-5', ...fields });
const records = [
  rec(1, '2026-03-10T10:05:00.000Z', { session: 'a', project: 'web', input_tokens: 1_000_000 }), // $1
  rec(1, '2026-03-10T10:05:00.000Z', { session: 'a', project: 'web', input_tokens: 10 }), // a smaller copy: dropped
  rec(2, '2026-03-10T10:50:00.000Z', { session: 'a', project: 'web', output_tokens: 200_000 }), // $1
  rec(3, '2026-03-10T13:00:00.000Z', { session: 'b', project: 'api', cost_usd: 0.7, cost_source: 'reported' }),
  rec(4, '2026-03-10T13:30:00.000Z', { session: null, model: 'acme-1', provider: 'acme', input_tokens: 5 }),
];

describe('buildSessionRollup', () => {
  const s = buildSessionRollup({ day: '2026-03-10', builtAt: 'x', pricer, inputs: [], records });

  it('sums each session per hour and model with its first and last message', () => {
    expect(s.rows.map((r) => [r.hour, r.session, r.records, r.first_ts, r.last_ts, r.cost_usd, r.unpriced_records])).toEqual([
      [10, 'a', 2, '2026-03-10T10:05:00.000Z', '2026-03-10T10:50:00.000Z', 2, 0],
      [13, 'b', 1, '2026-03-10T13:00:00.000Z', '2026-03-10T13:00:00.000Z', 0.7, 0],
      [13, null, 1, '2026-03-10T13:30:00.000Z', '2026-03-10T13:30:00.000Z', 0, 1],
    ]);
  });

  it('adds up to the day rollup: same records, same prices', () => {
    const day = buildDailyRollup({ day: '2026-03-10', builtAt: 'x', pricer, inputs: [], records, invalidLines: 0, quarantinedLines: 0 });
    const total = (rows: ReadonlyArray<{ cost_usd: number; records: number; input_tokens: number }>) =>
      rows.reduce((a, r) => [a[0]! + r.cost_usd, a[1]! + r.records, a[2]! + r.input_tokens], [0, 0, 0]);
    expect(total(s.rows)).toEqual(total(day.rows));
    expect(s.price_table).toBe(day.price_table);
  });
});

describe('loadPeriodSessions', () => {
  it('builds a missing day from the lake once, writes it, then reads it while it is current', async () => {
    const store = new MemoryStore();
    const key = lakeObjectKey('usage', '2026-03-10', 'claude-code', 'b1');
    await store.put(key, serializeUsageObject(records));
    const inputs = await store.list('lake/usage/dt=2026-03-10/');
    const rollup = buildDailyRollup({ day: '2026-03-10', builtAt: 'x', pricer, inputs, records, invalidLines: 0, quarantinedLines: 0 });
    await writeRollup(store, rollup);
    const period = { start: new Date('2026-03-10T00:00:00Z'), end: new Date('2026-03-10T13:00:00Z') };
    const options = { pricer, now: new Date('2026-03-11T00:00:00Z'), write: true };
    const first = await loadPeriodSessions(store, period, [rollup], options);
    expect(first.built).toEqual(['2026-03-10']);
    // Only hours starting before 13:00 are in the period.
    expect(first.rows.map((r) => r.row.session)).toEqual(['a']);
    expect((await readSessionRollup(store, '2026-03-10'))?.inputs.map((i) => i.key)).toEqual([key]);
    expect((await loadPeriodSessions(store, period, [rollup], options)).built).toEqual([]);
    // A changed lake object makes it stale again (the usage rollup records the new ETag).
    await store.put(key, serializeUsageObject(records.slice(0, 3)));
    const changed = buildDailyRollup({
      day: '2026-03-10',
      builtAt: 'y',
      pricer,
      inputs: await store.list('lake/usage/dt=2026-03-10/'),
      records: records.slice(0, 3),
      invalidLines: 0,
      quarantinedLines: 0,
    });
    expect((await loadPeriodSessions(store, period, [changed], options)).built).toEqual(['2026-03-10']);
  });
});
