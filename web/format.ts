// Numbers and times for people, in the dashboard. Same conventions as the CLI (cli/format.ts):
// en-US digits ($1,234.56, 12.3 M) so a number reads the same in the terminal and the browser;
// instants are shown in the viewer's own time zone with the zone named. Pure functions, no DOM.

const usdFormat = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `$1,234.56`; a positive amount under a cent reads `<$0.01` rather than a misleading `$0.00`. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.005) return '<$0.01';
  return usdFormat.format(usd);
}

/** Axis labels: `$0`, `$1.5`, `$12`, `$1.2 k`. */
export function formatUsdShort(usd: number): string {
  const abs = Math.abs(usd);
  if (abs >= 1000) return `$${formatCompact(usd)}`;
  if (abs >= 10 || abs === 0) return `$${Math.round(usd)}`;
  return `$${Number(usd.toFixed(2))}`;
}

/** `12.3 M`, `4.5 k`, `950` (one decimal, like the CLI). */
export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)} B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

/** `1,234`. */
export function formatInt(n: number): string {
  return intFormat.format(Math.round(n));
}

/** A 0–1 share as `45.5%` (`<0.1%` for a sliver that is not zero). */
export function formatShare(share: number): string {
  if (share > 0 && share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(1)}%`;
}

/** Latency: `850 ms`, `4.58 s`, `1.2 min`; `—` when unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dayLongFormat = new Intl.DateTimeFormat('en-US', {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

/**
 * A calendar day string (`YYYY-MM-DD`, already in the analytics time zone) as `Nov 17`. Formatted
 * in UTC on purpose: the day is a label, not an instant, and must not shift with the viewer's zone.
 */
export function formatDay(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) ? day : dayFormat.format(t);
}

/** `Mon, Nov 17, 2026`. */
export function formatDayLong(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) ? day : dayLongFormat.format(t);
}

/**
 * An instant (ISO string) in the viewer's time zone with the zone shown, e.g.
 * `Nov 23, 2026, 11:00 AM GMT+1`. `timeZone` is for tests; browsers pass nothing.
 */
export function formatInstant(iso: string, timeZone?: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Intl.DateTimeFormat('en-US', {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  })
    .format(t)
    .concat(' ', zoneName(t, timeZone));
}

/** Short name of the zone at that instant (`UTC`, `CET`, `GMT+1`). */
function zoneName(t: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short', ...(timeZone ? { timeZone } : {}) }).formatToParts(t);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/** `5 min ago`, `3 h ago`, `2 d ago` from `now` (ms); `in the future` guards clock skew. */
export function formatAge(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.round((now - t) / 1000);
  if (s < -60) return 'in the future';
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
