import { describe, expect, it } from 'vitest';
import { analyticsSchema, computeAnalytics } from '../../../lib/analytics/analytics.ts';
import { groupByDay } from '../../../lib/usage/lake.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { makeRecord, recordId, type UsageRecord } from '../../../lib/usage/record.ts';
import { buildDailyRollup } from '../../../lib/usage/rollup.ts';

const pricer = createPricer();
let n = 0;
function rec(ts: string, model: string, fields: Partial<UsageRecord>): UsageRecord {
  const provider = model.startsWith('gpt') ? 'openai' : 'anthropic';
  return makeRecord({ id: recordId('t', n++), ts, source: 'test', provider, model, project: 'web', user: 'alice', ...fields });
}

function rollupsOf(records: UsageRecord[]) {
  return [...groupByDay(records)].map(([day, list]) =>
    buildDailyRollup({
      day,
      builtAt: '2026-03-10T12:00:00.000Z',
      pricer,
      inputs: [],
      records: list,
      invalidLines: 0,
      quarantinedLines: day === '2026-03-10' ? 2 : 0,
    }),
  );
}

const records = [
  rec('2026-03-10T10:00:00.000Z', 'claude-haiku-4-5', { input_tokens: 1_000_000, latency_ms: 1000 }), // $1
  rec('2026-03-04T03:00:00.000Z', 'claude-haiku-4-5', { input_tokens: 2_000_000, project: 'api', latency_ms: 3000 }), // $2
  rec('2026-03-03T12:00:00.000Z', 'claude-haiku-4-5', { input_tokens: 3_000_000, user: 'bob' }), // $3
  rec('2026-02-20T12:00:00.000Z', 'gpt-4.1', { output_tokens: 1_000_000 }), // $8
  rec('2026-03-10T11:00:00.000Z', 'mystery-1', { input_tokens: 500 }), // unpriced
  rec('2025-11-01T00:00:00.000Z', 'claude-haiku-4-5', { input_tokens: 9_000_000 }), // outside every window
];
const now = new Date('2026-03-10T12:00:00Z');

