// GET /v1/usage: one entity type ranked by cost, or one entity in detail; the math is
// lib/analytics/queries/usage.ts.

import { z } from 'zod';
import { periodQueryShape } from '../../analytics/period.ts';
import { entityUsage, rankUsage, usageEntityResponseSchema, usageListResponseSchema } from '../../analytics/queries/usage.ts';
import { entityTypes, loadPeriodRollups } from '../../analytics/rollup-query.ts';
import { BadRequestError } from '../../core/errors.ts';
import { defineRoute, jsonResponse } from '../contract.ts';
import { hourPeriodOf, rollupErrors, wholeNumber } from './query-params.ts';

const entityTypeSchema = z.enum(entityTypes, {
  error: (issue) =>
    issue.input === 'session'
      ? 'sessions are not kept in the rollups (one row per session would make them as large as the lake): ' +
        'export the usage dataset (GET /v1/export?dataset=usage&fields=session,…) and group by session'
      : `expected one of ${entityTypes.join(', ')}`,
});

const usageQuerySchema = z.object({
  entity_type: entityTypeSchema.describe('What to rank or look up. `(none)` is the entity id of rows without the label.'),
  entity_id: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('One entity: its totals, daily series and top breakdowns. Without it: the ranked list.'),
  limit: wholeNumber(1, 500).default(20).describe('Items per page of the ranked list, and rows per breakdown (default 20, at most 500).'),
  cursor: z.string().max(512).optional().describe('`next_cursor` of the previous page (ranked list only).'),
  ...periodQueryShape,
});

export const usageRoute = defineRoute({
  method: 'GET',
  path: '/v1/usage',
  scope: 'read',
  tag: 'queries',
  summary: 'Usage per model, provider, project, user, API key, workspace, machine or source: ranked, or one entity in detail.',
  description:
    "With entity_id: that entity's totals, daily series and top breakdowns by every other entity type. " +
    'Without: the entities ranked by cost, paged with limit and cursor.',
  query: usageQuerySchema,
  responses: {
    200: jsonResponse(
      'The ranked list (no entity_id) or the one entity (entity_id given).',
      z.union([usageListResponseSchema, usageEntityResponseSchema]),
      { name: 'Usage' },
    ),
  },
  errors: rollupErrors,
}).handle(async (context) => {
  const q = context.query;
  const period = hourPeriodOf(context, q);
  const { rows } = await loadPeriodRollups(context.deps.store, period, context.deps.log);
  if (q.entity_id === undefined) {
    return { status: 200, body: rankUsage(rows, period, { type: q.entity_type, limit: q.limit, cursor: q.cursor }) };
  }
  if (q.cursor !== undefined) {
    throw new BadRequestError('invalid query parameters', [{ field: 'cursor', reason: 'pages the ranked list only; drop entity_id' }]);
  }
  return { status: 200, body: entityUsage(rows, period, q.entity_type, q.entity_id, q.limit) };
});
