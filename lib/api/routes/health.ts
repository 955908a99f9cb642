// GET /health: liveness, with the function's clock; needs no key.

import { z } from 'zod';
import { defineRoute, jsonResponse } from '../contract.ts';

/**
 * Liveness.
 * @example {"ok":true,"time":"2026-03-15T12:34:56.000Z"}
 */
const healthSchema = z.object({ ok: z.literal(true), time: z.iso.datetime() });

export const healthRoute = defineRoute({
  method: 'GET',
  path: '/health',
  scope: null,
  tag: 'service',
  summary: 'Liveness check; needs no key.',
  responses: { 200: jsonResponse('The function runs; `time` is its clock.', healthSchema, { name: 'Health' }) },
}).handle(({ deps }) => ({ status: 200, body: { ok: true, time: deps.now().toISOString() } }));
