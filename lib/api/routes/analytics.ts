// GET /v1/analytics: the whole pre-computed analytics document, revalidated with its ETag (304).

import { analyticsSchema } from '../../analytics/analytics.ts';
import { defineRoute, emptyResponse, jsonResponse } from '../contract.ts';
import { analyticsErrors, loadAnalyticsOr503 } from './analytics-document.ts';

const etagHeader = { etag: { description: 'Version of analytics.json; send it back as If-None-Match.', required: true } } as const;

export const analyticsRoute = defineRoute({
  method: 'GET',
  path: '/v1/analytics',
  scope: 'read',
  tag: 'analytics',
  summary: 'The whole pre-computed analytics document: windows, month to date, budgets, anomalies, data quality.',
  description: 'Revalidate with If-None-Match: an unchanged document answers 304 without a body.',
  responses: {
    200: jsonResponse('The analytics document.', analyticsSchema, { name: 'Analytics', headers: etagHeader }),
    304: emptyResponse('Unchanged since the ETag sent in If-None-Match.', { headers: etagHeader }),
  },
  errors: analyticsErrors,
}).handle(async (input) => {
  const { body, etag } = await loadAnalyticsOr503(input);
  const tag = `"${etag}"`;
  const ifNoneMatch = input.request.headers['if-none-match'];
  if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === tag || t.trim() === '*')) {
    return { status: 304, headers: { etag: tag } };
  }
  return { status: 200, text: body, headers: { etag: tag, 'cache-control': 'private, max-age=0, must-revalidate' } };
});
