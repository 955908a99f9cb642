// The Claude Code status line: the hook payload Claude Code writes on stdin, checked, and the one
// short line printed back (model, this session's cost, today's cost, the active 5-hour block's
// remaining time and burn rate) from the summary a refresh left in the cache. Pure and zod-free on
// purpose: the status line runs after every message and must answer within 50 ms, and importing
// zod alone costs about that (measured); lib/statusline/summary.ts holds the summary's zod schema.

import type { StatuslineSummary } from './summary.ts';

/**
 * The fields of Claude Code's status-line payload that tokenlake reads (Claude Code sends more:
 * cwd, workspace, version, output_style, context_window, …). Documented at
 * https://code.claude.com/docs/en/statusline ("Available data").
 * @example {"hook_event_name":"Status","session_id":"3b1f…","transcript_path":"/home/a/.claude/projects/-home-a-web/3b1f….jsonl",
 *  "cwd":"/home/a/web","model":{"id":"claude-sonnet-4-5-20250929","display_name":"Sonnet 4.5"},
 *  "workspace":{"current_dir":"/home/a/web","project_dir":"/home/a/web"},"version":"2.0.14",
 *  "cost":{"total_cost_usd":0.42,"total_duration_ms":180000,"total_api_duration_ms":23000,"total_lines_added":156,"total_lines_removed":23}}
 */
interface StatuslinePayload {
  session_id: string;
  transcript_path: string | null;
  model: { id: string | null; display_name: string | null };
  /** Claude Code's own estimate of this session's cost (USD), when it sends one. */
  session_cost_usd: number | null;
}

/** The reason a payload is not one (logged to the debug log, never shown). */
type PayloadCheck = { ok: true; payload: StatuslinePayload } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export function parseStatuslinePayload(text: string): PayloadCheck {
  if (text.trim() === '') return { ok: false, reason: 'stdin was empty' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `stdin is not JSON: ${(error as Error).message}` };
  }
  if (!isObject(json)) return { ok: false, reason: 'stdin is not a JSON object' };
  if (typeof json.session_id !== 'string' || json.session_id === '') return { ok: false, reason: 'session_id is missing' };
  if (json.model !== undefined && !isObject(json.model)) return { ok: false, reason: 'model is not an object' };
  if (json.cost !== undefined && json.cost !== null && !isObject(json.cost)) return { ok: false, reason: 'cost is not an object' };
  const model = (json.model ?? {}) as Record<string, unknown>;
  const cost = (json.cost ?? {}) as Record<string, unknown>;
  const total = cost.total_cost_usd;
  return {
    ok: true,
    payload: {
      session_id: json.session_id,
      transcript_path: optionalString(json.transcript_path),
      model: { id: optionalString(model.id), display_name: optionalString(model.display_name) },
      session_cost_usd: typeof total === 'number' && Number.isFinite(total) && total >= 0 ? total : null,
    },
  };
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isNullableNumber = (v: unknown) => v === null || isNumber(v);

/**
 * The summary check on the status line's path: accepts only what `statuslineSummarySchema`
 * accepts (tests/lib/statusline.test.ts holds the two to the same answers), without zod.
 */
