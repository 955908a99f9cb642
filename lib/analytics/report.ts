// The report over any period: usage grouped by day, week, month, session, model, project,
// provider, user or machine, optionally with per-model rows under each group, from hourly rows
// (rollups, or session rollups for sessions) so a zone's days come out exact. Owns the grouping,
// the order and the `report --json` / `GET /v1/report` shape; pure: rows and the period come in.

import { z } from 'zod';
import { addDays, daysBetween, FIRST_DAY } from '../core/calendar.ts';
import { addSums, emptySums, type UsageSums } from '../usage/rollup.ts';
import { toTotals } from './analytics.ts';
import { totalsSchema, windowNameSchema } from './analytics-schema.ts';
import type { WindowName } from './windows.ts';

export const reportBys = ['day', 'week', 'month', 'session', 'model', 'project', 'provider', 'user', 'machine'] as const;
export type ReportBy = (typeof reportBys)[number];
export const reportOrders = ['asc', 'desc'] as const;
export type ReportOrder = (typeof reportOrders)[number];

/** The label of rows without the grouped-by value. */
export const NONE_KEY = '(none)';

/** One hourly row of usage: an hourly rollup row, or a session rollup row (which adds the session and its message times). */
export interface ReportInputRow {
  /** Start of the UTC hour, ms. */
  at: number;
  model: string;
  provider: string;
  project: string | null;
  user: string | null;
  machine: string | null;
  session?: string | null;
  first_ts?: string;
  last_ts?: string;
  sums: UsageSums;
}

interface ReportPeriod {
  /** First and last local day, inclusive. */
  from: string;
  to: string;
  timeZone: string;
  /** The instants the rows were selected with: [start, end). */
  start: Date;
  end: Date;
  window: WindowName | null;
}

const modelRowSchema = totalsSchema.extend({ model: z.string(), provider: z.string() });

const reportRowSchema = totalsSchema.extend({
  /** Local day (YYYY-MM-DD), week (its Monday), month (YYYY-MM), session id, or the model/project/provider/user/machine; "(none)" when absent. */
  key: z.string(),
  /** Share of the period's cost, 0–1. */
  share: z.number(),
  /** Models of the row, most cost first. */
  models_used: z.array(z.string()),
  /** by=model: the model's provider. */
  provider: z.string().optional(),
  /** by=session: the session's project (the one with most cost), and its first and last message (ISO UTC). */
  project: z.string().nullable().optional(),
  first_activity: z.string().optional(),
  last_activity: z.string().optional(),
  /** With breakdown: the row per model, most cost first. */
  models: z.array(modelRowSchema).optional(),
});
type ReportRow = z.infer<typeof reportRowSchema>;

/**
 * What `tokenlake report --json` prints and `GET /v1/report` answers.
 * @example {"generated_at":"2026-05-11T09:00:00.000Z","period":{"from":"2025-09-01","to":"2025-10-31","time_zone":"UTC",
 *  "start":"2025-09-01T00:00:00.000Z","end":"2025-11-01T00:00:00.000Z","days":61,"window":null},"by":"month","order":"asc",
 *  "breakdown":true,"currency":"USD","rows":[{"key":"2025-09","cost_usd":1.5,"input_tokens":100000,"output_tokens":80000,
 *  "cache_creation_tokens":0,"cache_read_tokens":0,"total_tokens":180000,"requests":12,"records":12,"reported_cost_usd":0,
 *  "unpriced_records":0,"unpriced_tokens":0,"share":1,"models_used":["claude-sonnet-4-5"],"models":[{"model":"claude-sonnet-4-5",
 *  "provider":"anthropic","cost_usd":1.5,…}]}],"totals":{"cost_usd":1.5,…},"lake":{"first_day":"2025-09-03","last_day":"2026-05-11"}}
 */
export const reportSchema = z.object({
  generated_at: z.string(),
  period: z.object({
    from: z.string(),
    to: z.string(),
    time_zone: z.string(),
    /** Inclusive start and exclusive end, ISO UTC (whole UTC hours: rollups count hours). */
    start: z.string(),
    end: z.string(),
    days: z.int().positive(),
    window: windowNameSchema.nullable(),
  }),
  by: z.enum(reportBys),
  order: z.enum(reportOrders),
  breakdown: z.boolean(),
  currency: z.literal('USD'),
  /** Groups with usage in the period (days without usage are left out). */
  rows: z.array(reportRowSchema),
  totals: totalsSchema,
  /** The first and last UTC day the lake holds usage for; null when it holds none. */
  lake: z.object({ first_day: z.string(), last_day: z.string() }).nullable(),
  /**
   * What the rollups of the period's UTC days left out: lines quarantined by the syncs that wrote
   * them, lake lines that failed validation, records refused for impossible values.
   */
  data_quality: z.object({
    quarantined_lines: z.int().nonnegative(),
    invalid_lines: z.int().nonnegative(),
    refused_records: z.int().nonnegative(),
  }),
});
export type Report = z.infer<typeof reportSchema>;

/** Time buckets read oldest first, sessions newest first, everything else most cost first. */
function defaultOrder(by: ReportBy): ReportOrder {
  return by === 'day' || by === 'week' || by === 'month' ? 'asc' : 'desc';
}

interface Group {
  sums: UsageSums;
  byModel: Map<string, { provider: string; sums: UsageSums }>;
  projectCost: Map<string | null, number>;
  first: string | null;
  last: string | null;
}

