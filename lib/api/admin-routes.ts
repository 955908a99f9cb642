// Routes that change what analytics says: budgets (read, replace) and rebuilding the rollups of
// a period (re-pricing it). Both recompute analytics.json before answering.

import { z } from 'zod';
import { budgetStatusSchema } from '../analytics/analytics.ts';
import { budgetsFileSchema, loadBudgets } from '../analytics/budgets.ts';
import { utcDaySchema } from '../core/calendar-schema.ts';
import { BadRequestError, HttpError } from '../core/errors.ts';
import { MAX_AGGREGATION_DAYS, runAggregation } from '../pipeline/aggregate.ts';
import { readAnalytics, runAnalyze } from '../pipeline/analyze.ts';
import { BUDGETS_KEY } from '../store/layout.ts';
import { defineRoute, jsonBody, jsonResponse, type Route, type RouteContext } from './contract.ts';

const MAX_BUDGETS_BYTES = 256 * 1024;
/** An HTTP request must answer within API Gateway's 30 s; longer periods go through the CLI. */
const MAX_API_AGGREGATION_DAYS = 92;

/**
 * The budgets and their month-to-date status.
 * @example {"budgets":[{"id":"team","scope":{"type":"global"},"monthly_usd":500,"thresholds":[0.5,0.8,1]}],
 *  "status":[{"id":"team","scope":"global","limit_usd":500,"spent_usd":212.4,…}],"error":null}
 */
const budgetsAnswerSchema = z.object({
  budgets: budgetsFileSchema.shape.budgets,
  status: z.array(budgetStatusSchema),
  /** Why the stored file was not used (the last good version was), or null. */
  error: z.string().nullable(),
});

const noAnalysis = 'This deployment cannot recompute analytics from the API.';

function analysisOf(context: RouteContext) {
  const analysis = context.deps.analysis;
  if (!analysis) throw new HttpError(503, 'this deployment cannot recompute analytics from the api');
  return analysis;
}

export const budgetsGetRoute = defineRoute({
  method: 'GET',
  path: '/v1/budgets',
  scope: 'read',
  tag: 'admin',
  summary: 'The budgets file and each budget’s month-to-date status (spent, forecast, run-out day).',
  responses: { 200: jsonResponse('Budgets and their status.', budgetsAnswerSchema, { name: 'Budgets' }) },
}).handle(async ({ deps }) => {
  const loaded = await loadBudgets(deps.store);
  const analytics = await readAnalytics(deps.store);
  return {
    status: 200,
    body: { budgets: loaded.budgets, status: analytics?.analytics.month_to_date.budgets ?? [], error: loaded.error },
  };
});

export const budgetsPutRoute = defineRoute({
  method: 'PUT',
  path: '/v1/budgets',
  scope: 'admin',
  tag: 'admin',
  summary: 'Replace the budgets file, then recompute analytics so the answer shows the new status.',
  body: {
    description: 'The new budgets file; it replaces the stored one whole.',
    content: { 'application/json': jsonBody(budgetsFileSchema, { name: 'BudgetsFile' }) },
    maxBytes: MAX_BUDGETS_BYTES,
  },
  responses: { 200: jsonResponse('Stored; the budgets and their status.', budgetsAnswerSchema, { name: 'Budgets' }) },
  errors: { 413: 'Body over 256 KiB.', 415: 'content-type is not application/json.', 503: noAnalysis },
}).handle(async (input) => {
  const analysis = analysisOf(input);
  const file = input.body.value;
  await input.deps.store.put(BUDGETS_KEY, JSON.stringify(file, null, 2));
  const result = await runAnalyze(analysis);
  return { status: 200, body: { budgets: file.budgets, status: result.analytics.month_to_date.budgets, error: null } };
});

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

export const adminRoutes: Route[] = [budgetsGetRoute, budgetsPutRoute, aggregateRoute];
