// Answers for arbitrary periods from the daily rollups: loads the rollups of the UTC days a period
// touches, keeps the hourly rows whose hour starts inside it and sums them by a group key. Never
// reads lake lines, so a query costs one small GET per day. A day without a rollup counts as zero;
// a corrupt one is a 503 (rebuilding it here would make a GET read the lake and write rollups:
// POST /v1/aggregate does that on purpose).

import { utcDaysOfRange } from '../core/calendar.ts';
import { CorruptObjectError, HttpError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { mapLimited } from '../core/map-limited.ts';
import { dayOfDayObject, USAGE_ROLLUP_PREFIX } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { addSums, emptySums, type Rollup, type RollupRow, readRollup, type UsageSums } from '../usage/rollup.ts';
import type { Totals } from './analytics.ts';
import type { Period } from './period.ts';

const HOUR_MS = 3_600_000;
/** Parallel rollup GETs; enough to hide S3 latency without flooding a small Lambda. */
const READ_CONCURRENCY = 16;

/** The label a rollup or lake row is grouped under when it has none. */
const NONE_LABEL = '(none)';

export const entityTypes = ['model', 'provider', 'project', 'user', 'api_key', 'workspace', 'machine', 'source'] as const;
export type EntityType = (typeof entityTypes)[number];

export function entityKey(row: Pick<RollupRow, EntityType>, type: EntityType): string {
  return row[type] ?? NONE_LABEL;
}

/** An hourly rollup row with the instant its UTC hour starts (ms). */
export interface HourRow {
  at: number;
  row: RollupRow;
}

interface PeriodRollups {
  /** Rollups of every UTC day the period touches that has one. */
  rollups: Rollup[];
  /** Rows whose hour starts inside the period. */
  rows: HourRow[];
}

class RollupUnavailableError extends HttpError {
  constructor(day: string, options?: { cause?: unknown }) {
    super(503, `the rollup of ${day} is corrupt: rebuild it with POST /v1/aggregate?from=${day}&to=${day}`, [], options);
  }
}

/**
 * Parsed rollups per store, by day, with the ETag they were read at: a warm api function answers
 * repeated queries from memory after one listing, reading only the days that changed.
 */
const rollupCache = new WeakMap<ObjectStore, Map<string, { etag: string; rollup: Rollup }>>();
const MAX_CACHED_ROLLUPS = 800;

export async function loadPeriodRollups(store: ObjectStore, period: Pick<Period, 'start' | 'end'>, log?: Logger): Promise<PeriodRollups> {
  const days = utcDaysOfRange(period);
  const etags = new Map<string, string>();
  for (const o of await store.list(USAGE_ROLLUP_PREFIX)) {
    const day = dayOfDayObject(o.key);
    if (day) etags.set(day, o.etag);
  }
  let cache = rollupCache.get(store);
  if (!cache) {
    cache = new Map();
    rollupCache.set(store, cache);
  }
  const known = cache;
  const found = await mapLimited(days, READ_CONCURRENCY, async (day): Promise<Rollup | null> => {
    const etag = etags.get(day);
    if (etag === undefined) return null;
    const hit = known.get(day);
    if (hit && hit.etag === etag) return hit.rollup;
    try {
      const rollup = await readRollup(store, day);
      if (rollup) {
        if (known.size >= MAX_CACHED_ROLLUPS) known.clear();
        known.set(day, { etag, rollup });
      }
      return rollup;
    } catch (error) {
      if (!(error instanceof CorruptObjectError)) throw error;
      log?.error('corrupt rollup', { day, error: error.message });
      throw new RollupUnavailableError(day, { cause: error });
    }
  });
  const rollups = found.filter((r): r is Rollup => r !== null);
  const start = period.start.getTime();
  const end = period.end.getTime();
  const rows: HourRow[] = [];
  for (const r of rollups) {
    const dayStart = Date.parse(`${r.day}T00:00:00Z`);
    for (const row of r.rows) {
      const at = dayStart + row.hour * HOUR_MS;
      if (at >= start && at < end) rows.push({ at, row });
    }
  }
  return { rollups, rows };
}

export function sumRows(rows: Iterable<HourRow>): UsageSums {
  const total = emptySums();
  for (const r of rows) addSums(total, r.row);
  return total;
}

/** Sums per key, in first-seen order. */
export function sumBy(rows: Iterable<HourRow>, keyOf: (r: HourRow) => string): Map<string, UsageSums> {
  const groups = new Map<string, UsageSums>();
  for (const r of rows) {
    const key = keyOf(r);
    let g = groups.get(key);
    if (!g) {
      g = emptySums();
      groups.set(key, g);
    }
    addSums(g, r.row);
  }
  return groups;
}

export { toTotals } from './analytics.ts';

/** Most cost first, then most tokens, then the key, so the order is total and stable. */
export function byCostThenKey(a: { key: string; totals: Totals }, b: { key: string; totals: Totals }): number {
  return (
    b.totals.cost_usd - a.totals.cost_usd || b.totals.total_tokens - a.totals.total_tokens || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

/**
 * The UTC days whose latency sketches count for a period. Sketches are per UTC day and cannot be
 * split by hour, so a day counts when its midday (12:00 UTC) lies inside the period — the rule
 * analytics.json uses for its windows.
 */
export function latencyDaysOf(period: Pick<Period, 'start' | 'end'>): string[] {
  return utcDaysOfRange(period).filter((day) => {
    const midday = Date.parse(`${day}T12:00:00Z`);
    return midday >= period.start.getTime() && midday < period.end.getTime();
  });
}

export { mergeLatency } from './analytics.ts';

/** The rows whose hour starts inside the period. */
export function rowsInPeriod(rows: readonly HourRow[], period: Pick<Period, 'start' | 'end'>): HourRow[] {
  const start = period.start.getTime();
  const end = period.end.getTime();
  return rows.filter((r) => r.at >= start && r.at < end);
}

/** part / whole, 0 when there is no whole (an empty period has no shares). */
export function shareOf(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}
