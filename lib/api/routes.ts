// The api's routes. Each answers from analytics.json or rollups where it can; only exports read
// the lake. Query parameters are validated with zod and a bad one is a 400 naming the field.

import { z } from 'zod';
import { type Analytics, windowNameSchema } from '../analytics.ts';
import { readAnalytics, runAnalyze } from '../analyze.ts';
import { BadRequestError, CorruptObjectError, HttpError, issuesToDetails } from '../errors.ts';
import { ANALYTICS_KEY } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { json, text } from './http.ts';
import type { Route, RouteContext } from './router.ts';

/** Validates a query against a schema; unknown parameters are a 400 too. */
export function parseQuery<S extends z.ZodObject>(context: RouteContext, schema: S): z.infer<S> {
  const { query, repeatedQuery } = context.request;
  const allowed = Object.keys(schema.shape);
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  const details = [
    ...unknown.map((field) => ({ field, reason: `unknown parameter (allowed: ${allowed.join(', ') || 'none'})` })),
    ...repeatedQuery.map((field) => ({ field, reason: 'given more than once' })),
  ];
  if (details.length > 0) throw new BadRequestError('invalid query parameters', details);
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new BadRequestError('invalid query parameters', issuesToDetails(parsed.error.issues));
  return parsed.data;
}

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
  const fresh = { analytics: got.analytics, etag: got.etag, body: JSON.stringify(got.analytics), checkedAt: performance.now() };
  analyticsCache.set(store, fresh);
  return fresh;
}

interface CachedAnalytics {
  analytics: Analytics;
  etag: string;
  /** The document serialised once, served as is. */
  body: string;
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

export const coreRoutes: Route[] = [
  {
    method: 'GET',
    path: '/health',
    scope: null,
    summary: 'Liveness check; needs no key.',
    handle: (context) => json(200, { ok: true, time: context.deps.now().toISOString() }),
  },
  {
    method: 'GET',
    path: '/v1/analytics',
    scope: 'read',
    summary: 'The whole pre-computed analytics document (ETag; 304 on If-None-Match).',
    async handle(context) {
      parseQuery(context, z.object({}));
      const { body, etag } = await loadAnalyticsOr503(context);
      const tag = `"${etag}"`;
      const ifNoneMatch = context.request.headers['if-none-match'];
      if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === tag || t.trim() === '*')) {
        return { statusCode: 304, headers: { etag: tag }, body: '' };
      }
      return text(200, body, 'application/json; charset=utf-8', { etag: tag, 'cache-control': 'private, max-age=0, must-revalidate' });
    },
  },
  {
    method: 'GET',
    path: '/v1/windows/{window}',
    scope: 'read',
    summary: 'One window (7d, 30d or 90d) of the analytics document.',
    async handle(context) {
      parseQuery(context, z.object({}));
      const parsed = windowNameSchema.safeParse(context.params.window);
      if (!parsed.success) {
        throw new BadRequestError('invalid window', [{ field: 'window', reason: 'expected one of 7d, 30d, 90d' }]);
      }
      const { analytics } = await loadAnalyticsOr503(context);
      return json(200, {
        window: parsed.data,
        as_of: analytics.as_of,
        timezone: analytics.timezone,
        generated_at: analytics.generated_at,
        ...analytics.windows[parsed.data],
      });
    },
  },
];
