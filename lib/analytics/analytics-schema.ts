// The analytics.json contract: the document every reader uses (API, dashboard, CLI), as zod
// schemas. Computed by lib/analytics/analytics.ts; kept apart so the contract reads on its own.

import { z } from 'zod';
import { utcDaySchema } from '../core/calendar-schema.ts';
import { eventWindowSchema } from '../events/analytics.ts';
import { sourceStatusSchema } from '../sources/status.ts';
import { syncInProgressSchema } from '../store/lease.ts';
import { reconciliationSchema } from './reconciliation.ts';
import { perWindow, WINDOW_NAMES } from './windows.ts';

export { WINDOW_NAMES, WINDOWS, type WindowName } from './windows.ts';
export const windowNameSchema = z.enum(WINDOW_NAMES);

const money = z.number();
const count = z.number().int().nonnegative();

export const totalsSchema = z.object({
  cost_usd: money,
  input_tokens: count,
  output_tokens: count,
  cache_creation_tokens: count,
  cache_read_tokens: count,
  total_tokens: count,
  requests: count,
  records: count,
  reported_cost_usd: money,
  unpriced_records: count,
  unpriced_tokens: count,
});
export type Totals = z.infer<typeof totalsSchema>;

export const breakdownRowSchema = totalsSchema.extend({
  key: z.string(),
  /** Share of the window's cost, 0–1. */
  share: z.number(),
});
export type BreakdownRow = z.infer<typeof breakdownRowSchema>;

export const latencySchema = z.object({
  count: count,
  p50_ms: z.number().nullable(),
  p90_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
  p99_ms: z.number().nullable(),
  mean_ms: z.number().nullable(),
  output_tokens_per_second: z.number().nullable(),
  peak_requests_per_minute: count,
  /** Why the percentiles are null (no source reported latency). */
  reason: z.string().nullable(),
  relative_accuracy: z.number(),
});
export type Latency = z.infer<typeof latencySchema>;

export const dailyPointSchema = totalsSchema.extend({
  day: utcDaySchema,
  /**
   * Cost per model that day, most expensive first (for stacked charts). A list, not an object
   * keyed by model: a model name is data, and `__proto__` cannot be a key of a parsed object.
   */
  cost_by_model: z.array(z.object({ model: z.string(), cost_usd: money })),
});

export const windowSchema = z.object({
  days: z.int().positive(),
  from: utcDaySchema,
  to: utcDaySchema,
  totals: totalsSchema,
  burn_rate_usd_per_day: money,
  by_model: z.array(breakdownRowSchema.extend({ provider: z.string() })),
  by_provider: z.array(breakdownRowSchema),
  by_project: z.array(breakdownRowSchema),
  by_user: z.array(breakdownRowSchema),
  by_machine: z.array(breakdownRowSchema),
  by_source: z.array(breakdownRowSchema),
  daily: z.array(dailyPointSchema),
  latency: latencySchema,
  latency_by_model: z.array(latencySchema.extend({ key: z.string(), provider: z.string() })),
  /** Pushed events in the window: counts and metric sums/means per event type, derived rates. */
  events: eventWindowSchema,
});
export type AnalyticsWindow = z.infer<typeof windowSchema>;

export const budgetStatusSchema = z.object({
  id: z.string(),
  scope: z.string(),
  limit_usd: money,
  spent_usd: money,
  /** Spent + the scope's 7-day burn rate × days left in the month. */
  forecast_usd: money,
  /** The day spend reaches the limit at the current burn rate; null if not this month. */
  run_out_day: utcDaySchema.nullable(),
  status: z.enum(['ok', 'warning', 'over', 'forecast_over']),
  daily_limit_usd: money.nullable(),
  today_usd: money,
  thresholds_reached: z.array(z.number()),
  thresholds_forecast: z.array(z.number()),
  /**
   * The local day month-to-date spend reached each of thresholds_reached (alerts about a day a
   * sync back-filled long after are not sent; see lib/pipeline/alerts.ts). Absent in documents from before.
   */
  reached_on: z.array(z.object({ threshold: z.number(), day: utcDaySchema })).optional(),
});

