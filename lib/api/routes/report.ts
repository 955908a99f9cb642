// GET /v1/report: usage over a period grouped as `tokenlake report --json` groups it; the math is
// lib/analytics/report-query.ts.

import { z } from 'zod';
import { periodQueryShape } from '../../analytics/period.ts';
import { reportBys, reportOrders, reportSchema } from '../../analytics/report.ts';
import { queryReport } from '../../analytics/report-query.ts';
import { createPricer } from '../../usage/pricing/price.ts';
import { defineRoute, jsonResponse } from '../contract.ts';
import { rollupErrors } from './query-params.ts';

const reportQuerySchema = z.object({
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

export const reportRoute = defineRoute({
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
