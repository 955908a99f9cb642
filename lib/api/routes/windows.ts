// GET /v1/windows/{window}: one 7, 30 or 90-day window of the analytics document.

import { z } from 'zod';
import { analyticsSchema, windowNameSchema, windowSchema } from '../../analytics/analytics.ts';
import { WINDOW_NAMES } from '../../analytics/windows.ts';
import { defineRoute, jsonResponse } from '../contract.ts';
import { analyticsErrors, loadAnalyticsOr503 } from './analytics-document.ts';

/**
 * One window of the analytics document, with the document's clock and zone.
 * @example {"window":"7d","as_of":"2026-03-15","timezone":"UTC","generated_at":"2026-03-15T12:00:00.000Z","days":7,…}
 */
const windowAnswerSchema = windowSchema.extend({
  window: windowNameSchema,
  as_of: analyticsSchema.shape.as_of,
  timezone: analyticsSchema.shape.timezone,
  generated_at: analyticsSchema.shape.generated_at,
});

export const windowRoute = defineRoute({
  method: 'GET',
  path: '/v1/windows/{window}',
  scope: 'read',
  tag: 'analytics',
  summary: 'One window (the 7, 30 or 90 local days ending today) of the analytics document.',
  params: z.object({
    window: z.enum(WINDOW_NAMES, { error: `expected one of ${WINDOW_NAMES.join(', ')}` }).describe(`${WINDOW_NAMES.join(', ')}.`),
  }),
  responses: { 200: jsonResponse('The window.', windowAnswerSchema, { name: 'WindowAnswer' }) },
  errors: analyticsErrors,
}).handle(async (input) => {
  const { analytics } = await loadAnalyticsOr503(input);
  const window = input.params.window;
  return {
    status: 200,
    body: {
      window,
      as_of: analytics.as_of,
      timezone: analytics.timezone,
      generated_at: analytics.generated_at,
      ...analytics.windows[window],
    },
  };
});
