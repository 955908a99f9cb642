// The options and the table of `tokenlake report`: usage over any period, grouped by day, week, month, session, model,
// project, provider, user or machine (the views ccusage users know), as a table or --json. The
// options are checked here (a bad one is exit 2 with the reason); the numbers come from
// lib/analytics/report-query.ts, the same for the full command and the quick path.

import { parseArgs } from 'node:util';
import { MAX_PERIOD_DAYS } from '../../lib/analytics/period.ts';
import {
  emptyPeriodHint,
  NONE_KEY,
  type Report,
  type ReportBy,
  type ReportOrder,
  reportBys,
  reportOrders,
} from '../../lib/analytics/report.ts';
import type { ReportQuery } from '../../lib/analytics/report-query.ts';
import { isWindowName, WINDOW_NAMES } from '../../lib/analytics/windows.ts';
import { FIRST_DAY, isInCalendar, isValidDay, isValidTimeZone, LAST_DAY, wallClock } from '../../lib/core/calendar.ts';
import type { BadRequestError } from '../../lib/core/errors.ts';
import { compact, int, renderTable, usd } from '../format.ts';

/** The options `report` takes (shared by the full command and the quick path). */
const reportOptions = {
  since: { type: 'string' },
  until: { type: 'string' },
  window: { type: 'string' },
  by: { type: 'string', default: 'model' },
  breakdown: { type: 'boolean' },
  order: { type: 'string' },
  json: { type: 'boolean' },
  timezone: { type: 'string' },
  help: { type: 'boolean' },
} as const;

export const REPORT_HELP = `tokenlake report [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--window 7d|30d|90d]
                 [--by day|week|month|session|model|project|provider|user|machine] [--breakdown]
                 [--order asc|desc] [--timezone ZONE] [--json]

Usage over any period the lake holds (at most ${MAX_PERIOD_DAYS} days; default: the last 30 days, by model), from the
daily rollups. Days are local days in --timezone (default TOKENLAKE_TIMEZONE). --breakdown adds a row
per model under each row. Time rows read oldest first, sessions newest first, the rest most cost first;
--order reverses. --json prints the documented report shape (docs/reports.md).

Examples: tokenlake report --since 2025-09-01 --until 2025-12-31 --by month --breakdown
          tokenlake report --window 7d --by session --json`;

export class ReportUsageError extends Error {}

interface ReportOptions {
  query: ReportQuery;
  json: boolean;
  timeZone: string | undefined;
}

function checkDay(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new ReportUsageError(`${flag}: expected a day as YYYY-MM-DD, got "${value}"`);
  if (!isValidDay(value)) throw new ReportUsageError(`${flag}: ${value} is not a day of the calendar`);
  if (!isInCalendar(value)) throw new ReportUsageError(`${flag}: ${value} lies outside ${FIRST_DAY} … ${LAST_DAY}`);
}

/** The checked options, or a ReportUsageError naming the option and the reason. */
export function parseReportArgs(args: string[]): ReportOptions & { help: boolean } {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof reportOptions }>>['values'];
  try {
    values = parseArgs({ args, options: reportOptions }).values;
  } catch (error) {
    throw new ReportUsageError((error as Error).message);
  }
  const by = values.by as ReportBy;
  if (!reportBys.includes(by)) throw new ReportUsageError(`--by: expected one of ${reportBys.join(', ')}, got "${values.by}"`);
  if (values.order !== undefined && !(reportOrders as readonly string[]).includes(values.order))
    throw new ReportUsageError(`--order: expected asc or desc, got "${values.order}"`);
  if (values.window !== undefined && !isWindowName(values.window))
    throw new ReportUsageError(
      `--window: expected ${WINDOW_NAMES.slice(0, -1).join(', ')} or ${WINDOW_NAMES.at(-1)}, got "${values.window}"`,
    );
  if (values.window !== undefined && (values.since !== undefined || values.until !== undefined))
    throw new ReportUsageError('--window cannot be combined with --since/--until');
  checkDay('--since', values.since);
  checkDay('--until', values.until);
  if (values.since !== undefined && values.until !== undefined && values.since > values.until)
    throw new ReportUsageError(`--since ${values.since} is after --until ${values.until}`);
  if (values.timezone !== undefined && !isValidTimeZone(values.timezone))
    throw new ReportUsageError(`--timezone: not an IANA time zone: "${values.timezone}"`);
  return {
    help: values.help ?? false,
    json: values.json ?? false,
    timeZone: values.timezone,
    query: {
      period: {
        from: values.since,
        to: values.until,
        window: values.window,
      },
      by,
      breakdown: values.breakdown ?? false,
      order: values.order as ReportOrder | undefined,
    },
  };
}

/** A period the calendar check let through but the range rules refuse (too long, after today): the option and why. */
export function periodUsageError(error: BadRequestError): ReportUsageError {
  const flag: Record<string, string> = { from: '--since', to: '--until', window: '--window' };
  return new ReportUsageError(error.details.map((d) => `${flag[d.field] ?? d.field}: ${d.reason}`).join('; '));
}

/** A cost that leaves out unpriced usage says so: "unpriced" when none of it is priced, "$x + unpriced" when part is. */
function costCell(r: { cost_usd: number; records: number; unpriced_records: number }): string {
  if (r.unpriced_records === 0) return usd(r.cost_usd);
  return r.unpriced_records >= r.records ? 'unpriced' : `${usd(r.cost_usd)} + unpriced`;
}

