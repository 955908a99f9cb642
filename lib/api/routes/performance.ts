// GET /v1/performance: latency and throughput over a period; the math is
// lib/analytics/queries/performance.ts.

import { z } from 'zod';
import { periodQueryShape } from '../../analytics/period.ts';
import { measurePerformance, performanceGroupings, performanceResponseSchema } from '../../analytics/queries/performance.ts';
import { loadPeriodRollups } from '../../analytics/rollup-query.ts';
import { defineRoute, jsonResponse } from '../contract.ts';
import { hourPeriodOf, rollupErrors } from './query-params.ts';

const performanceQuerySchema = z.object({
  group_by: z.enum(performanceGroupings).optional().describe('Also answer per model or per provider.'),
  ...periodQueryShape,
});

export const performanceRoute = defineRoute({
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
  const period = hourPeriodOf(context, q);
  const { rows, rollups } = await loadPeriodRollups(context.deps.store, period, context.deps.log);
  return { status: 200, body: measurePerformance(rows, rollups, period, q.group_by) };
});
