// Routes that change what analytics says: budgets (read, replace) and run_aggregation (rebuild
// and re-price a period's rollups). Both recompute analytics.json before answering.

import { z } from 'zod';
import { MAX_AGGREGATION_DAYS, runAggregation } from '../aggregate.ts';
import { budgetStatusSchema } from '../analytics.ts';
import { readAnalytics, runAnalyze } from '../analyze.ts';
import { budgetsFileSchema, loadBudgets } from '../budgets.ts';
import { utcDaySchema } from '../calendar.ts';
import { BadRequestError, HttpError, issuesToDetails, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts';
import { BUDGETS_KEY } from '../store/layout.ts';
import { json } from './http.ts';
import type { Route, RouteContext } from './router.ts';
import { parseQuery } from './routes.ts';

const noQuery = z.object({});
const MAX_BUDGETS_BYTES = 256 * 1024;
/** An HTTP request must answer within API Gateway's 30 s; longer periods go through the CLI. */
const MAX_API_AGGREGATION_DAYS = 92;

const budgetsAnswerSchema = z.object({
  budgets: budgetsFileSchema.shape.budgets,
  status: z.array(budgetStatusSchema),
  error: z.string().nullable(),
});

function analysisOf(context: RouteContext) {
  const analysis = context.deps.analysis;
  if (!analysis) throw new HttpError(503, 'this deployment cannot recompute analytics from the api');
  return analysis;
}

function parseJsonBody(context: RouteContext, maxBytes: number): unknown {
  const type = context.request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new UnsupportedMediaTypeError();
  const body = context.request.body ?? '';
  if (Buffer.byteLength(body) > maxBytes) throw new PayloadTooLargeError(`body over ${maxBytes} bytes`);
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new BadRequestError('body is not JSON', [{ field: 'body', reason: (error as Error).message }]);
  }
}

export const budgetsGetRoute: Route = {
  method: 'GET',
  path: '/v1/budgets',
  scope: 'read',
  summary: 'The budgets file and each budget’s month-to-date status (spent, forecast, run-out day).',
  query: noQuery,
  responses: { '200': { description: 'Budgets and their status.', schema: budgetsAnswerSchema } },
  async handle(context) {
    parseQuery(context, noQuery);
    const loaded = await loadBudgets(context.deps.store);
    const analytics = await readAnalytics(context.deps.store);
    return json(200, { budgets: loaded.budgets, status: analytics?.analytics.month_to_date.budgets ?? [], error: loaded.error });
  },
};

export const budgetsPutRoute: Route = {
  method: 'PUT',
  path: '/v1/budgets',
  scope: 'admin',
  summary: 'Replace the budgets file (validated), then recompute analytics so the answer shows the new status.',
  query: noQuery,
  responses: {
    '200': { description: 'Stored; budgets and their status.', schema: budgetsAnswerSchema },
    '400': { description: 'The body fails validation; details name each field.' },
    '413': { description: 'Body over 256 KiB.' },
    '415': { description: 'content-type is not application/json.' },
  },
  async handle(context) {
    parseQuery(context, noQuery);
    const body = parseJsonBody(context, MAX_BUDGETS_BYTES);
    const parsed = budgetsFileSchema.safeParse(body);
    if (!parsed.success) throw new BadRequestError('invalid budgets', issuesToDetails(parsed.error.issues, 'body'));
    const analysis = analysisOf(context);
    await context.deps.store.put(BUDGETS_KEY, JSON.stringify(parsed.data, null, 2));
    const result = await runAnalyze(analysis);
    return json(200, { budgets: parsed.data.budgets, status: result.analytics.month_to_date.budgets, error: null });
  },
};

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

export const aggregateRoute: Route = {
  method: 'POST',
  path: '/v1/aggregate',
  scope: 'admin',
  summary: `run_aggregation: rebuild the rollups of a period from the lake with the price table in force at each record's time (reported costs kept), then analytics.json. At most ${MAX_API_AGGREGATION_DAYS} days per request; longer periods with \`tokenlake aggregate\`.`,
  query: aggregateQuery,
  responses: { '200': { description: 'The days rebuilt.', schema: aggregateAnswerSchema } },
  async handle(context) {
    const q = parseQuery(context, aggregateQuery);
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
    return json(200, {
      from: result.from,
      to: result.to,
      rebuilt: result.rebuilt,
      empty: result.empty,
      lake_objects_read: result.lakeObjectsRead,
      generated_at: result.generatedAt,
    });
  },
};

export const adminRoutes: Route[] = [budgetsGetRoute, budgetsPutRoute, aggregateRoute];