export const anomalySchema = z.object({
  day: utcDaySchema,
  dimension: z.enum(['model', 'project']),
  key: z.string(),
  cost_usd: money,
  baseline_usd: money,
  spread_usd: money,
  jump_usd: money,
  score: z.number().nullable(),
});

/** A source's status as analytics shows it: the stored status without its counts, and whether it is failing. */
export const sourceQualitySchema = sourceStatusSchema
  .pick({ source: true, machine: true, last_run_at: true, last_success_at: true, last_error: true, last_error_at: true })
  .extend({ ok: z.boolean() });

/**
 * The analytics document.
 * @example {"schema_version":1,"generated_at":"2026-11-23T10:00:00.000Z","as_of":"2026-11-23","timezone":"UTC","currency":"USD",
 *  "price_table":"litellm-00035b69","windows":{"7d":{…},"30d":{…},"90d":{…}},"hourly":[…],
 *  "month_to_date":{"month":"2026-11","from":"2026-11-01","to":"2026-11-23","cost_usd":812.5,…},
 *  "data_quality":{"quarantined_lines":3,"duplicates_dropped":120,"unpriced_models":[{"model":"acme-large-1","provider":"acme",
 *   "records":12,"tokens":48000}],"price_tables":{"7d":["litellm-00035b69-7eff989a"],…},…}}
 */
export const analyticsSchema = z.object({
  schema_version: z.literal(1),
  generated_at: z.string(),
  as_of: utcDaySchema,
  timezone: z.string(),
  currency: z.literal('USD'),
  price_table: z.string(),
  windows: z.object(perWindow(() => windowSchema)),
  /** Last 48 local hours, oldest first. */
  hourly: z.array(totalsSchema.extend({ hour: z.string() })),
  month_to_date: z.object({
    month: z.string(),
    from: utcDaySchema,
    to: utcDaySchema,
    days_elapsed: z.int().positive(),
    days_in_month: z.int().positive(),
    cost_usd: money,
    burn_rate_usd_per_day: money,
    /** Spent so far + 7-day burn rate × days left in the month. */
    forecast_usd: money,
    budgets: z.array(budgetStatusSchema),
  }),
  /** Days in the last 7 whose cost for a model or project jumped far above its 28-day baseline. */
  anomalies: z.array(anomalySchema),
  /** Reported vs priced cost per day and model over the last 30 days; flagged beyond the tolerance. */
  reconciliation: z.object({
    tolerance: z.number(),
    flagged: z.int().nonnegative(),
    rows: reconciliationSchema,
  }),
  data_quality: z.object({
    /** Why config/budgets.json was not used (the last good version was), or null. */
    budgets_error: z.string().nullable(),
    quarantined_lines: count,
    duplicates_dropped: count,
    invalid_lake_lines: count,
    /** Days whose rollup could not be built in the last pass (their last rollup was used). */
    failed_days: z.array(z.object({ day: utcDaySchema, dataset: z.enum(['usage', 'events']), error: z.string() })),
    /** Valid records a day's rollup left out because its sums would have overflowed (see rollups' stats). */
    refused_records: count,
    unpriced_records: count,
    unpriced_tokens: count,
    /** Models with usage but no price in the last 90 days, most tokens first: never counted as $0. */
    unpriced_models: z.array(z.object({ model: z.string(), provider: z.string(), records: count, tokens: count })),
    /** The price table version(s) that priced each window's days (rollup labels; "a+b" = two tables that day). */
    price_tables: z.object(perWindow(() => z.array(z.string()))),
    sources: z.array(sourceQualitySchema),
    /**
     * Syncs that hold a lease as this was computed: `running` (the totals may not hold all of this
     * sync's data yet) or `interrupted` (killed or expired; the next sync takes it over). Empty
     * when every sync finished.
     */
    unfinished_syncs: z.array(syncInProgressSchema),
  }),
});
export type Analytics = z.infer<typeof analyticsSchema>;