interface BuildReportInput {
  rows: readonly ReportInputRow[];
  by: ReportBy;
  breakdown: boolean;
  order?: ReportOrder;
  period: ReportPeriod;
  /** Local day of an hour start in the period's zone (`bucketOf` from lib/analytics/period.ts), for day/week/month. */
  bucketOf: (at: number, granularity: 'day' | 'week' | 'month') => string;
  lake: { first_day: string; last_day: string } | null;
  dataQuality: Report['data_quality'];
  generatedAt: Date;
}

function keyOf(row: ReportInputRow, input: BuildReportInput): string {
  switch (input.by) {
    case 'day':
    case 'week':
    case 'month':
      return input.bucketOf(row.at, input.by);
    case 'session':
      return row.session ?? NONE_KEY;
    case 'model':
      return row.model;
    case 'provider':
      return row.provider;
    case 'project':
      return row.project ?? NONE_KEY;
    case 'user':
      return row.user ?? NONE_KEY;
    case 'machine':
      return row.machine ?? NONE_KEY;
  }
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildReport(input: BuildReportInput): Report {
  const order = input.order ?? defaultOrder(input.by);
  const groups = new Map<string, Group>();
  const total = emptySums();
  for (const row of input.rows) {
    addSums(total, row.sums);
    const key = keyOf(row, input);
    let g = groups.get(key);
    if (!g) {
      g = { sums: emptySums(), byModel: new Map(), projectCost: new Map(), first: null, last: null };
      groups.set(key, g);
    }
    addSums(g.sums, row.sums);
    let m = g.byModel.get(row.model);
    if (!m) {
      m = { provider: row.provider, sums: emptySums() };
      g.byModel.set(row.model, m);
    }
    addSums(m.sums, row.sums);
    g.projectCost.set(row.project, (g.projectCost.get(row.project) ?? 0) + row.sums.cost_usd);
    if (row.first_ts !== undefined && (g.first === null || row.first_ts < g.first)) g.first = row.first_ts;
    if (row.last_ts !== undefined && (g.last === null || row.last_ts > g.last)) g.last = row.last_ts;
  }
  const costFirst = (a: [string, { sums: UsageSums }], b: [string, { sums: UsageSums }]) =>
    b[1].sums.cost_usd - a[1].sums.cost_usd || byKey(a[0], b[0]);
  const rows: ReportRow[] = [...groups].map(([key, g]) => {
    const models = [...g.byModel].sort(costFirst);
    const row: ReportRow = {
      key,
      ...toTotals(g.sums),
      share: total.cost_usd > 0 ? g.sums.cost_usd / total.cost_usd : 0,
      models_used: models.map(([model]) => model),
    };
    if (input.by === 'model') row.provider = g.byModel.get(key)?.provider ?? 'unknown';
    if (input.by === 'session') {
      const project = [...g.projectCost].sort((a, b) => b[1] - a[1] || byKey(a[0] ?? '', b[0] ?? ''))[0];
      row.project = project?.[0] ?? null;
      if (g.first !== null) row.first_activity = g.first;
      if (g.last !== null) row.last_activity = g.last;
    }
    if (input.breakdown) row.models = models.map(([model, m]) => ({ model, provider: m.provider, ...toTotals(m.sums) }));
    return row;
  });
  rows.sort((a, b) => {
    let c: number;
    if (input.by === 'day' || input.by === 'week' || input.by === 'month') c = byKey(a.key, b.key);
    else if (input.by === 'session') c = byKey(a.last_activity ?? '', b.last_activity ?? '') || byKey(a.key, b.key);
    else c = a.cost_usd - b.cost_usd || a.total_tokens - b.total_tokens || byKey(b.key, a.key);
    return order === 'asc' ? c : -c;
  });
  const p = input.period;
  return {
    generated_at: input.generatedAt.toISOString(),
    period: {
      from: p.from,
      to: p.to,
      time_zone: p.timeZone,
      start: p.start.toISOString(),
      end: p.end.toISOString(),
      days: daysBetween(p.from, p.to) + 1,
      window: p.window,
    },
    by: input.by,
    order,
    breakdown: input.breakdown,
    currency: 'USD',
    rows,
    totals: toTotals(total),
    lake: input.lake,
    data_quality: input.dataQuality,
  };
}

/**
 * For an empty period over a lake that holds usage: where the usage is and the options that show
 * it, e.g. `no usage in the last 30 days; the lake holds 2025-09-03 … 2026-05-11; try --since 2025-09-01`.
 * The suggestion starts on the first day of the lake's first month and stays within `maxDays`.
 */
export function emptyPeriodHint(report: Pick<Report, 'period' | 'lake'>, today: string, maxDays: number): string | null {
  const lake = report.lake;
  if (!lake) return null;
  const p = report.period;
  const what = p.window ? `in the last ${p.days} days` : `from ${p.from} to ${p.to}`;
  let since = `${lake.first_day.slice(0, 7)}-01`;
  if (since < FIRST_DAY) since = FIRST_DAY;
  let suggestion: string;
  if (daysBetween(since, today) < maxDays) suggestion = `--since ${since}`;
  else {
    const until = lake.last_day;
    if (daysBetween(since, until) >= maxDays) since = addDays(until, -(maxDays - 1));
    suggestion = `--since ${since} --until ${until}`;
  }
  return `no usage ${what}; the lake holds ${lake.first_day} … ${lake.last_day}; try ${suggestion}`;
}
