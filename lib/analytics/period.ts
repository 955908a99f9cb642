// The period vocabulary every query route shares: `from`/`to` (a local day or an ISO instant) or
// `window=7d|30d|90d`, resolved against the clock and the configured time zone into a half-open
// UTC range [start, end). Days are local calendar days and inclusive at both ends; instants are
// exact, `to` exclusive. Pure: the caller passes `now` and the zone.

import { z } from 'zod';
import { addDays, FIRST_DAY, isInCalendar, isInstantInCalendar, LAST_DAY, localDay, localHour, wallClock } from '../core/calendar.ts';
import { BadRequestError } from '../core/errors.ts';
import { WINDOW_NAMES, WINDOWS, type WindowName } from './windows.ts';

export const MAX_PERIOD_DAYS = 400;
const DEFAULT_PERIOD_DAYS = 30;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const dayOrInstant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: 'expected a day (YYYY-MM-DD) or an ISO 8601 instant with Z or an offset (2026-01-31T13:00:00Z)',
  })
  .refine((v) => (isDay(v) ? isInCalendar(v) : isInstantInCalendar(new Date(v))), `must lie between ${FIRST_DAY} and ${LAST_DAY}`);

/** The query parameters of a period; spread into each route's query schema. */
export const periodQueryShape = {
  from: dayOrInstant.optional().describe('Start: a local day (inclusive, in the configured time zone) or an ISO instant (inclusive).'),
  to: dayOrInstant.optional().describe('End: a local day (inclusive) or an ISO instant (exclusive). Default: the end of today.'),
  window: z
    .enum(WINDOW_NAMES)
    .optional()
    .describe('The N local days ending today; instead of from/to. Default when nothing is given: 30d.'),
};

export interface PeriodQuery {
  from?: string | undefined;
  to?: string | undefined;
  window?: WindowName | undefined;
}

export interface Period {
  /** Inclusive UTC start. */
  start: Date;
  /** Exclusive UTC end. */
  end: Date;
  timeZone: string;
  window: WindowName | null;
}

/**
 * The period as answered, every instant ISO UTC.
 * @example {"start":"2026-02-14T00:00:00.000Z","end":"2026-03-16T00:00:00.000Z","time_zone":"UTC","window":"30d","days":30}
 */
export const periodAnswerSchema = z.object({
  start: z.string().describe('Inclusive start, ISO UTC.'),
  end: z.string().describe('Exclusive end, ISO UTC.'),
  time_zone: z.string(),
  window: z.enum(WINDOW_NAMES).nullable(),
  /** Length in days (fractional for instant ranges). */
  days: z.number(),
});
type PeriodAnswer = z.infer<typeof periodAnswerSchema>;

export function describePeriod(period: Period): PeriodAnswer {
  return {
    start: period.start.toISOString(),
    end: period.end.toISOString(),
    time_zone: period.timeZone,
    window: period.window,
    days: (period.end.getTime() - period.start.getTime()) / DAY_MS,
  };
}

