// GET /v1/costs's answer: a period's cost broken down by model, provider, project, user or local
// day, each with its share of the total and the split between provider-reported and price-table
// cost. Pure: the caller loads the period's rollup rows.

import { z } from 'zod';
import { totalTokens } from '../../usage/record.ts';
import type { UsageSums } from '../../usage/rollup.ts';
import { bucketOf, bucketsOf, describePeriod, type Period, periodAnswerSchema } from '../period.ts';
import { byCostThenKey, entityKey, type HourRow, shareOf, sumBy, sumRows, toTotals } from '../rollup-query.ts';

export const costGroupings = ['model', 'provider', 'project', 'user', 'day'] as const;
type CostGrouping = (typeof costGroupings)[number];

const costTotalsSchema = z.object({
  cost_usd: z.number(),
  /** Cost the providers reported. */
  reported_cost_usd: z.number(),
  /** Cost computed from the price table (cost_usd − reported_cost_usd). */
  priced_cost_usd: z.number(),
  unpriced_records: z.int(),
  unpriced_tokens: z.int(),
  total_tokens: z.int(),
  requests: z.int(),
  records: z.int(),
});

export const costsResponseSchema = z.object({
  period: periodAnswerSchema,
  group_by: z.enum(costGroupings),
  currency: z.literal('USD'),
  totals: costTotalsSchema,
  items: z.array(
    costTotalsSchema.extend({
      key: z.string(),
      /** Share of the period's cost, 0–1. */
      share: z.number(),
      /** The model's provider (group_by=model only). */
      provider: z.string().optional(),
    }),
  ),
});
type CostsAnswer = z.output<typeof costsResponseSchema>;

function costTotals(s: UsageSums): z.infer<typeof costTotalsSchema> {
  return {
    cost_usd: s.cost_usd,
    reported_cost_usd: s.reported_cost_usd,
    priced_cost_usd: Math.max(0, s.cost_usd - s.reported_cost_usd),
    unpriced_records: s.unpriced_records,
    unpriced_tokens: s.unpriced_tokens,
    total_tokens: totalTokens(s),
    requests: s.requests,
    records: s.records,
  };
}

/** Items by cost (most first), or every local day of the period in order for group_by=day. */
export function breakDownCosts(rows: readonly HourRow[], period: Period, groupBy: CostGrouping): CostsAnswer {
  const total = sumRows(rows);
  let items: CostsAnswer['items'];
  if (groupBy === 'day') {
    const byDay = sumBy(rows, (r) => bucketOf(r.at, 'day', period.timeZone));
    items = bucketsOf(period, 'day').map(({ bucket: day }) => {
      const s = costTotals(byDay.get(day) ?? sumRows([]));
      return { key: day, ...s, share: shareOf(s.cost_usd, total.cost_usd) };
    });
  } else {
    const providerOf = new Map<string, string>();
    if (groupBy === 'model') for (const r of rows) providerOf.set(r.row.model, r.row.provider);
    items = [...sumBy(rows, (r) => entityKey(r.row, groupBy)).entries()]
      .map(([key, s]) => ({ key, totals: toTotals(s), sums: s }))
      .sort(byCostThenKey)
      .map(({ key, sums }) => ({
        key,
        ...(groupBy === 'model' ? { provider: providerOf.get(key) ?? 'unknown' } : {}),
        ...costTotals(sums),
        share: shareOf(sums.cost_usd, total.cost_usd),
      }));
  }
  return { period: describePeriod(period), group_by: groupBy, currency: 'USD', totals: costTotals(total), items };
}
