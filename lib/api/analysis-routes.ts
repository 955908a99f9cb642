// The query routes: summary (a metric's total, series and change), usage (one entity's numbers,
// or the ranked entities), performance (latency, throughput) and costs (breakdown with shares). All answer from the daily rollups for any period, so their cost
// is one small GET per day and never depends on how many lake lines there are.

import { z } from 'zod';
import { latencySchema, totalsSchema } from '../analytics/analytics.ts';
import {
  alignToHours,
  bucketOf,
  bucketsOf,
  describePeriod,
  type Period,
  periodAnswerSchema,
  periodQueryShape,
  previousPeriod,
  resolvePeriod,
} from '../analytics/period.ts';
import {
  byCostThenKey,
  type EntityType,
  entityKey,
  entityTypes,
  type HourRow,
  latencyDaysOf,
  loadPeriodRollups,
  mergeLatency,
  sumBy,
  sumRows,
  toTotals,
} from '../analytics/rollup-query.ts';
import { BadRequestError } from '../core/errors.ts';
import type { UsageSums } from '../usage/rollup.ts';
import { defineRoute, jsonResponse, type Route, type RouteContext } from './contract.ts';

/** The error every query route can give besides bad input and keys. */
const rollupErrors = { 503: 'A daily rollup of the period is corrupt; the message names the POST /v1/aggregate call that rebuilds it.' };

function periodOf(
  context: RouteContext,
  query: { from?: string | undefined; to?: string | undefined; window?: '7d' | '30d' | '90d' | undefined },
) {
  return alignToHours(resolvePeriod(query, context.deps.now(), context.deps.timeZone));
}

function inPeriod(rows: readonly HourRow[], period: Period): HourRow[] {
  const start = period.start.getTime();
  const end = period.end.getTime();
  return rows.filter((r) => r.at >= start && r.at < end);
}

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** Whole numbers as decimal strings, so a limit like 1e3 or 0x10 is refused rather than coerced. */
function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

// ── GET /v1/summary ──────────────────────────────────────────────────────────────────────────

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

function metricValue(s: UsageSums, metric: SummaryMetric): number {
  switch (metric) {
    case 'cost':
      return s.cost_usd;
    case 'tokens':
      return s.input_tokens + s.output_tokens + s.cache_creation_tokens + s.cache_read_tokens;
    case 'requests':
      return s.requests;
    default:
      return s[metric];
  }
}

export const summaryQuerySchema = z.object({
  metric: z.enum(summaryMetrics).default('cost').describe('What to sum. cost is USD; token metrics count tokens.'),
  granularity: z.enum(['hour', 'day', 'week', 'month']).default('day').describe('Series bucket, in the configured time zone.'),
  ...periodQueryShape,
});

