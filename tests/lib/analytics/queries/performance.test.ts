import { describe, expect, it } from 'vitest';
import { measurePerformance } from '../../../../lib/analytics/queries/performance.ts';
import { LatencySketch } from '../../../../lib/usage/latency-sketch.ts';
import { hourRow, rollupOf, utcPeriod } from './hour-rows.ts';

function latencyRow(provider: string, model: string, latencies: number[], outputTokens: number, peak: number) {
  const sketch = new LatencySketch();
  for (const ms of latencies) sketch.add(ms);
  return {
    provider,
    model,
    sketch: sketch.toJSON(),
    output_tokens: outputTokens,
    latency_ms_sum: latencies.reduce((a, b) => a + b, 0),
    peak_rpm: peak,
  };
}

const rows = [
  hourRow('2026-03-10T01:00:00Z', { provider: 'anthropic', model: 'a', requests: 3, records: 3 }),
  hourRow('2026-03-10T15:00:00Z', { provider: 'openai', model: 'g', requests: 5, records: 4 }),
  hourRow('2026-03-11T02:00:00Z', { provider: 'anthropic', model: 'b', requests: 1, records: 1 }),
];
const aLatencies = [100, 200, 300];
const gLatencies = [1000, 3000];
const rollups = [
  rollupOf(
    '2026-03-10',
    rows.slice(0, 2).map((r) => r.row),
    [latencyRow('anthropic', 'a', aLatencies, 60, 2), latencyRow('openai', 'g', gLatencies, 400, 7)],
  ),
  rollupOf('2026-03-11', [rows[2]!.row]),
];

describe('measurePerformance', () => {
  it('merges the sketches of the days whose midday lies in the period', () => {
    const period = utcPeriod('2026-03-10T00:00:00Z', '2026-03-12T00:00:00Z');
    const answer = measurePerformance(rows, rollups, period, undefined);
    const all = [...aLatencies, ...gLatencies];

    expect(answer.latency_days).toEqual(['2026-03-10', '2026-03-11']);
    expect(answer.overall.count).toBe(all.length);
    expect(answer.overall.mean_ms).toBeCloseTo(all.reduce((a, b) => a + b, 0) / all.length, 9);
    expect(answer.overall.output_tokens_per_second).toBeCloseTo((60 + 400) / (all.reduce((a, b) => a + b, 0) / 1000), 9);
    expect(answer.overall.peak_requests_per_minute).toBe(7);
    expect(answer.overall.requests).toBe(rows.reduce((s, r) => s + r.row.requests, 0));
    expect(answer.overall.records).toBe(rows.reduce((s, r) => s + r.row.records, 0));
    // The sketch promises ±1 %.
    expect(Math.abs(answer.overall.p50_ms! - 300) / 300).toBeLessThanOrEqual(0.01);
    expect(answer.groups).toEqual([]);
  });

  it('answers per model, ranked by requests, with models that only have latency or only rows', () => {
    const period = utcPeriod('2026-03-10T00:00:00Z', '2026-03-12T00:00:00Z');
    const answer = measurePerformance(rows, rollups, period, 'model');
    expect(answer.groups.map((g) => [g.key, g.provider, g.requests])).toEqual(
      rows.map((r) => [r.row.model, r.row.provider, r.row.requests]).sort((x, y) => (y[2] as number) - (x[2] as number)),
    );
    const a = answer.groups.find((g) => g.key === 'a')!;
    expect(a.count).toBe(aLatencies.length);
    expect(a.mean_ms).toBeCloseTo(200, 9);
    const b = answer.groups.find((g) => g.key === 'b')!;
    expect(b.count).toBe(0);
    expect(b.reason).toBe('no source reported request latency in this period');
  });

  it('has no latency, with the reason, when no day has its midday in the period', () => {
    const period = utcPeriod('2026-03-10T00:00:00Z', '2026-03-10T06:00:00Z');
    const inside = rows.filter((r) => r.at < period.end.getTime());
    const answer = measurePerformance(inside, rollups, period, 'provider');
    expect(answer.latency_days).toEqual([]);
    expect(answer.overall.count).toBe(0);
    expect(answer.overall.p50_ms).toBeNull();
    expect(answer.overall.reason).toMatch(/12:00 UTC/);
    expect(answer.overall.requests).toBe(inside.reduce((s, r) => s + r.row.requests, 0));
    expect(answer.groups.map((g) => g.key)).toEqual(['anthropic']);
  });
});
