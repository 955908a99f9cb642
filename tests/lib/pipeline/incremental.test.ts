// The incremental guarantee and re-pricing, counted on the store: one new object in one day means
// only that day's lake objects are read, however much history there is.

import { describe, expect, it } from 'vitest';
import { addDays, dayRange } from '../../../lib/core/calendar.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { runAggregation } from '../../../lib/pipeline/aggregate.ts';
import { runAnalyze } from '../../../lib/pipeline/analyze.ts';
import { serializeUsageObject } from '../../../lib/usage/lake.ts';
import { builtInPriceTable } from '../../../lib/usage/pricing/built-in-table.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { makeRecord, recordId } from '../../../lib/usage/record.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const today = '2026-06-30';
const now = () => new Date(`${today}T23:00:00Z`);

async function lakeOf90Days(store: MemoryStore) {
  for (const day of dayRange(addDays(today, -89), today)) {
    for (const part of [0, 1]) {
      const records = [0, 1, 2].map((i) =>
        makeRecord({
          id: recordId(day, part, i),
          ts: `${day}T1${i}:00:00.000Z`,
          source: 'test',
          provider: 'anthropic',
          model: 'claude-haiku-4-5',
          input_tokens: 1_000_000,
        }),
      );
      // One reported-cost record per object: re-pricing must keep it.
      records.push(
        makeRecord({
          id: recordId(day, part, 'r'),
          ts: `${day}T15:00:00.000Z`,
          source: 'test',
          provider: 'anthropic',
          model: 'claude-haiku-4-5',
          input_tokens: 1_000_000,
          cost_usd: 0.5,
          cost_source: 'reported',
        }),
      );
      await store.put(`lake/usage/dt=${day}/test-${part}.jsonl`, serializeUsageObject(records));
    }
  }
}

describe('incremental analyze', () => {
  it('reads only the touched day after one new object in a 90-day lake', async () => {
    const store = new MemoryStore();
    await lakeOf90Days(store);
    const deps = { store, pricer: createPricer(), now, timeZone: 'UTC', log: silentLogger };
    const full = await runAnalyze(deps);
    expect(full.rebuilt).toHaveLength(90);
    expect(full.lakeObjectsRead).toBe(180);
    // 90 days × 2 objects × (3 × $1 priced + $0.50 reported)
    expect(full.analytics.windows['90d'].totals.cost_usd).toBeCloseTo(630, 9);

    const day = addDays(today, -40);
    await store.put(
      `lake/usage/dt=${day}/test-late.jsonl`,
      serializeUsageObject([
        makeRecord({
          id: recordId('late'),
          ts: `${day}T20:00:00.000Z`,
          source: 'test',
          provider: 'anthropic',
          model: 'claude-haiku-4-5',
          input_tokens: 2_000_000,
        }),
      ]),
    );
    store.gets.length = 0;
    const incremental = await runAnalyze(deps, { days: [day] });
    const lakeGets = store.gets.filter((k) => k.startsWith('lake/'));
    // Only the new object is read: it is folded into the day's rollup, deduplicated by its id index.
    expect(lakeGets.sort()).toEqual([`lake/usage/dt=${day}/test-late.jsonl`]);
    expect(store.gets).toContain(`rollups/usage-ids/dt=${day}.jsonl`);
    expect(incremental.rebuilt).toEqual([day]);
    expect(incremental.analytics.windows['90d'].totals.cost_usd).toBeCloseTo(632, 9);
    // The fold equals a rebuild from every object of the day.
    const folded = JSON.parse(store.text(`rollups/usage/dt=${day}.json`)!);
    const rebuilt = await runAnalyze(deps, { days: [day], force: true });
    const again = JSON.parse(store.text(`rollups/usage/dt=${day}.json`)!);
    expect(rebuilt.lakeObjectsRead).toBe(3);
    expect({ ...folded, built_at: '' }).toEqual({ ...again, built_at: '' });

    // The same event delivered again: nothing is rebuilt, nothing read from the lake.
    store.gets.length = 0;
    const replay = await runAnalyze(deps, { days: [day] });
    expect(replay.rebuilt).toEqual([]);
    expect(store.gets.filter((k) => k.startsWith('lake/'))).toEqual([]);
  });

  it('re-prices a period with the table in force at each record, keeping reported costs', async () => {
    const store = new MemoryStore();
    await lakeOf90Days(store);
    const before = await runAnalyze({ store, pricer: createPricer(), now, timeZone: 'UTC', log: silentLogger });
    // Haiku input doubles from 2026-06-21 on.
    const fix = {
      ...builtInPriceTable,
      version: 'fix-1',
      valid_from: '2026-06-21',
      models: { ...builtInPriceTable.models, 'claude-haiku-4-5': { provider: 'anthropic', input: 2, output: 5 } },
    };
    const deps = { store, pricer: createPricer([builtInPriceTable, fix]), now, timeZone: 'UTC', log: silentLogger };
    const progress: string[] = [];
    const result = await runAggregation(deps, '2026-06-01', today, (_d, _t, day) => progress.push(day));
    expect(result.rebuilt).toHaveLength(30);
    expect(progress).toHaveLength(30);
    const after = (await runAnalyze(deps)).analytics;
    // 10 days (21–30 June) × 2 objects × 3 priced records × +$1; reported $0.50 records unchanged.
    expect(after.windows['30d'].totals.cost_usd - before.analytics.windows['30d'].totals.cost_usd).toBeCloseTo(60, 9);
    expect(after.windows['30d'].totals.reported_cost_usd).toBeCloseTo(30, 9);
    await expect(runAggregation(deps, today, '2026-06-01')).rejects.toThrow(/invalid period/);
  });
});
