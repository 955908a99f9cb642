// Calendar arithmetic on day strings (`YYYY-MM-DD`) and hour strings (`YYYY-MM-DDTHH`).
// Lake partitions are UTC days; windows and series may be shifted into an IANA time zone.
// Glossary: a "window" of N days = the N calendar days ending at `as_of` (inclusive).
// The accepted calendar is FIRST_DAY … LAST_DAY: every day from input is checked against it, and
// every loop over days counts days instead of comparing strings, so no input can make one endless.
// Zod-free: every CLI start loads this module (the day as a zod schema is lib/core/calendar-schema.ts).

/** The first and last day tokenlake accepts anywhere (records, queries, options). */
export const FIRST_DAY = '2000-01-01';
export const LAST_DAY = '2100-12-31';
/** The most days any one range may hold (the whole accepted calendar is 36,890 days). */
const MAX_RANGE_DAYS = 40_000;

type Day = string;

/** Whether a well-formed day lies in the accepted calendar. */
export function isInCalendar(day: string): boolean {
  return day >= FIRST_DAY && day <= LAST_DAY;
}

/** Whether an instant lies in the accepted calendar (its UTC day). */
export function isInstantInCalendar(instant: Date): boolean {
  const t = instant.getTime();
  return Number.isFinite(t) && t >= Date.parse(`${FIRST_DAY}T00:00:00Z`) && t < Date.parse(`${LAST_DAY}T00:00:00Z`) + 86_400_000;
}

export function isValidDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/** The UTC day of an instant. */
export function utcDay(instant: Date | string): Day {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return d.toISOString().slice(0, 10);
}

export function addDays(day: Day, n: number): Day {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b − a); both are day strings. */
export function daysBetween(a: Day, b: Day): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/**
 * Inclusive list of days from `from` to `to` (empty when `to` is before `from`). Counted, not
 * compared: a day past year 9999 formats as `+010000-…`, which sorts before `9999-…`.
 */
export function dayRange(from: Day, to: Day): Day[] {
  const n = daysBetween(from, to);
  if (!Number.isFinite(n) || n < 0) return [];
  if (n >= MAX_RANGE_DAYS) throw new RangeError(`a range of ${n + 1} days is longer than the accepted calendar`);
  const out: Day[] = new Array(n + 1);
  const start = Date.parse(`${from}T00:00:00Z`);
  for (let i = 0; i <= n; i++) out[i] = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
  return out;
}

/** The UTC days whose hours intersect the half-open instant range [start, end). */
export function utcDaysOfRange(range: { start: Date; end: Date }): Day[] {
  if (!(range.end.getTime() > range.start.getTime())) return [];
  return dayRange(utcDay(range.start), utcDay(new Date(range.end.getTime() - 1)));
}

export function daysInMonth(day: Day): number {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function monthStart(day: Day): Day {
  return `${day.slice(0, 7)}-01`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone for every wall-clock question (day, hour, minute, UTC offset). */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of an instant in a zone, as zero-padded text: year, month, day, hour, minute, second. */
interface WallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

export function wallClock(instant: Date, timeZone: string): WallClock {
  const out: WallClock = { year: '0000', month: '00', day: '00', hour: '00', minute: '00', second: '00' };
  for (const p of formatterFor(timeZone).formatToParts(instant)) if (p.type in out) out[p.type as keyof WallClock] = p.value;
  return out;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local hour (`YYYY-MM-DDTHH`) of an instant in a time zone. */
export function localHour(instant: Date, timeZone: string): string {
  if (timeZone === 'UTC') return instant.toISOString().slice(0, 13);
  const w = wallClock(instant, timeZone);
  return `${w.year}-${w.month}-${w.day}T${w.hour}`;
}

/** The local day of an instant in a time zone. */
export function localDay(instant: Date, timeZone: string): Day {
  return localHour(instant, timeZone).slice(0, 10);
}

const hourDayCache = new Map<string, Day>();

/** The local day that a UTC hour (`YYYY-MM-DDTHH`) falls in; cached since rollups repeat hours. */
export function localDayOfUtcHour(utcHour: string, timeZone: string): Day {
  if (timeZone === 'UTC') return utcHour.slice(0, 10);
  const key = `${timeZone}|${utcHour}`;
  let day = hourDayCache.get(key);
  if (day === undefined) {
    day = localDay(new Date(`${utcHour}:00:00Z`), timeZone);
    if (hourDayCache.size > 200_000) hourDayCache.clear();
    hourDayCache.set(key, day);
  }
  return day;
}

/** The UTC days whose hours can fall into the given local days (one day of slack each side). */
export function utcDaysCovering(fromLocal: Day, toLocal: Day, timeZone: string): Day[] {
  if (timeZone === 'UTC') return dayRange(fromLocal, toLocal);
  return dayRange(addDays(fromLocal, -1), addDays(toLocal, 1));
}
