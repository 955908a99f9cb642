// The analyze step: rebuild the rollups of the days whose lake objects changed, then recompute
// analytics.json from the rollups. Reads lake/ and quarantine/, writes rollups/ and analytics/
// only: it never writes under lake/, so its own writes cannot trigger it.

import { availableParallelism } from 'node:os';
import { type Alert, type AlertSink, recentAlerts, sendOnce } from './alerts.ts';
import { type Analytics, analyticsSchema, computeAnalytics } from './analytics.ts';
import type { AnomalyOptions } from './anomalies.ts';
import { loadBudgets } from './budgets.ts';
import { addDays, localDay, utcDaysCovering } from './calendar.ts';
import { CorruptObjectError, DayRollupError, errorMessage, PreconditionFailedError } from './errors.ts';
import { loadEventRollups, refreshEventDay } from './events/rollup.ts';
import { listUsageDay, listUsageDays, readUsageObject } from './lake.ts';
import { readSyncLeases } from './lease.ts';
import type { Logger } from './log.ts';
import type { Pricer } from './pricing/price.ts';
import type { UsageRecord } from './record.ts';
import {
  buildDay,
  checkRollup,
  DayRollupBuilder,
  type FreshDay,
  inputsFingerprint,
  type Rollup,
  readRollup,
  readUsageIdIndex,
  rollupIsCurrent,
  type UsageIdIndex,
  writeRollup,
  writeUsageIdIndex,
} from './rollup.ts';
import { buildDayFromBytes, type DayBuildOutcome, type RollupPool, type RollupThreads, startRollupPool } from './rollup-threads.ts';
import {
  ANALYTICS_KEY,
  dayOfDayObject,
  dayOfPartition,
  parseLakeKey,
  parseQuarantineKey,
  QUARANTINE_PREFIX,
  quarantinePrefix,
  USAGE_ROLLUP_PREFIX,
  usageIdsKey,
  usageRollupKey,
} from './store/layout.ts';
import type { ObjectStore, StoredObject } from './store/object-store.ts';
import { readStoredJson } from './stored-json.ts';
import { readAllStatuses } from './sync.ts';

export interface AnalyzeDeps {
  store: ObjectStore;
  pricer: Pricer;
  now: () => Date;
  timeZone: string;
  log: Logger;
  /** Where budget and anomaly alerts go; none = not sent (still listed in analytics.json). */
  alerts?: AlertSink;
  anomalyOptions?: AnomalyOptions;
  reconcileTolerance?: number;
  /**
   * Runs analyze passes one at a time in this process. Stores that ignore conditional writes
   * (the embedded S3) need it; on AWS the conditional write below is what keeps passes apart.
   */
  serialize?: <T>(work: () => Promise<T>) => Promise<T>;
  /**
   * Rebuilds of several days build them on these worker threads (the CLI and the local stack);
   * none = on this thread, one day after another (Lambda). Same rollups, byte for byte.
   */
  rollupThreads?: RollupThreads;
}

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
export interface FailedDay {
  day: string;
  dataset: 'usage' | 'events';
  error: string;
}