/** Minutes the zone is ahead of UTC at an instant (handles half-hour zones). */
function zoneOffsetMinutes(instant: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const w = wallClock(new Date(instant), timeZone);
  const wall = Date.UTC(Number(w.year), Number(w.month) - 1, Number(w.day), Number(w.hour), Number(w.minute), Number(w.second));
  return Math.round((wall - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** The instant a local day starts in a zone (the first existing minute when DST skips midnight). */
export function zonedDayStart(day: string, timeZone: string): Date {
  const wallMidnight = Date.parse(`${day}T00:00:00Z`);
  if (timeZone === 'UTC') return new Date(wallMidnight);
  let guess = wallMidnight - zoneOffsetMinutes(wallMidnight, timeZone) * 60_000;
  // A second pass settles days whose offset differs from the offset at the naive guess.
  guess = wallMidnight - zoneOffsetMinutes(guess, timeZone) * 60_000;
  if (localDay(new Date(guess), timeZone) < day) guess += HOUR_MS;
  return new Date(guess);
}

function isDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value);
}

/** Resolves a parsed period query; throws a 400 naming the field for an impossible range. */
export function resolvePeriod(query: PeriodQuery, now: Date, timeZone: string): Period {
  const today = localDay(now, timeZone);
  const endOfToday = zonedDayStart(addDays(today, 1), timeZone);
  if (query.window && (query.from !== undefined || query.to !== undefined)) {
    throw new BadRequestError('invalid period', [{ field: 'window', reason: 'cannot be combined with from/to' }]);
  }
  if (query.window || (query.from === undefined && query.to === undefined)) {
    const window = query.window ?? '30d';
    const days = WINDOWS[window];
    return { start: zonedDayStart(addDays(today, -(days - 1)), timeZone), end: endOfToday, timeZone, window };
  }
  let end: Date;
  if (query.to === undefined) end = endOfToday;
  else if (isDay(query.to)) end = zonedDayStart(addDays(query.to, 1), timeZone);
  else end = new Date(query.to);

  let start: Date;
  if (query.from !== undefined) start = isDay(query.from) ? zonedDayStart(query.from, timeZone) : new Date(query.from);
  else if (isDay(query.to!)) start = zonedDayStart(addDays(query.to!, -(DEFAULT_PERIOD_DAYS - 1)), timeZone);
  else start = new Date(end.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);

  // Two days: from the day after to is empty by instants but is still "from after to".
  const daysReversed = query.from !== undefined && query.to !== undefined && isDay(query.from) && isDay(query.to) && query.from > query.to;
  if (start.getTime() > end.getTime() || daysReversed) {
    const reason = query.to === undefined ? 'must not be after the end of today (the default "to")' : 'must not be after "to"';
    throw new BadRequestError('invalid period', [{ field: 'from', reason }]);
  }
  // One hour of slack so that 400 local days across a daylight-saving change still fit.
  if (end.getTime() - start.getTime() > MAX_PERIOD_DAYS * DAY_MS + HOUR_MS) {
    throw new BadRequestError('invalid period', [
      { field: query.to !== undefined ? 'to' : 'from', reason: `the range is capped at ${MAX_PERIOD_DAYS} days` },
    ]);
  }
  return { start, end, timeZone, window: null };
}

/** The period of equal length right before this one. */
export function previousPeriod(period: Period): Period {
  const length = period.end.getTime() - period.start.getTime();
  return { start: new Date(period.start.getTime() - length), end: period.start, timeZone: period.timeZone, window: null };
}

/**
 * Rollups count whole UTC hours, so a rollup-backed answer covers every hour that overlaps the
 * period: the start rounds down and the end up to the hour. Answers report this aligned period.
 */
export function alignToHours(period: Period): Period {
  const start = Math.floor(period.start.getTime() / HOUR_MS) * HOUR_MS;
  const end = Math.ceil(period.end.getTime() / HOUR_MS) * HOUR_MS;
  return { ...period, start: new Date(start), end: new Date(end) };
}

export type Granularity = 'hour' | 'day' | 'week' | 'month';

/** The series bucket (label) an hour starting at `instant` falls in, in the period's zone. */
export function bucketOf(instant: number, granularity: Granularity, timeZone: string): string {
  // Reports bucket every hourly row of a period; rows repeat the same few hundred hours, and a
  // zoned hour costs an Intl call (measured: a third of a 30-day report's own work).
  let known = bucketCache.get(`${granularity} ${timeZone}`);
  if (!known) {
    known = new Map();
    bucketCache.set(`${granularity} ${timeZone}`, known);
  }
  let bucket = known.get(instant);
  if (bucket === undefined) {
    if (known.size >= MAX_CACHED_BUCKETS) known.clear();
    bucket = computeBucket(instant, granularity, timeZone);
    known.set(instant, bucket);
  }
  return bucket;
}

const bucketCache = new Map<string, Map<number, string>>();
/** Ten years of hours, per granularity and zone, at most. */
const MAX_CACHED_BUCKETS = 90_000;

function computeBucket(instant: number, granularity: Granularity, timeZone: string): string {
  const hour = localHour(new Date(instant), timeZone);
  switch (granularity) {
    case 'hour':
      return hour;
    case 'day':
      return hour.slice(0, 10);
    case 'month':
      return hour.slice(0, 7);
    case 'week': {
      // ISO weeks start on Monday; the label is the Monday's local day.
      const day = hour.slice(0, 10);
      const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
      return addDays(day, -((weekday + 6) % 7));
    }
  }
}

/** Every bucket the period touches, in order, with the first instant of each inside the period. */
export function bucketsOf(period: Period, granularity: Granularity): Array<{ bucket: string; start: number }> {
  const out: Array<{ bucket: string; start: number }> = [];
  const first = Math.floor(period.start.getTime() / HOUR_MS) * HOUR_MS;
  for (let t = first; t < period.end.getTime(); t += HOUR_MS) {
    const bucket = bucketOf(t, granularity, period.timeZone);
    if (out[out.length - 1]?.bucket !== bucket) out.push({ bucket, start: Math.max(t, period.start.getTime()) });
  }
  return out;
}
