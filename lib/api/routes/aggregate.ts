// POST /v1/aggregate: rebuild the daily rollups of a period from the lake (re-pricing it), then
// recompute analytics; lib/pipeline/aggregate.ts does the work.

import { z } from 'zod';
import { utcDaySchema } from '../../core/calendar-schema.ts';
import { BadRequestError } from '../../core/errors.ts';
import { MAX_AGGREGATION_DAYS, runAggregation } from '../../pipeline/aggregate.ts';
import { defineRoute, jsonResponse } from '../contract.ts';
import { analysisOf, noAnalysis } from './admin-analysis.ts';

/** An HTTP request must answer within API Gateway's 30 s; longer periods go through the CLI. */
const MAX_API_AGGREGATION_DAYS = 92;

const aggregateQuery = z.object({
  from: utcDaySchema.describe('First UTC day to rebuild (YYYY-MM-DD).'),
  to: utcDaySchema.describe('Last UTC day to rebuild (YYYY-MM-DD), inclusive.'),
});

const aggregateAnswerSchema = z.object({
  from: z.string(),
  to: z.string(),
  rebuilt: z.array(z.string()),
  empty: z.array(z.string()),
  lake_objects_read: z.int(),
  generated_at: z.string(),
});

export const aggregateRoute = defineRoute({
  method: 'POST',
  path: '/v1/aggregate',
  scope: 'admin',
  tag: 'admin',
  summary: 'Rebuild the daily rollups of a period from the lake, re-pricing it, then recompute analytics.',
  description:
    "Costs a source did not report are priced with the price table in force at each record's time; reported costs are kept. " +
    `At most ${MAX_API_AGGREGATION_DAYS} days per request; longer periods with \`tokenlake aggregate\` (up to ${MAX_AGGREGATION_DAYS}).`,
  query: aggregateQuery,
  responses: { 200: jsonResponse('The days rebuilt.', aggregateAnswerSchema, { name: 'Aggregation' }) },
  errors: { 503: noAnalysis },
}).handle(async (context) => {
  const q = context.query;
  if (q.from > q.to) throw new BadRequestError('invalid period', [{ field: 'from', reason: 'must not be after to' }]);
  const days = (Date.parse(`${q.to}T00:00:00Z`) - Date.parse(`${q.from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_API_AGGREGATION_DAYS) {
    throw new BadRequestError('invalid period', [
      {
        field: 'to',
        reason: `at most ${MAX_API_AGGREGATION_DAYS} days per request (CLI: tokenlake aggregate, up to ${MAX_AGGREGATION_DAYS})`,
      },
    ]);
  }
  const result = await runAggregation(analysisOf(context), q.from, q.to);
  return {
    status: 200,
    body: {
      from: result.from,
      to: result.to,
      rebuilt: result.rebuilt,
      empty: result.empty,
      lake_objects_read: result.lakeObjectsRead,
      generated_at: result.generatedAt,
    },
  };
});
