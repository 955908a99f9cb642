// GET /v1/summary's answer: a metric's total over a period, its series by hour/day/week/month and
// the change against the previous period of equal length. Pure: the caller loads the rollup rows
// of both periods (previous start to current end).

import { z } from 'zod';
import { totalTokens } from '../../usage/record.ts';
import type { UsageSums } from '../../usage/rollup.ts';
import { bucketOf, bucketsOf, describePeriod, type Granularity, type Period, periodAnswerSchema, previousPeriod } from '../period.ts';
import { type HourRow, rowsInPeriod, sumBy, sumRows } from '../rollup-query.ts';

export const summaryMetrics = [
  'cost',
  'tokens',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'requests',
] as const;
type SummaryMetric = (typeof summaryMetrics)[number];

export const granularities = ['hour', 'day', 'week', 'month'] as const satisfies readonly Granularity[];

export const summaryResponseSchema = z.object({
  metric: z.enum(summaryMetrics),
  unit: z.enum(['USD', 'tokens', 'requests']),
  granularity: z.enum(granularities),
  period: periodAnswerSchema,
  total: z.number(),
  /** Records of the period the price table could not price (their cost is not in `total`). */
  unpriced_records: z.int(),
  series: z.array(
    z.object({
      /** Local hour (YYYY-MM-DDTHH), day, week (its Monday) or month (YYYY-MM). */
      bucket: z.string(),
      /** First instant of the bucket inside the period, ISO UTC. */
      start: z.string(),
      value: z.number(),
    }),
  ),
  previous: z.object({ period: periodAnswerSchema, total: z.number() }),
  change: z.object({
    absolute: z.number(),
    /** (total − previous) / previous; null when the previous period is 0. */
    ratio: z.number().nullable(),
  }),
});
type SummaryAnswer = z.output<typeof summaryResponseSchema>;

function metricValue(s: UsageSums, metric: SummaryMetric): number {
  switch (metric) {
    case 'cost':
      return s.cost_usd;
    case 'tokens':
      return totalTokens(s);
    case 'requests':
      return s.requests;
    default:
      return s[metric];
  }
}

/** `rows` must cover the previous period and the period (rows outside both are ignored). */
export function summarize(rows: readonly HourRow[], period: Period, metric: SummaryMetric, granularity: Granularity): SummaryAnswer {
  const previous = previousPeriod(period);
  const current = rowsInPeriod(rows, period);
  const total = sumRows(current);
  const before = sumRows(rowsInPeriod(rows, previous));
  const byBucket = sumBy(current, (r) => bucketOf(r.at, granularity, period.timeZone));
  const value = metricValue(total, metric);
  const previousValue = metricValue(before, metric);
  return {
    metric,
    unit: metric === 'cost' ? 'USD' : metric === 'requests' ? 'requests' : 'tokens',
    granularity,
    period: describePeriod(period),
    total: value,
    unpriced_records: total.unpriced_records,
    series: bucketsOf(period, granularity).map((b) => {
      const s = byBucket.get(b.bucket);
      return { bucket: b.bucket, start: new Date(b.start).toISOString(), value: s ? metricValue(s, metric) : 0 };
    }),
    previous: { period: describePeriod(previous), total: previousValue },
    change: { absolute: value - previousValue, ratio: previousValue !== 0 ? (value - previousValue) / previousValue : null },
  };
}
