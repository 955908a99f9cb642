// The report views over any period, as the command line has them: GET /v1/report (the
// `tokenlake report --json` shape: by day, week, month, session, model, project, provider, user or
// machine, with per-model rows) and GET /v1/window (one window of any local days, the shape of
// /v1/windows/{window}, for the dashboard's custom range). Both answer from the rollups.

import { z } from 'zod';
import { computeWindow, localRows, windowSchema } from '../analytics/analytics.ts';
import { MAX_PERIOD_DAYS, periodQueryShape, zonedDayStart } from '../analytics/period.ts';
import { reportBys, reportOrders, reportSchema } from '../analytics/report.ts';
import { queryReport } from '../analytics/report-query.ts';
import { loadPeriodRollups } from '../analytics/rollup-query.ts';
import { addDays, daysBetween, utcDaysCovering } from '../core/calendar.ts';
import { utcDaySchema } from '../core/calendar-schema.ts';
import { BadRequestError } from '../core/errors.ts';
import { computeEventWindows } from '../events/analytics.ts';
import { loadEventRollups } from '../events/rollup.ts';
import { createPricer } from '../pricing/price.ts';
import { defineRoute, jsonResponse, type Route } from './contract.ts';

const rollupErrors = { 503: 'A daily rollup of the period is corrupt; the message names the POST /v1/aggregate call that rebuilds it.' };

// ── GET /v1/report ───────────────────────────────────────────────────────────────────────────

export const reportQuerySchema = z.object({
  by: z
    .enum(reportBys)
    .default('model')
    .describe('What a row is: a local day, an ISO week (its Monday), a month, a session, or an entity.'),
  breakdown: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('true: a row per model under each row (`models`).'),
  order: z
    .enum(reportOrders)
    .optional()
    .describe('Default: time rows oldest first, sessions newest first, the rest most cost first; the other value reverses.'),
  ...periodQueryShape,
});

const reportRoute = defineRoute({
  method: 'GET',
  path: '/v1/report',
  scope: 'read',
  tag: 'queries',
  summary:
    'Usage over a period grouped by day, week, month, session, model, project, provider, user or machine — what `tokenlake report --json` prints.',
  description:
    'Rows are the groups with usage; `totals` the whole period; `lake` the first and last day the lake holds, so an empty answer says where the usage is. ' +
    'Sessions come from the session rollups (a day without one is computed from its lake objects, not stored).',
  query: reportQuerySchema,
  responses: { 200: jsonResponse('The report.', reportSchema, { name: 'Report' }) },
  errors: rollupErrors,
}).handle(async (context) => {
  const q = context.query;
  const report = await queryReport(
    { period: { from: q.from, to: q.to, window: q.window }, by: q.by, breakdown: q.breakdown, order: q.order },
    {
      store: context.deps.store,
      now: context.deps.now(),
      timeZone: context.deps.timeZone,
      pricer: context.deps.analysis?.pricer ?? createPricer(),
      writeSessions: false,
      log: context.deps.log,
    },
  );
  return { status: 200, body: report };
});

// ── GET /v1/window ───────────────────────────────────────────────────────────────────────────

export const customWindowQuerySchema = z.object({
  from: utcDaySchema.describe('First local day (YYYY-MM-DD, in the configured time zone), inclusive.'),
  to: utcDaySchema.describe('Last local day, inclusive.'),
});

/**
 * A window of any local days, in the shape of GET /v1/windows/{window}.
 * @example {"from":"2025-09-01","to":"2025-09-30","days":30,"timezone":"UTC","generated_at":"2026-03-15T12:00:00.000Z","totals":{…},…}
 */
export const customWindowAnswerSchema = windowSchema.extend({
  timezone: z.string(),
  generated_at: z.string(),
});
/** What the dashboard (web/) reads for a custom range. */
export type CustomWindowAnswer = z.infer<typeof customWindowAnswerSchema>;

const customWindowRoute = defineRoute({
  method: 'GET',
  path: '/v1/window',
  scope: 'read',
  tag: 'analytics',
  summary: `A window of any local days (at most ${MAX_PERIOD_DAYS}): totals, breakdowns, daily series and latency, as /v1/windows/{window} has them.`,
  query: customWindowQuerySchema,
  responses: { 200: jsonResponse('The window.', customWindowAnswerSchema, { name: 'CustomWindow' }) },
  errors: rollupErrors,
}).handle(async (context) => {
  const { from, to } = context.query;
  if (from > to) throw new BadRequestError('invalid period', [{ field: 'from', reason: 'must not be after "to"' }]);
  const days = daysBetween(from, to) + 1;
  if (days > MAX_PERIOD_DAYS)
    throw new BadRequestError('invalid period', [{ field: 'to', reason: `the range is capped at ${MAX_PERIOD_DAYS} days` }]);
  const { store, timeZone, log } = context.deps;
  const { rollups } = await loadPeriodRollups(
    store,
    { start: zonedDayStart(from, timeZone), end: zonedDayStart(addDays(to, 1), timeZone) },
    log,
  );
  const events = await loadEventRollups(store, utcDaysCovering(from, to, timeZone), log);
  const window = computeWindow(days, to, localRows(rollups, timeZone), rollups, timeZone, computeEventWindows(events, to, days, timeZone));
  return { status: 200, body: { ...window, timezone: timeZone, generated_at: context.deps.now().toISOString() } };
});

export const reportRoutes: Route[] = [reportRoute, customWindowRoute];