describe('computeAnalytics', () => {
  const a = computeAnalytics({ now, timeZone: 'UTC', priceTable: 't', rollups: rollupsOf(records), statuses: [] });

  it('holds its days to utcDaySchema: the document parses to itself, a malformed day fails the contract', () => {
    const parsed = analyticsSchema.parse(a);
    expect(parsed).toEqual(a);
    expect(Object.keys(a.windows)).toEqual(['7d', '30d', '90d']);
    expect(Object.keys(a.data_quality.price_tables)).toEqual(['7d', '30d', '90d']);
    const bad = (change: (copy: typeof a) => void) => {
      const copy = structuredClone(a);
      change(copy);
      return analyticsSchema.safeParse(copy).success;
    };
    expect(bad(() => {})).toBe(true);
    expect(bad((c) => (c.as_of = '2026-02-30'))).toBe(false);
    expect(bad((c) => (c.windows['7d'].from = '2026-3-4'))).toBe(false);
    expect(bad((c) => (c.windows['30d'].daily[0]!.day = '2026-13-01'))).toBe(false);
    expect(bad((c) => (c.month_to_date.to = 'yesterday'))).toBe(false);
  });

  it('sums each window over the N days ending at as_of, inclusive', () => {
    expect(analyticsSchema.safeParse(a).success).toBe(true);
    expect(a.as_of).toBe('2026-03-10');
    expect(a.windows['7d'].from).toBe('2026-03-04');
    expect(a.windows['7d'].totals.cost_usd).toBeCloseTo(3, 9);
    expect(a.windows['7d'].totals.input_tokens).toBe(3_000_500);
    expect(a.windows['30d'].totals.cost_usd).toBeCloseTo(14, 9);
    expect(a.windows['90d'].totals.cost_usd).toBeCloseTo(14, 9);
    expect(a.windows['30d'].totals.requests).toBe(5);
  });

  it('computes burn rate as cost / days and the month-end forecast from the 7-day burn rate', () => {
    expect(a.windows['7d'].burn_rate_usd_per_day).toBeCloseTo(3 / 7, 9);
    expect(a.windows['30d'].burn_rate_usd_per_day).toBeCloseTo(14 / 30, 9);
    expect(a.month_to_date.cost_usd).toBeCloseTo(6, 9);
    expect(a.month_to_date.days_elapsed).toBe(10);
    expect(a.month_to_date.days_in_month).toBe(31);
    // 6 + 3/7 × 21 remaining days
    expect(a.month_to_date.forecast_usd).toBeCloseTo(15, 9);
  });

  it('breaks the window down by model, provider and project with shares', () => {
    const w = a.windows['30d'];
    expect(w.by_model.map((m) => [m.key, Number(m.cost_usd.toFixed(6))])).toEqual([
      ['gpt-4.1', 8],
      ['claude-haiku-4-5', 6],
      ['mystery-1', 0],
    ]);
    expect(w.by_provider.find((p) => p.key === 'openai')?.share).toBeCloseTo(8 / 14, 9);
    expect(w.by_project.find((p) => p.key === 'api')?.cost_usd).toBeCloseTo(2, 9);
    expect(w.daily).toHaveLength(30);
    expect(w.daily.find((d) => d.day === '2026-02-20')?.cost_by_model.find((c) => c.model === 'gpt-4.1')?.cost_usd).toBeCloseTo(8, 9);
    expect(w.daily.find((d) => d.day === '2026-02-21')?.cost_usd).toBe(0);
  });

  it('says which price tables priced each window (a day rebuilt with an older table keeps its label)', () => {
    const rollups = rollupsOf(records).map((r) => (r.day === '2026-02-20' ? { ...r, price_table: 'litellm-old' } : r));
    const current = pricer.versionAt(now.toISOString());
    const b = computeAnalytics({ now, timeZone: 'UTC', priceTable: current, rollups, statuses: [] });
    expect(b.data_quality.price_tables).toEqual({ '7d': [current], '30d': ['litellm-old', current], '90d': ['litellm-old', current] });
  });

  it('reports unpriced models and quarantined lines instead of pricing them at zero', () => {
    expect(a.data_quality.unpriced_records).toBe(1);
    expect(a.data_quality.unpriced_tokens).toBe(500);
    expect(a.data_quality.unpriced_models).toEqual([{ model: 'mystery-1', provider: 'anthropic', records: 1, tokens: 500 }]);
    // Every rollup was built with the one built-in table.
    expect(a.data_quality.price_tables).toEqual({
      '7d': [pricer.versionAt(now.toISOString())],
      '30d': [pricer.versionAt(now.toISOString())],
      '90d': [pricer.versionAt(now.toISOString())],
    });
    expect(a.data_quality.quarantined_lines).toBe(2);
  });

  it('reports latency percentiles where known and a reason where not', () => {
    expect(a.windows['7d'].latency.count).toBe(2);
    // Lower nearest rank: p99 of [1000, 3000] is 1000, answered within the sketch's 1 %.
    expect(Math.abs(a.windows['7d'].latency.p99_ms! - 1000) / 1000).toBeLessThanOrEqual(0.01);
    expect(a.windows['7d'].latency.mean_ms).toBe(2000);
    const old = computeAnalytics({ now, timeZone: 'UTC', priceTable: 't', rollups: rollupsOf([records[3]!]), statuses: [] });
    expect(old.windows['7d'].latency.p50_ms).toBeNull();
    expect(old.windows['7d'].latency.reason).toMatch(/no source/);
  });

  it('shifts day boundaries into the configured time zone', () => {
    const ny = computeAnalytics({ now, timeZone: 'America/New_York', priceTable: 't', rollups: rollupsOf(records), statuses: [] });
    // 2026-03-04T03:00Z is 2026-03-03 22:00 in New York: outside that zone's 7-day window.
    expect(ny.as_of).toBe('2026-03-10');
    expect(ny.windows['7d'].totals.cost_usd).toBeCloseTo(1, 9);
    expect(ny.windows['30d'].daily.find((d) => d.day === '2026-03-03')?.cost_usd).toBeCloseTo(5, 9);
    expect(ny.hourly).toHaveLength(48);
  });
});
