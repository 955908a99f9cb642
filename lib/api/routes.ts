// The core routes: liveness, the analytics document (ETag / 304) and one window of it. Each
// answers from analytics.json; query routes over any period live in analysis-routes.ts.

import { z } from 'zod';
import { type Analytics, analyticsSchema, windowNameSchema, windowSchema } from '../analytics/analytics.ts';
import { CorruptObjectError, HttpError } from '../core/errors.ts';
import { readAnalytics, runAnalyze } from '../pipeline/analyze.ts';
import { ANALYTICS_KEY } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { defineRoute, emptyResponse, type JsonText, jsonResponse, type Route, type RouteContext, toJsonText } from './contract.ts';

/**
 * analytics.json, recomputed from the rollups when it is missing or was written by another
 * version of the schema (after an upgrade) — cheap, and better than an error until the next sync.
 */
async function loadAnalyticsOr503(context: RouteContext): Promise<CachedAnalytics> {
  const { store } = context.deps;
  // The document is read, validated and serialised once per ETag, and asked about (HEAD) at most
  // every ANALYTICS_REVALIDATE_MS: analyze rewrites it every few minutes at most, and the local
  // stack forgets the cached copy the moment it is rewritten.
  const cached = analyticsCache.get(store);
  if (cached && performance.now() - cached.checkedAt < ANALYTICS_REVALIDATE_MS) return cached;
  const head = await store.head(ANALYTICS_KEY);
  if (head && cached && cached.etag === head.etag) {
    cached.checkedAt = performance.now();
    return cached;
  }
  let got: Awaited<ReturnType<typeof readAnalytics>> = null;
  try {
    got = await readAnalytics(store);
  } catch (error) {
    if (!(error instanceof CorruptObjectError)) throw error;
    context.deps.log.warn('analytics.json does not match the schema; recomputing', { error: error.message });
  }
  if (!got && context.deps.analysis) {
    await runAnalyze(context.deps.analysis);
    got = await readAnalytics(store);
  }
  if (!got) throw new HttpError(503, 'analytics not computed yet: run a sync first');
  const fresh = { analytics: got.analytics, etag: got.etag, body: toJsonText(got.analytics), checkedAt: performance.now() };
  analyticsCache.set(store, fresh);
  return fresh;
}

interface CachedAnalytics {
  analytics: Analytics;
  etag: string;
  /** The document serialised once, served as is. */
  body: JsonText<Analytics>;
  /** Monotonic time (ms) of the last check against the store. */
  checkedAt: number;
}

/** How stale a served analytics.json may be on a warm function, at most. */
export const ANALYTICS_REVALIDATE_MS = 2000;

/** Per store (one per process on Lambda), so a warm function serves repeated reads from memory. */
const analyticsCache = new WeakMap<ObjectStore, CachedAnalytics>();

/** Drops the cached document (the local stack calls it when analytics.json is rewritten). */
export function forgetCachedAnalytics(store: ObjectStore): void {
  analyticsCache.delete(store);
}

/** What the analytics routes answer 503 with. */
const analyticsErrors = { 503: 'analytics.json is not computed yet (no sync has run) and cannot be computed here.' };

/**
 * Liveness.
 * @example {"ok":true,"time":"2026-03-15T12:34:56.000Z"}
 */
const healthSchema = z.object({ ok: z.literal(true), time: z.iso.datetime() });

const healthRoute = defineRoute({
  method: 'GET',
  path: '/health',
  scope: null,
  tag: 'service',
  summary: 'Liveness check; needs no key.',
  responses: { 200: jsonResponse('The function runs; `time` is its clock.', healthSchema, { name: 'Health' }) },
}).handle(({ deps }) => ({ status: 200, body: { ok: true, time: deps.now().toISOString() } }));

const etagHeader = { etag: { description: 'Version of analytics.json; send it back as If-None-Match.', required: true } } as const;

const analyticsRoute = defineRoute({
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

const windowRoute = defineRoute({
  method: 'GET',
  path: '/v1/windows/{window}',
  scope: 'read',
  tag: 'analytics',
  summary: 'One window (the 7, 30 or 90 local days ending today) of the analytics document.',
  params: z.object({ window: z.enum(windowNameSchema.options, { error: 'expected one of 7d, 30d, 90d' }).describe('7d, 30d or 90d.') }),
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

export const coreRoutes: Route[] = [healthRoute, analyticsRoute, windowRoute];
