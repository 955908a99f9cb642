// `tokenlake report`: the pre-computed window as a table (the shape ccusage users know).

import type { Analytics, AnalyticsWindow, BreakdownRow, WindowName } from '../lib/analytics.ts';
import { compact, int, renderTable, usd } from './format.ts';

export type ReportBy = 'model' | 'project' | 'provider' | 'day' | 'user' | 'machine';

function rowsFor(window: AnalyticsWindow, by: ReportBy): Array<Omit<BreakdownRow, 'share'> & { share?: number }> {
  switch (by) {
    case 'model':
      return window.by_model;
    case 'project':
      return window.by_project;
    case 'provider':
      return window.by_provider;
    case 'user':
      return window.by_user;
    case 'machine':
      return window.by_machine;
    case 'day':
      return window.daily.map((d) => ({ ...d, key: d.day }));
  }
}

/** A cost that leaves out unpriced usage says so: "unpriced" when none of it is priced, "$x + unpriced" when part is. */
export function costCell(r: { cost_usd: number; records: number; unpriced_records: number }): string {
  if (r.unpriced_records === 0) return usd(r.cost_usd);
  return r.unpriced_records >= r.records ? 'unpriced' : `${usd(r.cost_usd)} + unpriced`;
}

/** One line naming the window's unpriced models (tokens) and how to add a price, or null. */
export function unpricedLine(window: AnalyticsWindow): string | null {
  const models = window.by_model.filter((m) => m.unpriced_records > 0).sort((a, b) => b.unpriced_tokens - a.unpriced_tokens);
  if (models.length === 0) return null;
  const first = models[0]!;
  const example = JSON.stringify({
    version: 'local-1',
    valid_from: '2023-01-01',
    models: { [first.key]: { provider: first.provider, input: 1.25, output: 10 } },
  });
  return (
    `Unpriced (no price in the table, not counted as $0): ${models.map((m) => `${m.key} (${int(m.unpriced_tokens)} tokens)`).join(', ')}. ` +
    `Add a price (USD per million tokens): TOKENLAKE_PRICES_FILE=prices.json with ${example}, ` +
    `then "tokenlake aggregate --from ${window.from} --to ${window.to}" re-prices the window.`
  );
}

export function renderReport(analytics: Analytics, windowName: WindowName, by: ReportBy, color: boolean): string {
  const w = analytics.windows[windowName];
  const header = [
    by === 'day' ? 'Day' : by[0]!.toUpperCase() + by.slice(1),
    'Input',
    'Output',
    'Cache write',
    'Cache read',
    'Total tokens',
    'Requests',
    'Cost (USD)',
  ];
  const rows = rowsFor(w, by).map((r) => [
    r.key,
    int(r.input_tokens),
    int(r.output_tokens),
    int(r.cache_creation_tokens),
    int(r.cache_read_tokens),
    int(r.total_tokens),
    int(r.requests),
    costCell(r),
  ]);
  const t = w.totals;
  const footer = [
    'Total',
    int(t.input_tokens),
    int(t.output_tokens),
    int(t.cache_creation_tokens),
    int(t.cache_read_tokens),
    int(t.total_tokens),
    int(t.requests),
    costCell(t),
  ];
  const table = renderTable(header, rows, footer, { color, numeric: new Set([1, 2, 3, 4, 5, 6, 7]) });
  const m = analytics.month_to_date;
  const lines = [
    `tokenlake — ${windowName} window ${w.from} → ${w.to} (${analytics.timezone})`,
    '',
    table,
    '',
    `Burn rate ${usd(w.burn_rate_usd_per_day)}/day · ${compact(t.total_tokens)} tokens · month to date ${usd(m.cost_usd)} · month-end forecast ${usd(m.forecast_usd)}`,
  ];
  const dq = analytics.data_quality;
  const warnings: string[] = [];
  if (dq.quarantined_lines > 0) warnings.push(`${int(dq.quarantined_lines)} lines quarantined`);
  for (const s of dq.sources) if (!s.ok) warnings.push(`source ${s.source} failing: ${s.last_error}`);
  if (warnings.length > 0) lines.push(`Data quality: ${warnings.join(' · ')}`);
  const unpriced = unpricedLine(w);
  if (unpriced) lines.push(unpriced);
  return lines.join('\n');
}

/** The options `report` takes (shared by the full command and the quick path). */
export const reportOptions = {
  window: { type: 'string', default: '30d' },
  by: { type: 'string', default: 'model' },
  json: { type: 'boolean' },
  timezone: { type: 'string' },
  help: { type: 'boolean' },
} as const;

export const reportBys: readonly ReportBy[] = ['model', 'project', 'provider', 'user', 'machine', 'day'];

/** What `report` prints: the table, or with --json the window as JSON. */
export function formatReport(analytics: Analytics, windowName: WindowName, by: ReportBy, asJson: boolean, color: boolean): string {
  if (asJson) {
    return `${JSON.stringify({ window: windowName, as_of: analytics.as_of, timezone: analytics.timezone, ...analytics.windows[windowName] }, null, 2)}\n`;
  }
  return `${renderReport(analytics, windowName, by, color)}\n`;
}
