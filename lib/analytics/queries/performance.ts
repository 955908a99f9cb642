// GET /v1/performance's answer: latency percentiles, mean and throughput over a period, overall
// and per model or provider. Latency sketches are per UTC day, so only the days whose midday lies
// in the period count (latencyDaysOf); request counts come from the hourly rows. Pure.

import { z } from 'zod';
import type { Rollup } from '../../usage/rollup.ts';
import { latencySchema } from '../analytics.ts';
import { describePeriod, type Period, periodAnswerSchema } from '../period.ts';
import { type HourRow, latencyDaysOf, mergeLatency, sumBy, sumRows } from '../rollup-query.ts';

export const performanceGroupings = ['model', 'provider'] as const;
type PerformanceGrouping = (typeof performanceGroupings)[number];

const performanceEntrySchema = latencySchema.extend({ requests: z.int(), records: z.int() });

export const performanceResponseSchema = z.object({
  period: periodAnswerSchema,
  /** The UTC days whose latency sketches were merged (a day counts when its 12:00 UTC lies in the period). */
  latency_days: z.array(z.string()),
  overall: performanceEntrySchema,
  group_by: z.enum(performanceGroupings).nullable(),
  groups: z.array(performanceEntrySchema.extend({ key: z.string(), provider: z.string().nullable() })),
});
type PerformanceAnswer = z.output<typeof performanceResponseSchema>;

/** `rows` are the period's hourly rows, `rollups` the day rollups they came from. */
export function measurePerformance(
  rows: readonly HourRow[],
  rollups: readonly Rollup[],
  period: Period,
  groupBy: PerformanceGrouping | undefined,
): PerformanceAnswer {
  const latencyDays = new Set(latencyDaysOf(period));
  const sketchRollups = rollups.filter((r) => latencyDays.has(r.day));
  const noneReason =
    latencyDays.size === 0
      ? 'latency is kept per UTC day and this period holds no day whose 12:00 UTC lies inside it'
      : 'no source reported request latency in this period';
  const totals = sumRows(rows);
  const overall = {
    ...mergeLatency(sketchRollups, () => true, noneReason),
    requests: totals.requests,
    records: totals.records,
  };
  const groups: PerformanceAnswer['groups'] = [];
  if (groupBy) {
    const keyOf = (provider: string, model: string) => (groupBy === 'model' ? `${provider}\u0000${model}` : provider);
    const sums = sumBy(rows, (r) => keyOf(r.row.provider, r.row.model));
    const keys = new Set(sums.keys());
    for (const r of sketchRollups) for (const l of r.latency) keys.add(keyOf(l.provider, l.model));
    for (const k of keys) {
      const [provider, model] = groupBy === 'model' ? (k.split('\u0000') as [string, string]) : [k, null];
      const s = sums.get(k);
      const latency = mergeLatency(sketchRollups, (p, m) => p === provider && (model === null || m === model), noneReason);
      groups.push({ key: model ?? provider, provider, ...latency, requests: s?.requests ?? 0, records: s?.records ?? 0 });
    }
    groups.sort((a, b) => b.requests - a.requests || b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  return { period: describePeriod(period), latency_days: [...latencyDays].sort(), overall, group_by: groupBy ?? null, groups };
}