export interface AnalyzeOptions {
  /** UTC days whose inputs changed (from S3 keys). */
  days?: readonly string[];
  /** UTC days whose pushed events changed (lake/events/). */
  eventDays?: readonly string[];
  /** Rebuild these days even if their inputs look unchanged (run_aggregation / re-pricing). */
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

/**
 * Brings one day's rollup up to date with its lake objects: nothing when they are unchanged; a
 * fold when objects were only added (reading just those, deduplicated against the day's id
 * index); the handed-over builder of a first sync; otherwise a rebuild from every object.
 */
export async function refreshDay(deps: AnalyzeDeps, day: string, force: boolean, fresh?: FreshDay): Promise<DayRefresh> {
  return finishDay(deps, await planDay(deps, day), force, fresh);
}

export interface DayRefresh {
  rollup: Rollup | null;
  rebuilt: boolean;
  lakeObjectsRead: number;
}

/** What a day's refresh starts from (read only): its lake and quarantine objects now, its last rollup. */
interface DayPlan {
  day: string;
  objects: StoredObject[];
  quarantine: StoredObject[];
  inputs: StoredObject[];
  priceTable: string;
  existing: Rollup | null;
}

async function planDay(deps: AnalyzeDeps, day: string): Promise<DayPlan> {
  const objects = await listUsageDay(deps.store, day);
  const quarantine = await deps.store.list(quarantinePrefix(day));
  const inputs = [...objects, ...quarantine];
  const priceTable = deps.pricer.versionAt(`${day}T12:00:00.000Z`);
  let existing: Rollup | null = null;
  try {
    existing = await readRollup(deps.store, day);
  } catch (error) {
    if (!(error instanceof CorruptObjectError)) throw error;
    deps.log.warn('corrupt rollup rebuilt from the lake', { day, error: error.message });
  }
  return { day, objects, quarantine, inputs, priceTable, existing };
}

/**
 * The rest of refreshDay, from its plan. `built`: the day already read and built on a rollup
 * thread, which is used where the day is rebuilt from every lake object (rebuildsFromLake said so).
 */
async function finishDay(
  deps: AnalyzeDeps,
  plan: DayPlan,
  force: boolean,
  fresh: FreshDay | undefined,
  built?: Promise<DayBuildOutcome>,
): Promise<DayRefresh> {
  const { day, objects, quarantine, inputs, priceTable, existing } = plan;
  if (!force && existing && rollupIsCurrent(existing, inputs, priceTable)) {
    return { rollup: existing, rebuilt: false, lakeObjectsRead: 0 };
  }
  if (inputs.length === 0) {
    // Nothing left for this day (retention or compaction removed it): drop the rollup's data.
    if (!existing) return { rollup: null, rebuilt: false, lakeObjectsRead: 0 };
  }
  if (!force && existing && existing.price_table === priceTable) {
    const folded = await foldDay(deps, existing, objects, quarantine);
    if (folded) return folded;
  }
  if (!force && !existing && fresh && !fresh.builder.conflicted && coversExactly(fresh, objects)) {
    fresh.builder.quarantinedLines += await countQuarantined(deps.store, quarantine);
    return {
      rollup: await storeDay(deps, day, () => fresh.builder.finish(deps.now().toISOString(), inputs)),
      rebuilt: true,
      lakeObjectsRead: 0,
    };
  }
  if (built) return { rollup: await storeBuilt(deps, day, await built), rebuilt: true, lakeObjectsRead: objects.length };
  const records: UsageRecord[] = [];
  let invalid = 0;
  for (const o of objects) {
    const content = await readUsageObject(deps.store, o.key);
    for (const r of content.records) records.push(r);
    invalid += content.rejects.length;
    warnInvalid(deps, o.key, content.rejects.length, content.rejects[0]?.reason);
  }
  const quarantined = await countQuarantined(deps.store, quarantine);
  const rollup = await storeDay(deps, day, () =>
    buildDay({
      day,
      builtAt: deps.now().toISOString(),
      pricer: deps.pricer,
      inputs,
      records,
      invalidLines: invalid,
      quarantinedLines: quarantined,
    }),
  );
  return { rollup, rebuilt: true, lakeObjectsRead: objects.length };
}

/**
 * Whether finishDay will rebuild the day from every one of its lake objects: there are some, and no
 * skip (current rollup), fold (same price table) or hand-over (fresh) can apply.
 */
function rebuildsFromLake(plan: DayPlan, force: boolean, fresh: FreshDay | undefined): boolean {
  if (plan.objects.length === 0) return false;
  if (force) return true;
  if (plan.existing) return plan.existing.price_table !== plan.priceTable;
  return !(fresh && !fresh.builder.conflicted && coversExactly(fresh, plan.objects));
}

/** Whether the handed-over objects are exactly the day's lake objects, at the same ETags. */
function coversExactly(fresh: FreshDay, objects: readonly StoredObject[]): boolean {
  return objects.length === fresh.objects.size && objects.every((o) => fresh.objects.get(o.key) === o.etag);
}

/**
 * Adds the day's new objects to its rollup when the others are unchanged and the id index written
 * with the rollup is there; null when that is not the case (or a new copy of an id outgrows the
 * counted one), and the caller rebuilds.
 */
async function foldDay(
  deps: AnalyzeDeps,
  existing: Rollup,
  objects: readonly StoredObject[],
  quarantine: readonly StoredObject[],
): Promise<{ rollup: Rollup; rebuilt: boolean; lakeObjectsRead: number } | null> {
  const recorded = new Map(existing.inputs.map((i) => [i.key, i.etag]));
  const inputs = [...objects, ...quarantine];
  const present = new Set(inputs.map((o) => o.key));
  if (existing.inputs.some((i) => !present.has(i.key))) return null;
  if (inputs.some((o) => recorded.has(o.key) && recorded.get(o.key) !== o.etag)) return null;
  const added = (list: readonly StoredObject[]) => list.filter((o) => !recorded.has(o.key));
  const newObjects = added(objects);
  const newQuarantine = added(quarantine);
  if (newObjects.length + newQuarantine.length === 0) return null;
  const index = await readUsageIdIndex(deps.store, existing.day);
  if (!index || index.inputs !== inputsFingerprint(existing.inputs)) return null;
  const builder = DayRollupBuilder.resume(existing, index, deps.pricer);
  for (const o of newObjects) {
    const content = await readUsageObject(deps.store, o.key);
    try {
      for (const r of content.records) if (builder.add(r) === 'conflict') return null;
    } catch (error) {
      throw new DayRollupError(existing.day, 'usage', { cause: error });
    }
    builder.invalidLines += content.rejects.length;
    warnInvalid(deps, o.key, content.rejects.length, content.rejects[0]?.reason);
  }
  builder.quarantinedLines += await countQuarantined(deps.store, newQuarantine);
  const rollup = await storeDay(deps, existing.day, () => builder.finish(deps.now().toISOString(), inputs));
  return { rollup, rebuilt: true, lakeObjectsRead: newObjects.length };
}

function warnInvalid(deps: AnalyzeDeps, key: string, lines: number, first: string | undefined): void {
  if (lines === 0) return;
  deps.log.warn('lake lines failed validation and were not counted', { key, lines, first });
}

async function countQuarantined(store: ObjectStore, objects: readonly StoredObject[]): Promise<number> {
  let lines = 0;
  for (const q of objects) {
    const got = await store.getText(q.key);
    if (got) lines += got.text.split('\n').filter((l) => l.trim() !== '').length;
  }
  return lines;
}

/**
 * Builds (pure), checks and stores a day's rollup and its id index. The index goes first: a crash
 * between the two leaves an index whose fingerprint matches no rollup, which is never used.
 */
async function storeDay(deps: AnalyzeDeps, day: string, build: () => { rollup: Rollup; index: UsageIdIndex }): Promise<Rollup> {
  let built: { rollup: Rollup; index: UsageIdIndex };
  try {
    built = build();
    checkRollup(built.rollup);
  } catch (error) {
    throw new DayRollupError(day, 'usage', { cause: error });
  }
  await writeUsageIdIndex(deps.store, built.index);
  await writeRollup(deps.store, built.rollup);
  return built.rollup;
}

/** storeDay for a day built on a rollup thread: its bytes are what storeDay would write. */
async function storeBuilt(deps: AnalyzeDeps, day: string, outcome: DayBuildOutcome): Promise<Rollup> {
  for (const o of outcome.invalid) warnInvalid(deps, o.key, o.lines, o.first);
  if (!outcome.ok) throw new DayRollupError(day, 'usage', { cause: new Error(outcome.error) });
  await deps.store.put(usageIdsKey(day), outcome.index);
  await deps.store.put(usageRollupKey(day), outcome.rollup);
  // Checked on the thread (checkRollup) before it was serialised.
  return JSON.parse(outcome.rollup) as Rollup;
}

/** Days refreshed in the order they were planned (see createDayRefresher). */
export interface DayRefresher {
  refresh(day: string, force: boolean): Promise<DayRefresh>;
  /** Stops the rollup threads (after the last refresh, or when the caller gives up). */
  close(): Promise<void>;
}

/** 1 MiB: below it a day is built on this thread (see RollupThreads.minDayBytes). */
const MIN_THREAD_DAY_BYTES = 1 << 20;

/**
 * refreshDay over `planned` days, called in that order. With deps.rollupThreads and two days or
 * more, the days ahead are read while earlier ones build: a day rebuilt from every lake object
 * has its objects read here (all store I/O stays on this thread) and built on a rollup thread,
 * the others (skipped, folded, handed over, small) are finished here as refreshDay would. Results
 * are stored one day at a time in the planned order, as without threads. At most threads + 1
 * days are read ahead and not yet stored, so memory stays bounded on any lake. Threads start at
 * the first day that needs one. A refresh of a day out of that order (a corrupt rollup found on
 * the way) is refreshDay itself.
 */
export function createDayRefresher(
  deps: AnalyzeDeps,
  planned: readonly string[],
  force: boolean,
  fresh?: ReadonlyMap<string, FreshDay>,
): DayRefresher {
  const threads = deps.rollupThreads;
  const inline: DayRefresher = { refresh: (day, f) => refreshDay(deps, day, f, fresh?.get(day)), close: async () => {} };
  if (!threads || planned.length < 2) return inline;
  const wanted = Math.max(1, Math.min(threads.count ?? availableParallelism(), planned.length));
  const minBytes = threads.minDayBytes ?? MIN_THREAD_DAY_BYTES;
  const window = wanted + 1;
  const ahead: Array<{ day: string; prepared: Promise<{ plan: DayPlan; built?: Promise<DayBuildOutcome> }> }> = [];
  let next = 0;
  let taken = 0;
  let threadDays = 0;
  // Days are read one after another (one reader keeps the store's I/O sequential).
  let reading: Promise<unknown> = Promise.resolve();
  let pool: Promise<RollupPool | null> | null = null;
  const poolFrom = (index: number) =>
    (pool ??= startRollupPool(threads, deps.pricer.tables, Math.min(wanted, planned.length - index)).catch((error: unknown) => {
      deps.log.warn('rollup threads could not start; days are built on this thread', { error: errorMessage(error) });
      return null;
    }));
  const prepare = async (day: string, index: number) => {
    const plan = await planDay(deps, day);
    const bytes = plan.objects.reduce((n, o) => n + o.size, 0);
    if (!rebuildsFromLake(plan, force, fresh?.get(day)) || bytes < minBytes) return { plan };
    const objects: Array<{ key: string; bytes: Uint8Array | null }> = [];
    for (const o of plan.objects) objects.push({ key: o.key, bytes: await deps.store.getBytes(o.key) });
    const job = {
      day,
      builtAt: deps.now().toISOString(),
      inputs: plan.inputs,
      objects,
      quarantinedLines: await countQuarantined(deps.store, plan.quarantine),
    };
    const started = await poolFrom(index);
    threadDays++;
    // Threads that cannot start: the same build on this thread, from the bytes already read.
    const built = started ? started.build(job) : Promise.resolve(buildDayFromBytes(job, deps.pricer));
    built.catch(() => {}); // awaited when the day's turn comes; until then a failure must not go unhandled
    return { plan, built };
  };
  const readAhead = () => {
    while (next < planned.length && next < taken + window) {
      const index = next++;
      const day = planned[index]!;
      const prepared = reading.then(() => prepare(day, index));
      prepared.catch(() => {});
      reading = prepared.catch(() => {});
      ahead.push({ day, prepared });
    }
  };
  return {
    async refresh(day, f) {
      readAhead();
      const head = ahead[0];
      if (head?.day !== day || f !== force) return refreshDay(deps, day, f, fresh?.get(day));
      ahead.shift();
      taken++;
      readAhead();
      const { plan, built } = await head.prepared;
      return finishDay(deps, plan, f, fresh?.get(day), built);
    },
    async close() {
      next = planned.length;
      await reading;
      const started = pool ? await pool : null;
      if (!started) return;
      await started.close();
      deps.log.info('day rollups built on threads', { days: threadDays, threads: started.size });
    },
  };
}

/** The UTC days the analytics document needs: the longest window and the month, in the zone. */
export function daysNeeded(now: Date, timeZone: string): string[] {
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