export const summaryResponseSchema = z.object({
  metric: z.enum(summaryMetrics),
  unit: z.enum(['USD', 'tokens', 'requests']),
  granularity: z.enum(['hour', 'day', 'week', 'month']),
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

const summaryRoute = defineRoute({
  method: 'GET',
  path: '/v1/summary',
  scope: 'read',
  tag: 'queries',
  summary: "A metric's total over a period, its series by hour/day/week/month, and the change against the previous period of equal length.",
  query: summaryQuerySchema,
  responses: {
    200: jsonResponse('Total, series and change.', summaryResponseSchema, {
      name: 'Summary',
      example: {
        metric: 'cost',
        unit: 'USD',
        granularity: 'day',
        period: { start: '2026-03-14T00:00:00.000Z', end: '2026-03-16T00:00:00.000Z', time_zone: 'UTC', window: null, days: 2 },
        total: 12.5,
        unpriced_records: 0,
        series: [
          { bucket: '2026-03-14', start: '2026-03-14T00:00:00.000Z', value: 5 },
          { bucket: '2026-03-15', start: '2026-03-15T00:00:00.000Z', value: 7.5 },
        ],
        previous: {
          period: { start: '2026-03-12T00:00:00.000Z', end: '2026-03-14T00:00:00.000Z', time_zone: 'UTC', window: null, days: 2 },
          total: 10,
        },
        change: { absolute: 2.5, ratio: 0.25 },
      },
    }),
  },
  errors: rollupErrors,
}).handle(async (context) => {
  const q = context.query;
  const period = periodOf(context, q);
  const previous = previousPeriod(period);
  const { rows } = await loadPeriodRollups(context.deps.store, { start: previous.start, end: period.end }, context.deps.log);
  const current = inPeriod(rows, period);
  const total = sumRows(current);
  const before = sumRows(inPeriod(rows, previous));
  const byBucket = sumBy(current, (r) => bucketOf(r.at, q.granularity, period.timeZone));
  const value = metricValue(total, q.metric);
  const previousValue = metricValue(before, q.metric);
  const unit = q.metric === 'cost' ? 'USD' : q.metric === 'requests' ? 'requests' : 'tokens';
  const body: z.output<typeof summaryResponseSchema> = {
    metric: q.metric,
    unit,
    granularity: q.granularity,
    period: describePeriod(period),
    total: value,
    unpriced_records: total.unpriced_records,
    series: bucketsOf(period, q.granularity).map((b) => {
      const s = byBucket.get(b.bucket);
      return { bucket: b.bucket, start: new Date(b.start).toISOString(), value: s ? metricValue(s, q.metric) : 0 };
    }),
    previous: { period: describePeriod(previous), total: previousValue },
    change: { absolute: value - previousValue, ratio: previousValue !== 0 ? (value - previousValue) / previousValue : null },
  };
  return { status: 200, body };
});

// ── GET /v1/usage ────────────────────────────────────────────────────────────────────────────

const entityTypeSchema = z.enum(entityTypes, {
  error: (issue) =>
    issue.input === 'session'
      ? 'sessions are not kept in the rollups (one row per session would make them as large as the lake): ' +
        'export the usage dataset (GET /v1/export?dataset=usage&fields=session,…) and group by session'
      : `expected one of ${entityTypes.join(', ')}`,
});

export const usageQuerySchema = z.object({
  entity_type: entityTypeSchema.describe('What to rank or look up. `(none)` is the entity id of rows without the label.'),
  entity_id: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('One entity: its totals, daily series and top breakdowns. Without it: the ranked list.'),
  limit: wholeNumber(1, 500).default(20).describe('Items per page of the ranked list, and rows per breakdown (default 20, at most 500).'),
  cursor: z.string().max(512).optional().describe('`next_cursor` of the previous page (ranked list only).'),
  ...periodQueryShape,
});

const rankedItemSchema = totalsSchema.extend({ rank: z.int().positive(), key: z.string(), share: z.number() });
const breakdownItemSchema = z.object({
  key: z.string(),
  cost_usd: z.number(),
  total_tokens: z.int(),
  requests: z.int(),
  records: z.int(),
  share: z.number(),
});

export const usageListResponseSchema = z.object({
  entity_type: z.enum(entityTypes),
  period: periodAnswerSchema,
  /** Sum over every entity of the period. */
  totals: totalsSchema,
  /** How many entities the period has (all pages). */
  count: z.int(),
  items: z.array(rankedItemSchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: z.string().nullable(),
});

export const usageEntityResponseSchema = z.object({
  entity_type: z.enum(entityTypes),
  entity_id: z.string(),
  period: periodAnswerSchema,
  totals: totalsSchema,
  /** The entity's part of the period's whole cost, 0–1. */
  share: z.number(),
  daily: z.array(totalsSchema.extend({ day: z.string() })),
  /** Top entities of every other type within this one (e.g. a project's models and users), by cost; share within the entity. */
  breakdowns: z.record(z.string(), z.array(breakdownItemSchema)),
});

interface UsageCursor {
  offset: number;
  entity_type: EntityType;
  start: number;
  end: number;
}

function encodeCursor(c: UsageCursor): string {
  return Buffer.from(JSON.stringify([c.offset, c.entity_type, c.start, c.end]), 'utf8').toString('base64url');
}

const cursorSchema = z.tuple([z.int().nonnegative(), z.enum(entityTypes), z.int(), z.int()]);

function decodeCursor(text: string, expected: Omit<UsageCursor, 'offset'>): number {
  let parsed: z.infer<typeof cursorSchema> | null = null;
  try {
    const result = cursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    if (result.success) parsed = result.data;
  } catch {
    parsed = null;
  }
  if (!parsed) throw new BadRequestError('invalid cursor', [{ field: 'cursor', reason: 'not a cursor this API issued' }]);
  const [offset, type, start, end] = parsed;
  if (type !== expected.entity_type || start !== expected.start || end !== expected.end) {
    throw new BadRequestError('invalid cursor', [
      { field: 'cursor', reason: 'belongs to another query (entity_type or period differ; a window moves at midnight)' },
    ]);
  }
  return offset;
}

const usageRoute = defineRoute({
  method: 'GET',
  path: '/v1/usage',
  scope: 'read',
  tag: 'queries',
  summary: 'Usage per model, provider, project, user, API key, workspace, machine or source: ranked, or one entity in detail.',
  description:
    "With entity_id: that entity's totals, daily series and top breakdowns by every other entity type. " +
    'Without: the entities ranked by cost, paged with limit and cursor.',
  query: usageQuerySchema,
  responses: {
    200: jsonResponse(
      'The ranked list (no entity_id) or the one entity (entity_id given).',
      z.union([usageListResponseSchema, usageEntityResponseSchema]),
      { name: 'Usage' },
    ),
  },
  errors: rollupErrors,
}).handle(async (context) => {
  const q = context.query;
  const period = periodOf(context, q);
  const { rows } = await loadPeriodRollups(context.deps.store, period, context.deps.log);
  const type = q.entity_type;
  const all = sumRows(rows);
  if (q.entity_id === undefined) {
    const cursorBase = { entity_type: type, start: period.start.getTime(), end: period.end.getTime() };
    const offset = q.cursor === undefined ? 0 : decodeCursor(q.cursor, cursorBase);
    const ranked = [...sumBy(rows, (r) => entityKey(r.row, type)).entries()]
      .map(([key, s]) => ({ key, totals: toTotals(s) }))
      .sort(byCostThenKey);
    const page = ranked.slice(offset, offset + q.limit);
    const nextOffset = offset + page.length;
    return {
      status: 200,
      body: {
        entity_type: type,
        period: describePeriod(period),
        totals: toTotals(all),
        count: ranked.length,
        items: page.map((item, i) => ({
          rank: offset + i + 1,
          key: item.key,
          ...item.totals,
          share: share(item.totals.cost_usd, all.cost_usd),
        })),
        next_cursor: nextOffset < ranked.length ? encodeCursor({ ...cursorBase, offset: nextOffset }) : null,
      },
    };
  }
  if (q.cursor !== undefined) {
    throw new BadRequestError('invalid query parameters', [{ field: 'cursor', reason: 'pages the ranked list only; drop entity_id' }]);
  }
  const mine = rows.filter((r) => entityKey(r.row, type) === q.entity_id);
  const total = sumRows(mine);
  const byDay = sumBy(mine, (r) => bucketOf(r.at, 'day', period.timeZone));
  const days = bucketsOf(period, 'day').map((b) => b.bucket);
  const breakdowns: Record<string, z.infer<typeof breakdownItemSchema>[]> = {};
  for (const other of entityTypes) {
    if (other === type) continue;
    breakdowns[other] = [...sumBy(mine, (r) => entityKey(r.row, other)).entries()]
      .map(([key, s]) => ({ key, totals: toTotals(s) }))
      .sort(byCostThenKey)
      .slice(0, q.limit)
      .map(({ key, totals }) => ({
        key,
        cost_usd: totals.cost_usd,
        total_tokens: totals.total_tokens,
        requests: totals.requests,
        records: totals.records,
        share: share(totals.cost_usd, total.cost_usd),
      }));
  }
  return {
    status: 200,
    body: {
      entity_type: type,
      entity_id: q.entity_id,
      period: describePeriod(period),
      totals: toTotals(total),
      share: share(total.cost_usd, all.cost_usd),
      daily: days.map((day) => {
        const s = byDay.get(day);
        return { day, ...toTotals(s ?? sumRows([])) };
      }),
      breakdowns,
    },
  };
});

// ── GET /v1/performance ──────────────────────────────────────────────────────────────────────

export const performanceQuerySchema = z.object({
  group_by: z.enum(['model', 'provider']).optional().describe('Also answer per model or per provider.'),
  ...periodQueryShape,
});

const performanceEntrySchema = latencySchema.extend({ requests: z.int(), records: z.int() });

export const performanceResponseSchema = z.object({
  period: periodAnswerSchema,
  /** The UTC days whose latency sketches were merged (a day counts when its 12:00 UTC lies in the period). */
  latency_days: z.array(z.string()),
  overall: performanceEntrySchema,
  group_by: z.enum(['model', 'provider']).nullable(),
  groups: z.array(performanceEntrySchema.extend({ key: z.string(), provider: z.string().nullable() })),
});

const performanceRoute = defineRoute({
  method: 'GET',
  path: '/v1/performance',
  scope: 'read',
  tag: 'queries',
  summary: 'Latency percentiles, mean, output tokens per second, requests and peak requests per minute over a period.',
  description:
    'Percentiles p50/p90/p95/p99 come from mergeable sketches (±1 %); they are null, with a reason, where no source ' +
    'reported latency. With group_by, also per model or provider.',
  query: performanceQuerySchema,
  responses: {
    200: jsonResponse('Overall and (with group_by) per group.', performanceResponseSchema, { name: 'Performance' }),
  },
  errors: rollupErrors,
}).handle(async (context) => {
  const q = context.query;
  const period = periodOf(context, q);
  const { rows, rollups } = await loadPeriodRollups(context.deps.store, period, context.deps.log);
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
  const groups: Array<z.infer<typeof performanceResponseSchema>['groups'][number]> = [];
  if (q.group_by) {
    const by = q.group_by;
    const sums = sumBy(rows, (r) => (by === 'model' ? `${r.row.provider}\u0000${r.row.model}` : r.row.provider));
    const keys = new Set(sums.keys());
    for (const r of sketchRollups) for (const l of r.latency) keys.add(by === 'model' ? `${l.provider}\u0000${l.model}` : l.provider);
    for (const k of keys) {
      const [provider, model] = by === 'model' ? (k.split('\u0000') as [string, string]) : [k, null];
      const s = sums.get(k);
      const latency = mergeLatency(sketchRollups, (p, m) => p === provider && (model === null || m === model), noneReason);
      groups.push({ key: model ?? provider, provider, ...latency, requests: s?.requests ?? 0, records: s?.records ?? 0 });
    }
    groups.sort((a, b) => b.requests - a.requests || b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  return {
    status: 200,
    body: { period: describePeriod(period), latency_days: [...latencyDays].sort(), overall, group_by: q.group_by ?? null, groups },
  };
});

// ── GET /v1/costs ────────────────────────────────────────────────────────────────────────────

export const costsQuerySchema = z.object({
  group_by: z.enum(['model', 'provider', 'project', 'user', 'day']).default('model').describe('Breakdown key; day is the local day.'),
  ...periodQueryShape,
});

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
  group_by: z.enum(['model', 'provider', 'project', 'user', 'day']),
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

function costTotals(s: UsageSums): z.infer<typeof costTotalsSchema> {
  return {
    cost_usd: s.cost_usd,
    reported_cost_usd: s.reported_cost_usd,
    priced_cost_usd: Math.max(0, s.cost_usd - s.reported_cost_usd),
    unpriced_records: s.unpriced_records,
    unpriced_tokens: s.unpriced_tokens,
    total_tokens: s.input_tokens + s.output_tokens + s.cache_creation_tokens + s.cache_read_tokens,
    requests: s.requests,
    records: s.records,
  };
}

const costsRoute = defineRoute({
  method: 'GET',
  path: '/v1/costs',
  scope: 'read',
  tag: 'queries',
  summary: 'Cost breakdown by model, provider, project, user or day, with each share of the total and the reported vs priced split.',
  query: costsQuerySchema,
  responses: {
    200: jsonResponse('Totals and the breakdown (by cost, or by day ascending for group_by=day).', costsResponseSchema, {
      name: 'Costs',
    }),
  },
  errors: rollupErrors,
}).handle(async (context) => {
  const q = context.query;
  const period = periodOf(context, q);
  const { rows } = await loadPeriodRollups(context.deps.store, period, context.deps.log);
  const total = sumRows(rows);
  let items: z.infer<typeof costsResponseSchema>['items'];
  if (q.group_by === 'day') {
    const byDay = sumBy(rows, (r) => bucketOf(r.at, 'day', period.timeZone));
    const days = bucketsOf(period, 'day').map((b) => b.bucket);
    items = days.map((day) => {
      const s = costTotals(byDay.get(day) ?? sumRows([]));
      return { key: day, ...s, share: share(s.cost_usd, total.cost_usd) };
    });
  } else {
    const by = q.group_by;
    const providerOf = new Map<string, string>();
    if (by === 'model') for (const r of rows) providerOf.set(r.row.model, r.row.provider);
    items = [...sumBy(rows, (r) => entityKey(r.row, by)).entries()]
      .map(([key, s]) => ({ key, totals: toTotals(s), sums: s }))
      .sort(byCostThenKey)
      .map(({ key, sums }) => ({
        key,
        ...(by === 'model' ? { provider: providerOf.get(key) ?? 'unknown' } : {}),
        ...costTotals(sums),
        share: share(sums.cost_usd, total.cost_usd),
      }));
  }
  return {
    status: 200,
    body: { period: describePeriod(period), group_by: q.group_by, currency: 'USD', totals: costTotals(total), items },
  };
});

export const analysisRoutes: Route[] = [summaryRoute, usageRoute, performanceRoute, costsRoute];
