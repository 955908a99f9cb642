// GET and PUT /v1/budgets: the budgets file with each budget's month-to-date status; a PUT
// replaces the file and recomputes analytics so the answer shows the new status.

import { z } from 'zod';
import { budgetStatusSchema } from '../../analytics/analytics.ts';
import { budgetsFileSchema, loadBudgets } from '../../analytics/budgets.ts';
import { readAnalytics, runAnalyze } from '../../pipeline/analyze.ts';
import { BUDGETS_KEY } from '../../store/layout.ts';
import { defineRoute, jsonBody, jsonResponse } from '../contract.ts';
import { analysisOf, noAnalysis } from './admin-analysis.ts';

const MAX_BUDGETS_BYTES = 256 * 1024;

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
