// Reconciliation: where a provider reported the cost of tokens that tokenlake can also price, the
// two per (day, provider, model) side by side, and a flag where they differ by more than the
// tolerance — how price-table drift and unpriced models show up. Pure: rollups in, rows out.

import { z } from 'zod';
import { utcDaySchema } from '../core/calendar-schema.ts';
import { totalTokens } from '../usage/record.ts';
import type { Rollup } from '../usage/rollup.ts';

/**
 * One (day, provider, model) with reported cost.
 * @example {"day":"2026-03-01","provider":"anthropic","model":"claude-sonnet-4-5","reported_usd":12.5,"priced_usd":12.0,
 *  "difference_usd":-0.5,"difference_ratio":-0.04,"flagged":true}
 */
const reconciliationRowSchema = z.object({
  day: utcDaySchema,
  provider: z.string(),
  model: z.string(),
  /** What the provider billed for these records, USD. */
  reported_usd: z.number(),
  /** The same records at the price table, USD; null when they carry no tokens (cost without usage). */
  priced_usd: z.number().nullable(),
  /** priced − reported: positive when the table prices higher than the provider billed. */
  difference_usd: z.number().nullable(),
  /** difference / reported; null when nothing was reported or nothing could be priced. */
  difference_ratio: z.number().nullable(),
  /** |difference_ratio| above the tolerance (or priced cost where the provider billed nothing). */
  flagged: z.boolean(),
});
type ReconciliationRow = z.infer<typeof reconciliationRowSchema>;
export const reconciliationSchema = z.array(reconciliationRowSchema);

/** Below this many dollars a difference is rounding, not drift. */
const NEGLIGIBLE_USD = 1e-9;

/**
 * Rows for the days in [fromDay, toDay] (UTC, inclusive) that have reported cost, sorted by day,
 * provider, model. `tolerance` is a fraction (0.02 = 2 %).
 */
export function computeReconciliation(rollups: readonly Rollup[], fromDay: string, toDay: string, tolerance: number): ReconciliationRow[] {
  const groups = new Map<string, { day: string; provider: string; model: string; reported: number; priced: number; tokens: number }>();
  for (const rollup of rollups) {
    if (rollup.day < fromDay || rollup.day > toDay) continue;
    for (const row of rollup.rows) {
      if (row.reported_cost_usd === 0 && row.reported_priced_usd === 0) continue;
      const key = `${rollup.day}\u0000${row.provider}\u0000${row.model}`;
      let g = groups.get(key);
      if (!g) {
        g = { day: rollup.day, provider: row.provider, model: row.model, reported: 0, priced: 0, tokens: 0 };
        groups.set(key, g);
      }
      g.reported += row.reported_cost_usd;
      g.priced += row.reported_priced_usd;
      g.tokens += totalTokens(row);
    }
  }
  return [...groups.values()]
    .sort((a, b) => a.day.localeCompare(b.day) || a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model))
    .map((g) => {
      // Token-less rows are cost the provider billed without usage (web search, storage): nothing to price.
      if (g.tokens === 0) {
        return { ...label(g), reported_usd: g.reported, priced_usd: null, difference_usd: null, difference_ratio: null, flagged: false };
      }
      const difference = g.priced - g.reported;
      const ratio = g.reported > NEGLIGIBLE_USD ? difference / g.reported : null;
      const flagged = ratio === null ? Math.abs(difference) > NEGLIGIBLE_USD : Math.abs(ratio) > tolerance;
      return { ...label(g), reported_usd: g.reported, priced_usd: g.priced, difference_usd: difference, difference_ratio: ratio, flagged };
    });
}

function label(g: { day: string; provider: string; model: string }) {
  return { day: g.day, provider: g.provider, model: g.model };
}