/** One line naming the unpriced models (tokens) and how to add a price, or null. */
function unpricedLine(report: Report): string | null {
  const models = new Map<string, { provider: string; tokens: number }>();
  for (const row of report.rows) {
    for (const m of row.models ?? []) {
      if (m.unpriced_records === 0) continue;
      const seen = models.get(m.model) ?? { provider: m.provider, tokens: 0 };
      seen.tokens += m.unpriced_tokens;
      models.set(m.model, seen);
    }
  }
  if (report.totals.unpriced_records === 0) return null;
  const p = report.period;
  // aggregate takes UTC days: the ones the period's instants touch.
  const reprice = `then "tokenlake aggregate --from ${p.start.slice(0, 10)} --to ${new Date(Date.parse(p.end) - 1).toISOString().slice(0, 10)}" re-prices the period.`;
  if (models.size === 0) {
    return (
      `Unpriced: ${int(report.totals.unpriced_records)} records (${int(report.totals.unpriced_tokens)} tokens) have no price and are not counted as $0 ` +
      `(--breakdown names the models). Add a price with TOKENLAKE_PRICES_FILE, ${reprice}`
    );
  }
  const list = [...models].sort((a, b) => b[1].tokens - a[1].tokens);
  const [firstModel, first] = list[0]!;
  const example = JSON.stringify({
    version: 'local-1',
    valid_from: '2023-01-01',
    models: { [firstModel]: { provider: first.provider, input: 1.25, output: 10 } },
  });
  return (
    `Unpriced (no price in the table, not counted as $0): ${list.map(([m, u]) => `${m} (${int(u.tokens)} tokens)`).join(', ')}. ` +
    `Add a price (USD per million tokens): TOKENLAKE_PRICES_FILE=prices.json with ${example}, ${reprice}`
  );
}

const TITLES: Record<ReportBy, string> = {
  day: 'Day',
  week: 'Week of',
  month: 'Month',
  session: 'Session',
  model: 'Model',
  project: 'Project',
  provider: 'Provider',
  user: 'User',
  machine: 'Machine',
};

function shortSession(id: string): string {
  return id === NONE_KEY || id.length <= 12 ? id : `${id.slice(0, 8)}…`;
}

function numbers(r: {
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_read_tokens: number;
  total_tokens: number;
  requests: number;
  cost_usd: number;
  records: number;
  unpriced_records: number;
}): string[] {
  return [
    int(r.input_tokens),
    int(r.output_tokens),
    int(r.cache_creation_tokens),
    int(r.cache_read_tokens),
    int(r.total_tokens),
    int(r.requests),
    costCell(r),
  ];
}

export function renderReport(report: Report, color: boolean): string {
  const by = report.by;
  const session = by === 'session';
  const showModels = !report.breakdown && by !== 'model';
  const lead = session ? ['Session', 'Project', 'Last activity'] : [TITLES[by]];
  const header = [
    ...lead,
    ...(showModels ? ['Models'] : []),
    'Input',
    'Output',
    'Cache write',
    'Cache read',
    'Total tokens',
    'Requests',
    'Cost (USD)',
  ];
  const tz = report.period.time_zone;
  const rows: string[][] = [];
  for (const r of report.rows) {
    const leadCells = session
      ? [shortSession(r.key), r.project ?? NONE_KEY, r.last_activity ? localMinute(r.last_activity, tz) : '']
      : [r.key];
    rows.push([...leadCells, ...(showModels ? [r.models_used.join(', ')] : []), ...numbers(r)]);
    for (const m of r.models ?? []) {
      rows.push([`  └ ${m.model}`, ...lead.slice(1).map(() => ''), ...numbers(m)]);
    }
  }
  const t = report.totals;
  const footer = ['Total', ...lead.slice(1).map(() => ''), ...(showModels ? [''] : []), ...numbers(t)];
  const first = lead.length + (showModels ? 1 : 0);
  const numeric = new Set(Array.from({ length: 7 }, (_, i) => first + i));
  const table = renderTable(header, rows, footer, { color, numeric });
  const p = report.period;
  const span = p.window ? `last ${p.days} days, ${p.from} → ${p.to}` : `${p.from} → ${p.to}`;
  const lines = [
    `tokenlake — ${span} (${tz}), by ${by}`,
    '',
    table,
    '',
    `${usd(t.cost_usd / p.days)}/day on average over ${p.days} days · ${compact(t.total_tokens)} tokens · ${int(t.records)} records`,
  ];
  const dq = report.data_quality;
  const left = [
    dq.quarantined_lines > 0 ? `${int(dq.quarantined_lines)} lines quarantined` : null,
    dq.invalid_lines > 0 ? `${int(dq.invalid_lines)} lake lines invalid` : null,
    dq.refused_records > 0 ? `${int(dq.refused_records)} records refused (impossible values)` : null,
  ].filter((x) => x !== null);
  if (left.length > 0) lines.push(`Data quality: ${left.join(' · ')} — left out of these totals (docs/reliability.md)`);
  const unpriced = unpricedLine(report);
  if (unpriced) lines.push(unpriced);
  return lines.join('\n');
}

/** `2026-05-11 14:05` in the zone. */
export function localMinute(iso: string | number, timeZone: string): string {
  const w = wallClock(new Date(iso), timeZone);
  return `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}`;
}

/**
 * What `report` prints: the table or the JSON document on stdout; for an empty period over a lake
 * that holds usage, the hint (on stderr with --json, so stdout stays JSON).
 */
export function formatReport(
  report: Report,
  options: { json: boolean; color: boolean; today: string },
): { stdout: string; stderr: string } {
  const hint = report.rows.length === 0 ? emptyPeriodHint(report, options.today, MAX_PERIOD_DAYS) : null;
  if (options.json) return { stdout: `${JSON.stringify(report, null, 2)}\n`, stderr: hint ? `${hint}\n` : '' };
  if (hint) return { stdout: `${hint}\n`, stderr: '' };
  return { stdout: `${renderReport(report, options.color)}\n`, stderr: '' };
}
