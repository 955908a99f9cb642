// GET /v1/summary: a metric's total, series and change against the previous period; the math is
// lib/analytics/queries/summary.ts.

import { z } from 'zod';
import { periodQueryShape, previousPeriod } from '../../analytics/period.ts';
import { granularities, summarize, summaryMetrics, summaryResponseSchema } from '../../analytics/queries/summary.ts';
import { loadPeriodRollups } from '../../analytics/rollup-query.ts';
import { defineRoute, jsonResponse } from '../contract.ts';
import { hourPeriodOf, rollupErrors } from './query-params.ts';

const summaryQuerySchema = z.object({
  metric: z.enum(summaryMetrics).default('cost').describe('What to sum. cost is USD; token metrics count tokens.'),
  granularity: z.enum(granularities).default('day').describe('Series bucket, in the configured time zone.'),
  ...periodQueryShape,
});

export const summaryRoute = defineRoute({
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
  const period = hourPeriodOf(context, q);
  const since = previousPeriod(period).start;
  const { rows } = await loadPeriodRollups(context.deps.store, { start: since, end: period.end }, context.deps.log);
  return { status: 200, body: summarize(rows, period, q.metric, q.granularity) };
});
