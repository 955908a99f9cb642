// The analyze step: rebuild the rollups of the days whose lake objects changed, then recompute
// analytics.json from the rollups. Reads lake/ and quarantine/, writes rollups/ and analytics/
// only: it never writes under lake/, so its own writes cannot trigger it.

import { type Analytics, analyticsSchema, computeAnalytics } from '../analytics/analytics.ts';
import { loadBudgets } from '../analytics/budgets.ts';
import { addDays, localDay, utcDaysCovering } from '../core/calendar.ts';
import { CorruptObjectError, DayRollupError, errorMessage, PreconditionFailedError } from '../core/errors.ts';
import { loadEventRollups, refreshEventDay } from '../events/rollup.ts';
import { readAllStatuses } from '../sources/status.ts';
import {
  ANALYTICS_KEY,
  dayOfDayObject,
  dayOfPartition,
  parseLakeKey,
  parseQuarantineKey,
  QUARANTINE_PREFIX,
  USAGE_ROLLUP_PREFIX,
} from '../store/layout.ts';
import { readSyncLeases } from '../store/lease.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { readStoredJson } from '../store/stored-json.ts';
import { listUsageDays } from '../usage/lake.ts';
import { type FreshDay, type Rollup, readRollup } from '../usage/rollup.ts';
import { type Alert, recentAlerts, sendOnce } from './alerts.ts';
import type { AnalyzeDeps } from './analyze-deps.ts';
import { createDayRefresher } from './day-refresher.ts';

export type { AnalyzeDeps } from './analyze-deps.ts';
export { refreshDay } from './day-refresh.ts';
export { createDayRefresher } from './day-refresher.ts';