export function parseStatuslineSummary(value: unknown): StatuslineSummary | null {
  if (!isObject(value) || value.version !== 1 || !isNumber(value.refreshed_at) || typeof value.time_zone !== 'string') return null;
  const { days, hours, sessions, blocks, files } = value;
  if (!Array.isArray(days)) return null;
  for (const d of days)
    if (!Array.isArray(d) || d.length !== 3 || typeof d[0] !== 'string' || !isNumber(d[1]) || !isNumber(d[2])) return null;
  if (!Array.isArray(hours) || !Array.isArray(sessions) || !Array.isArray(blocks) || !Array.isArray(files)) return null;
  for (const h of hours) {
    if (!Array.isArray(h) || h.length !== 4 || !isNumber(h[0]) || !isNumber(h[1]) || !isCount(h[2]) || !isCount(h[3])) return null;
  }
  for (const s of sessions) if (!Array.isArray(s) || s.length !== 2 || typeof s[0] !== 'string' || !isNumber(s[1])) return null;
  for (const b of blocks) {
    if (!isObject(b) || !isNumber(b.start) || !isNumber(b.end) || !isNumber(b.cost_usd) || !isCount(b.tokens)) return null;
    if (!isNullableNumber(b.cost_usd_per_hour) || !isNullableNumber(b.tokens_per_minute)) return null;
    if (b.cost_usd_per_hour === undefined || b.tokens_per_minute === undefined) return null;
  }
  for (const f of files) if (!Array.isArray(f) || f.length !== 2 || typeof f[0] !== 'string' || !isCount(f[1])) return null;
  return value as unknown as StatuslineSummary;
}

/**
 * The [start, end) of the local day holding `now`: from the summary's precomputed days when it was
 * written for this zone (no Intl: its first use costs 60–80 ms, more than the whole budget), else
 * from Intl (a zone changed since the refresh, or a summary over a day old).
 */
function localDayWindow(summary: StatuslineSummary, now: number, timeZone: string): [number, number] {
  if (summary.time_zone === timeZone) {
    const day = summary.days.find((d) => now >= d[1] && now < d[2]);
    if (day) return [day[1], day[2]];
  }
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const today = f.format(new Date(now));
  // The hours of the summary that fall on today's date in the zone: their span bounds the window.
  const hours = summary.hours.filter((h) => f.format(new Date(h[0])) === today).map((h) => h[0]);
  return hours.length > 0 ? [Math.min(...hours), Math.max(...hours) + 3_600_000] : [now, now];
}

/** Whether the summary is behind this transcript (it grew since) or too old to trust alone. */
export function summaryIsStale(summary: StatuslineSummary | null, transcript: { path: string; size: number } | null, now: number): boolean {
  if (!summary) return true;
  if (now - summary.refreshed_at > STALE_AFTER_MS) return true;
  if (!transcript) return false;
  const seen = summary.files.find((f) => f[0] === transcript.path);
  return !seen || seen[1] < transcript.size;
}

/** A summary older than this is refreshed even when this session's transcript did not grow (other sessions may have). */
const STALE_AFTER_MS = 60_000;

function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

function duration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m`;
}

/**
 * The line: `Sonnet 4.5 · $0.42 session · $3.10 today · block $1.20, 2h13m left, $0.85/h`.
 * Session cost is Claude Code's own figure when it sends one (always current), else the cached
 * sum; today and the block come from the summary (as of its refresh). Parts without data are left out.
 */
export function composeStatusline(input: {
  payload: StatuslinePayload;
  summary: StatuslineSummary | null;
  now: number;
  timeZone: string;
}): string {
  const { payload, summary, now } = input;
  const parts: string[] = [payload.model.display_name ?? payload.model.id ?? 'Claude'];
  const cached = summary?.sessions.find((s) => s[0] === payload.session_id)?.[1] ?? null;
  const session = payload.session_cost_usd ?? cached;
  if (session !== null) parts.push(`${usd(session)} session`);
  if (summary) {
    const [dayStart, dayEnd] = localDayWindow(summary, now, input.timeZone);
    let cost = 0;
    let unpriced = 0;
    for (const [hour, c, , u] of summary.hours) {
      if (hour < dayStart || hour >= dayEnd) continue;
      cost += c;
      unpriced += u;
    }
    parts.push(`${usd(cost)}${unpriced > 0 ? '+' : ''} today`);
    const active = summary.blocks.find((b) => now >= b.start && now < b.end);
    if (active) {
      const rate = active.cost_usd_per_hour === null ? '' : `, ${usd(active.cost_usd_per_hour)}/h`;
      parts.push(`block ${usd(active.cost_usd)}, ${duration(active.end - now)} left${rate}`);
    } else parts.push('no active block');
  }
  return parts.join(' · ');
}
