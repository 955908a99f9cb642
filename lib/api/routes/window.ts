// GET /v1/window: a window of any local days (the dashboard's custom range), in the shape of
// /v1/windows/{window}; the days checked by lib/analytics/queries/window.ts, the window computed from
// the rollups by lib/analytics/analytics.ts.

import { z } from 'zod';
import { computeWindow, localRows, windowSchema } from '../../analytics/analytics.ts';
import { MAX_PERIOD_DAYS } from '../../analytics/period.ts';
import { localDaysWindow } from '../../analytics/queries/window.ts';
import { loadPeriodRollups } from '../../analytics/rollup-query.ts';
import { utcDaySchema } from '../../core/calendar-schema.ts';
import { computeEventWindows } from '../../events/analytics.ts';
import { loadEventRollups } from '../../events/rollup.ts';
import { defineRoute, jsonResponse } from '../contract.ts';
import { rollupErrors } from './query-params.ts';

const customWindowQuerySchema = z.object({
  from: utcDaySchema.describe('First local day (YYYY-MM-DD, in the configured time zone), inclusive.'),
  to: utcDaySchema.describe('Last local day, inclusive.'),
});

/**
 * A window of any local days, in the shape of GET /v1/windows/{window}.
 * @example {"from":"2025-09-01","to":"2025-09-30","days":30,"timezone":"UTC","generated_at":"2026-03-15T12:00:00.000Z","totals":{…},…}
 */
const customWindowAnswerSchema = windowSchema.extend({
  timezone: z.string(),
  generated_at: z.string(),
});
/** What the dashboard (web/) reads for a custom range. */
export type CustomWindowAnswer = z.infer<typeof customWindowAnswerSchema>;

export const customWindowRoute = defineRoute({
  method: 'GET',
  path: '/v1/window',
  scope: 'read',
  tag: 'analytics',
  summary: `A window of any local days (at most ${MAX_PERIOD_DAYS}): totals, breakdowns, daily series and latency, as /v1/windows/{window} has them.`,
  query: customWindowQuerySchema,
  responses: { 200: jsonResponse('The window.', customWindowAnswerSchema, { name: 'CustomWindow' }) },
  errors: rollupErrors,
}).handle(async (context) => {
  const { store, timeZone, log } = context.deps;
  const range = localDaysWindow(context.query.from, context.query.to, timeZone);
  const { rollups } = await loadPeriodRollups(store, { start: range.start, end: range.end }, log);
  const events = await loadEventRollups(store, range.utcDays, log);
  const eventWindows = computeEventWindows(events, range.to, range.days, timeZone);
  const window = computeWindow(range.days, range.to, localRows(rollups, timeZone), rollups, timeZone, eventWindows);
  return { status: 200, body: { ...window, timezone: timeZone, generated_at: context.deps.now().toISOString() } };
});