/** A promise-chain mutex: each call runs after the previous one settled. */
export function createSerializer(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

const MAX_WRITE_ATTEMPTS = 5;

/** A day whose rollup could not be built this pass (its last rollup, if any, was used). */
interface FailedDay {
  day: string;
  dataset: 'usage' | 'events';
  error: string;
}

interface AnalyzeOptions {
  /** UTC days whose inputs changed (from S3 keys). */
  days?: readonly string[];
  /** UTC days whose pushed events changed (lake/events/). */
  eventDays?: readonly string[];
  /** Rebuild these days even if their inputs look unchanged (`tokenlake aggregate`, POST /v1/aggregate: re-pricing a period). */
  force?: boolean;
  /** Compute without writing analytics.json or sending alerts (a report in another time zone). */
  readOnly?: boolean;
  /** What a sync in this process wrote, per UTC day (see FreshDay). */
  fresh?: ReadonlyMap<string, FreshDay>;
}

export interface AnalyzeResult {
  rebuilt: string[];
  skipped: string[];
  analytics: Analytics;
  /** Lake objects read (GETs), for the incremental-cost guarantee. */
  lakeObjectsRead: number;
  /** Identities of the alerts sent by this run. */
  alertsSent: string[];
}

/** Budget thresholds crossed (by actual or forecast spend) and anomalies about recent days (lib/alerts.ts), as alert identities. */
export function alertsFor(analytics: Analytics): Alert[] {
  const month = analytics.month_to_date.month;
  const alerts: Alert[] = [];
  for (const b of analytics.month_to_date.budgets) {
    const detail = {
      budget: b.id,
      scope: b.scope,
      month,
      limit_usd: b.limit_usd,
      spent_usd: b.spent_usd,
      forecast_usd: b.forecast_usd,
      run_out_day: b.run_out_day,
    };
    for (const t of b.thresholds_reached) {
      alerts.push({
        type: 'budget.threshold_crossed',
        identity: `budget/${month}/${b.id}/actual/${t}`,
        detail: { ...detail, threshold: t, basis: 'actual' },
      });
    }
    for (const t of b.thresholds_forecast) {
      if (b.thresholds_reached.includes(t)) continue;
      alerts.push({
        type: 'budget.threshold_crossed',
        identity: `budget/${month}/${b.id}/forecast/${t}`,
        detail: { ...detail, threshold: t, basis: 'forecast' },
      });
    }
  }
  for (const a of analytics.anomalies) {
    alerts.push({ type: 'anomaly.detected', identity: `anomaly/${a.day}/${a.dimension}/${a.key}`, detail: { ...a } });
  }
  return recentAlerts(alerts, analytics);
}

/** The UTC days named by S3 keys under lake/events/. */
export function touchedEventDays(keys: readonly string[]): string[] {
  const days = new Set<string>();
  for (const key of keys) {
    const lake = parseLakeKey(key);
    if (lake?.dataset === 'events') days.add(lake.day);
  }
  return [...days].sort();
}

/** The UTC days named by S3 keys under lake/usage/ or quarantine/. */
export function touchedDays(keys: readonly string[]): string[] {
  const days = new Set<string>();
  for (const key of keys) {
    const lake = parseLakeKey(key);
    if (lake?.dataset === 'usage') days.add(lake.day);
    const q = parseQuarantineKey(key);
    if (q) days.add(q.day);
  }
  return [...days].sort();
}

/** The UTC days the analytics document needs: the longest window and the month, in the zone. */
function daysNeeded(now: Date, timeZone: string): string[] {
  const asOf = localDay(now, timeZone);
  const from = addDays(asOf, -89) < `${asOf.slice(0, 7)}-01` ? addDays(asOf, -89) : `${asOf.slice(0, 7)}-01`;
  return utcDaysCovering(from, asOf, timeZone);
}

/**
 * Rebuilds what changed and writes analytics.json with a version check: the write only succeeds
 * if nobody wrote it since this pass began; otherwise the pass runs again on fresher rollups.
 */
export function runAnalyze(deps: AnalyzeDeps, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const work = async () => {
    for (let attempt = 1; ; attempt++) {
      const before = options.readOnly ? null : await deps.store.head(ANALYTICS_KEY);
      try {
        return await analyzeOnce(deps, options, before?.etag ?? null);
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
        deps.log.info('analytics.json changed during this pass; recomputing', { attempt });
      }
    }
  };
  return deps.serialize ? deps.serialize(work) : work();
}

async function analyzeOnce(deps: AnalyzeDeps, options: AnalyzeOptions, expectedEtag: string | null): Promise<AnalyzeResult> {
  const now = deps.now();
  const needed = daysNeeded(now, deps.timeZone);
  const neededSet = new Set(needed);
  const touched = new Set(options.days ?? []);
  // Days in range that have lake data but no rollup yet (first run, lost rollup) are built too.
  const lakeDays = new Set(await listUsageDays(deps.store));
  // Quarantine-only days count too: their rollup carries the quarantined-line count.
  for (const p of await deps.store.listPrefixes(QUARANTINE_PREFIX)) {
    const day = dayOfPartition(p);
    if (day) lakeDays.add(day);
  }
  const rebuilt: string[] = [];
  const skipped: string[] = [];
  const rollups: Rollup[] = [];
  let lakeObjectsRead = 0;
  const rollupDays = new Set(
    (await deps.store.list(USAGE_ROLLUP_PREFIX)).map((o) => dayOfDayObject(o.key)).filter((d): d is string => d !== null),
  );

  const failedDays: FailedDay[] = [];
  const force = options.force ?? false;
  const outsideRange = [...touched].sort().filter((day) => !neededSet.has(day));
  const mustCheck = (day: string) => touched.has(day) || (lakeDays.has(day) && !rollupDays.has(day));
  // The days refreshed below, in the order they are (rebuilt on threads when deps say so).
  const days = createDayRefresher(deps, [...outsideRange, ...needed.filter(mustCheck)], force, options.fresh);
  /** refreshDay, except that a day whose rollup cannot be built keeps its last one (named in data_quality). */
  const refresh = async (day: string, force: boolean) => {
    try {
      return await days.refresh(day, force);
    } catch (error) {
      if (!(error instanceof DayRollupError)) throw error;
      deps.log.error('a day could not be rolled up; its last rollup stays in use', { day, error: error.message });
      failedDays.push({ day, dataset: 'usage', error: error.message });
      const last = await readRollup(deps.store, day).catch(() => null);
      return { rollup: last, rebuilt: false, lakeObjectsRead: 0 };
    }
  };
  try {
    for (const day of outsideRange) {
      // Outside the analytics range: keep its rollup current for the API's longer queries.
      const r = await refresh(day, force);
      lakeObjectsRead += r.lakeObjectsRead;
      (r.rebuilt ? rebuilt : skipped).push(day);
    }
    for (const day of needed) {
      if (mustCheck(day)) {
        const r = await refresh(day, force);
        lakeObjectsRead += r.lakeObjectsRead;
        (r.rebuilt ? rebuilt : skipped).push(day);
        if (r.rollup) rollups.push(r.rollup);
        continue;
      }
      if (!rollupDays.has(day)) continue;
      try {
        const r = await readRollup(deps.store, day);
        if (r) rollups.push(r);
      } catch (error) {
        if (!(error instanceof CorruptObjectError)) throw error;
        deps.log.warn('corrupt rollup rebuilt from the lake', { day, error: errorMessage(error) });
        const rebuiltDay = await refresh(day, true);
        lakeObjectsRead += rebuiltDay.lakeObjectsRead;
        rebuilt.push(day);
        if (rebuiltDay.rollup) rollups.push(rebuiltDay.rollup);
      }
    }
  } finally {
    await days.close();
  }

  for (const day of options.eventDays ?? []) {
    try {
      const r = await refreshEventDay(deps.store, day, now, { force: options.force ?? false });
      if (r.invalidLines > 0) deps.log.warn('event lines failed validation and were not counted', { day, lines: r.invalidLines });
    } catch (error) {
      if (!(error instanceof DayRollupError)) throw error;
      deps.log.error('a day of events could not be rolled up; its last rollup stays in use', { day, error: error.message });
      failedDays.push({ day, dataset: 'events', error: error.message });
    }
  }
  const eventRollups = await loadEventRollups(deps.store, needed, deps.log);
  const statuses = await readAllStatuses(deps.store);
  // A sync still holding its lease (or killed holding it) means the totals may be partial: say so.
  const unfinishedSyncs = await readSyncLeases(deps.store, now);
  const budgets = await loadBudgets(deps.store);
  const analytics = computeAnalytics({
    now,
    timeZone: deps.timeZone,
    priceTable: deps.pricer.versionAt(now.toISOString()),
    rollups,
    statuses,
    budgets: budgets.budgets,
    budgetsError: budgets.error,
    eventRollups,
    failedDays,
    unfinishedSyncs,
    ...(deps.reconcileTolerance !== undefined ? { reconcileTolerance: deps.reconcileTolerance } : {}),
    ...(deps.anomalyOptions ? { anomalyOptions: deps.anomalyOptions } : {}),
  });
  if (options.readOnly) return { rebuilt, skipped, analytics: analyticsSchema.parse(analytics), lakeObjectsRead, alertsSent: [] };
  await deps.store.put(
    ANALYTICS_KEY,
    JSON.stringify(analyticsSchema.parse(analytics)),
    expectedEtag ? { ifMatch: expectedEtag } : { ifNoneMatch: '*' },
  );
  const alertsSent = deps.alerts ? await sendOnce(deps.store, deps.alerts, alertsFor(analytics), now, deps.log) : [];
  deps.log.info('analytics written', {
    rebuilt: rebuilt.length,
    skipped: skipped.length,
    lake_objects_read: lakeObjectsRead,
    alerts_sent: alertsSent.length,
  });
  return { rebuilt, skipped, analytics, lakeObjectsRead, alertsSent };
}

/** Reads analytics.json and checks it against the contract. */
export async function readAnalytics(store: ObjectStore): Promise<{ analytics: Analytics; etag: string } | null> {
  const got = await readStoredJson(store, ANALYTICS_KEY, analyticsSchema);
  return got ? { analytics: got.value, etag: got.etag } : null;
}
