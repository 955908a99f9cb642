import { describe, expect, it } from 'vitest';
import { summarize } from '../../../../lib/analytics/queries/summary.ts';
import { allTokens, hourRow, localDayOf, utcPeriod } from './hour-rows.ts';

// Three days, 10–12 March; the previous period of equal length is 7–9 March.
const period = utcPeriod('2026-03-10T00:00:00Z', '2026-03-13T00:00:00Z');
const rows = [
  hourRow('2026-03-06T23:00:00Z', { cost_usd: 100, requests: 9 }), // before both periods
  hourRow('2026-03-07T05:00:00Z', { cost_usd: 1.5, input_tokens: 10, requests: 1 }),
  hourRow('2026-03-09T23:00:00Z', { cost_usd: 2.25, output_tokens: 7, requests: 2 }),
  hourRow('2026-03-10T00:00:00Z', { cost_usd: 0.5, input_tokens: 100, cache_read_tokens: 40, requests: 1, unpriced_records: 1 }),
  hourRow('2026-03-10T13:00:00Z', { cost_usd: 1.25, output_tokens: 30, requests: 3 }),
  hourRow('2026-03-12T23:00:00Z', { cost_usd: 4, cache_creation_tokens: 5, requests: 2 }),
  hourRow('2026-03-13T00:00:00Z', { cost_usd: 50, requests: 4 }), // after the period
];

function inRange(startIso: string, endIso: string) {
  const start = Date.parse(startIso);
  const end = Date.parse(endIso);
  return rows.filter((r) => r.at >= start && r.at < end);
}

describe('summarize', () => {
  it('totals the period, the previous period and the change between them', () => {
    const current = inRange('2026-03-10T00:00:00Z', '2026-03-13T00:00:00Z');
    const previous = inRange('2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z');
    const total = current.reduce((s, r) => s + r.row.cost_usd, 0);
    const before = previous.reduce((s, r) => s + r.row.cost_usd, 0);

    const answer = summarize(rows, period, 'cost', 'day');

    expect(answer.unit).toBe('USD');
    expect(answer.total).toBeCloseTo(total, 12);
    expect(answer.previous.total).toBeCloseTo(before, 12);
    expect(answer.change.absolute).toBeCloseTo(total - before, 12);
    expect(answer.change.ratio).toBeCloseTo((total - before) / before, 12);
    expect(answer.unpriced_records).toBe(current.reduce((s, r) => s + r.row.unpriced_records, 0));
    expect(answer.previous.period.start).toBe('2026-03-07T00:00:00.000Z');
  });

  it('has one series point per local day, zero where nothing happened', () => {
    const answer = summarize(rows, period, 'tokens', 'day');
    const expected = new Map<string, number>();
    for (const day of ['2026-03-10', '2026-03-11', '2026-03-12']) expected.set(day, 0);
    for (const r of inRange('2026-03-10T00:00:00Z', '2026-03-13T00:00:00Z')) {
      const day = new Date(r.at).toISOString().slice(0, 10);
      expected.set(day, (expected.get(day) ?? 0) + allTokens(r.row));
    }
    expect(answer.unit).toBe('tokens');
    expect(answer.series.map((p) => [p.bucket, p.value])).toEqual([...expected.entries()]);
    expect(answer.total).toBe([...expected.values()].reduce((a, b) => a + b, 0));
  });

  it('buckets by the local day of the configured zone', () => {
    const zone = 'America/New_York';
    // 10 March 04:00 UTC is midnight in New York (daylight time since 8 March).
    const local = utcPeriod('2026-03-10T04:00:00Z', '2026-03-13T04:00:00Z', zone);
    const answer = summarize(rows, local, 'requests', 'day');
    const expected = new Map<string, number>();
    for (const r of rows) {
      if (r.at < local.start.getTime() || r.at >= local.end.getTime()) continue;
      const day = localDayOf(r.at, zone);
      expected.set(day, (expected.get(day) ?? 0) + r.row.requests);
    }
    for (const point of answer.series) expect(point.value).toBe(expected.get(point.bucket) ?? 0);
    expect(answer.series.map((p) => p.bucket)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12']);
    expect(answer.total).toBe([...expected.values()].reduce((a, b) => a + b, 0));
  });

  it('gives no ratio when the previous period is zero', () => {
    const answer = summarize(inRange('2026-03-10T00:00:00Z', '2026-03-13T00:00:00Z'), period, 'requests', 'month');
    expect(answer.previous.total).toBe(0);
    expect(answer.change.ratio).toBeNull();
    expect(answer.series).toHaveLength(1);
    expect(answer.series[0]!.value).toBe(answer.total);
  });
});
