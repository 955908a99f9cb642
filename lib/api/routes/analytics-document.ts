// analytics.json as the analytics routes serve it: read, validated and serialised once per ETag,
// kept per store so a warm function answers from memory, recomputed when missing or outdated.

import type { Analytics } from '../../analytics/analytics.ts';
import { CorruptObjectError, HttpError } from '../../core/errors.ts';
import { readAnalytics, runAnalyze } from '../../pipeline/analyze.ts';
import { ANALYTICS_KEY } from '../../store/layout.ts';
import type { ObjectStore } from '../../store/object-store.ts';
import { type JsonText, type RouteContext, toJsonText } from '../contract.ts';

/**
 * analytics.json, recomputed from the rollups when it is missing or was written by another
 * version of the schema (after an upgrade) — cheap, and better than an error until the next sync.
 */
export async function loadAnalyticsOr503(context: RouteContext): Promise<CachedAnalytics> {
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
const ANALYTICS_REVALIDATE_MS = 2000;

/** Per store (one per process on Lambda), so a warm function serves repeated reads from memory. */
const analyticsCache = new WeakMap<ObjectStore, CachedAnalytics>();

/** Drops the cached document (the local stack calls it when analytics.json is rewritten). */
export function forgetCachedAnalytics(store: ObjectStore): void {
  analyticsCache.delete(store);
}

/** What the analytics routes answer 503 with. */
export const analyticsErrors = { 503: 'analytics.json is not computed yet (no sync has run) and cannot be computed here.' };
