// GET /v1/costs: the cost breakdown with shares and the reported vs priced split; the math is
// lib/analytics/queries/costs.ts.

import { z } from 'zod';
import { periodQueryShape } from '../../analytics/period.ts';
import { breakDownCosts, costGroupings, costsResponseSchema } from '../../analytics/queries/costs.ts';
import { loadPeriodRollups } from '../../analytics/rollup-query.ts';
import { defineRoute, jsonResponse } from '../contract.ts';
import { hourPeriodOf, rollupErrors } from './query-params.ts';

const costsQuerySchema = z.object({
  group_by: z.enum(costGroupings).default('model').describe('Breakdown key; day is the local day.'),
  ...periodQueryShape,
});

export const costsRoute = defineRoute({
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
  const period = hourPeriodOf(context, q);
  const { rows } = await loadPeriodRollups(context.deps.store, period, context.deps.log);
  return { status: 200, body: breakDownCosts(rows, period, q.group_by) };
});
