// What the dashboard shows for one window of the analytics document: warnings first (never
// hidden), headline numbers, daily cost by model, tokens by kind, budgets, top projects and users,
// models, latency, anomalies and source health. Every number is real text; the ones a test or a
// tool may want to read back carry their unformatted value in `data-raw`.

import type { Analytics, AnalyticsWindow } from '../lib/analytics.ts';
import { type ChartHandle, PALETTE, renderStackedBars, type StackedSeries } from './charts.ts';
import { type Child, dataTable, fragment, h, meter } from './dom.ts';
import {
  formatAge,
  formatCompact,
  formatDay,
  formatDayLong,
  formatInstant,
  formatInt,
  formatMs,
  formatShare,
  formatUsd,
  formatUsdShort,
} from './format.ts';

export type WindowName = keyof Analytics['windows'];

export interface RenderedWindow {
  /** Text for the header: what the data covers and how fresh it is. */
  freshness: Child[];
  titleCost: string;
  destroy(): void;
}

/** Models drawn individually in the stacked chart; the rest are summed into "other models". */
const MAX_CHART_MODELS = 8;
const TOP_ROWS = 10;
const OTHER_COLOR = '#7F7F7F';
const MODEL_COLORS = PALETTE.filter((c) => c !== OTHER_COLOR);

type Breakdown = AnalyticsWindow['by_project'][number];
/** For fields newer than this build's contract, read without trusting their shape. */
type Loose = Record<string, unknown>;

function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}

/** Windows of a custom range (GET /v1/window), which are not "the last N days". */
const customWindows = new WeakSet<AnalyticsWindow>();

function windowLabel(w: AnalyticsWindow): string {
  if (customWindows.has(w)) return `${formatDay(w.from)} – ${formatDay(w.to)} · ${w.days} ${w.days === 1 ? 'day' : 'days'}`;
  return `Last ${w.days} days · ${formatDay(w.from)} – ${formatDay(w.to)}`;
}

/** A colour per model that stays the same across windows (ranked by 90-day cost). */
function modelColors(a: Analytics): Map<string, string> {
  const colors = new Map<string, string>();
  a.windows['90d'].by_model.forEach((m, i) => {
    colors.set(m.key, MODEL_COLORS[i % MODEL_COLORS.length]!);
  });
  return colors;
}

// ── warnings ────────────────────────────────────────────────────────────────────────────────

interface Warning {
  level: 'error' | 'warning' | 'info';
  text: Child[];
}

function collectWarnings(a: Analytics): Warning[] {
  const q = a.data_quality;
  const out: Warning[] = [];
  for (const s of q.sources) {
    if (s.ok) continue;
    const where = s.machine ? ` on ${s.machine}` : '';
    const since = s.last_error_at ? ` (last attempt ${formatInstant(s.last_error_at)})` : '';
    const lastGood = s.last_success_at ? ` Last success ${formatInstant(s.last_success_at)}.` : ' It has never succeeded.';
    out.push({
      level: 'error',
      text: [h('strong', {}, `Source “${s.source}”${where} is failing`), `${since}: ${s.last_error ?? 'unknown error'}.${lastGood}`],
    });
  }
  // Absent in documents written before sync leases were reported.
  const unfinished = (q as unknown as Loose).unfinished_syncs;
  for (const sync of Array.isArray(unfinished) ? (unfinished as Analytics['data_quality']['unfinished_syncs']) : []) {
    const holder = sync.host && sync.pid ? ` (process ${sync.pid} on ${sync.host})` : '';
    out.push(
      sync.state === 'running'
        ? {
            level: 'info',
            text: [
              h('strong', {}, `A sync of ${sync.machine} is running`),
              `${sync.started_at ? ` since ${formatInstant(sync.started_at)}` : ''}${holder}: the totals may not include all of its data yet.`,
            ],
          }
        : {
            level: 'warning',
            text: [
              h('strong', {}, `A sync of ${sync.machine} was interrupted`),
              `${sync.started_at ? ` (started ${formatInstant(sync.started_at)})` : ''}${holder}: the totals may be incomplete until the next sync finishes it.`,
            ],
          },
    );
  }
  for (const b of a.month_to_date.budgets) {
    if (b.status === 'over')
      out.push({
        level: 'error',
        text: [h('strong', {}, `Budget “${b.scope}” is over`), `: ${formatUsd(b.spent_usd)} spent of ${formatUsd(b.limit_usd)}.`],
      });
    else if (b.status === 'forecast_over')
      out.push({
        level: 'warning',
        text: [
          h('strong', {}, `Budget “${b.scope}” will run out`),
          ` ${b.run_out_day ? `on ${formatDayLong(b.run_out_day)}` : 'this month'} at the current rate.`,
        ],
      });
  }
  const budgetsError = (q as unknown as Loose).budgets_error;
  if (typeof budgetsError === 'string' && budgetsError)
    out.push({
      level: 'warning',
      text: [h('strong', {}, 'The budgets file is invalid'), ` (the last good version is used): ${budgetsError}`],
    });
  if (q.unpriced_models.length > 0 || q.unpriced_records > 0) {
    const models =
      q.unpriced_models.length > 0
        ? q.unpriced_models.map((m) => `${m.model} (${formatCompact(m.tokens)} tokens)`).join(', ')
        : 'some models';
    out.push({
      level: 'warning',
      text: [
        h('strong', {}, 'No price known'),
        ` for ${models}: ${formatInt(q.unpriced_records)} ${q.unpriced_records === 1 ? 'record' : 'records'} in the last 90 days ${q.unpriced_records === 1 ? 'is' : 'are'} shown as unpriced, not as $0, so costs are understated. Add a price with TOKENLAKE_PRICES_FILE, then re-aggregate.`,
      ],
    });
  }
  if (q.quarantined_lines > 0)
    out.push({
      level: 'warning',
      text: [
        h('strong', {}, `${formatInt(q.quarantined_lines)} quarantined ${q.quarantined_lines === 1 ? 'line' : 'lines'}`),
        ' failed validation and are not counted (kept under quarantine/ with the reason).',
      ],
    });
  if (q.invalid_lake_lines > 0)
    out.push({
      level: 'warning',
      text: [h('strong', {}, `${formatInt(q.invalid_lake_lines)} invalid lake lines`), ' were skipped while aggregating.'],
    });
  if (q.duplicates_dropped > 0)
    out.push({
      level: 'info',
      text: [
        h('strong', {}, `${formatInt(q.duplicates_dropped)} duplicate ${q.duplicates_dropped === 1 ? 'record' : 'records'}`),
        ' dropped (the same request read more than once); counted once.',
      ],
    });
  return out;
}

function warningsSection(a: Analytics): HTMLElement | null {
  const warnings = collectWarnings(a);
  if (warnings.length === 0) return null;
  return h(
    'section',
    { class: 'warnings', id: 'warnings', 'aria-labelledby': 'warnings-title' },
    h('h2', { id: 'warnings-title' }, 'Data quality'),
    h(
      'ul',
      {},
      ...warnings.map((w) =>
        h(
          'li',
          { class: `warning warning-${w.level}`, 'data-level': w.level },
          h('span', { class: 'warning-tag' }, w.level === 'info' ? 'Note' : w.level === 'error' ? 'Error' : 'Warning'),
          ' ',
          ...w.text,
        ),
      ),
    ),
  );
}

// ── headline ────────────────────────────────────────────────────────────────────────────────

function card(metric: string, label: string, value: string, raw: number, sub: string): HTMLElement {
  return h(
    'div',
    { class: 'card' },
    h('dt', {}, label),
    h('dd', { class: 'value', 'data-metric': metric, 'data-raw': raw }, value),
    h('dd', { class: 'sub' }, sub),
  );
}

function headlineSection(a: Analytics, w: AnalyticsWindow): HTMLElement {
  const t = w.totals;
  const mtd = a.month_to_date;
  const monthName = new Intl.DateTimeFormat('en-US', { month: 'long', timeZone: 'UTC' }).format(Date.parse(`${mtd.from}T00:00:00Z`));
  const perRequest = t.requests > 0 ? t.cost_usd / t.requests : 0;
  return h(
    'section',
    {
      class: 'headline',
      id: 'headline',
      'aria-labelledby': 'headline-title',
      'data-window': customWindows.has(w) ? 'custom' : `${w.days}d`,
    },
    h('h2', { id: 'headline-title' }, windowLabel(w)),
    h(
      'dl',
      { class: 'cards' },
      card(
        'cost_usd',
        'Cost',
        formatUsd(t.cost_usd),
        t.cost_usd,
        // Unpriced usage is left out of the sum, and the card says so rather than look complete.
        t.unpriced_records > 0
          ? `+ ${formatCompact(t.unpriced_tokens)} unpriced tokens`
          : t.requests > 0
            ? `${formatUsd(perRequest)} per request`
            : 'no requests',
      ),
      card('total_tokens', 'Tokens', `${formatCompact(t.total_tokens)}`, t.total_tokens, `${formatInt(t.total_tokens)} tokens`),
      card(
        'requests',
        'Requests',
        formatInt(t.requests),
        t.requests,
        t.requests > 0 ? `${formatCompact(t.total_tokens / t.requests)} tokens per request` : '—',
      ),
      card(
        'burn_rate_usd_per_day',
        'Burn rate',
        `${formatUsd(w.burn_rate_usd_per_day)}/day`,
        w.burn_rate_usd_per_day,
        `cost ÷ ${w.days} days`,
      ),
      card(
        'month_to_date_usd',
        `${monthName} to date`,
        formatUsd(mtd.cost_usd),
        mtd.cost_usd,
        `day ${mtd.days_elapsed} of ${mtd.days_in_month}`,
      ),
      card(
        'forecast_usd',
        'Month-end forecast',
        formatUsd(mtd.forecast_usd),
        mtd.forecast_usd,
        `at the 7-day rate of ${formatUsd(mtd.burn_rate_usd_per_day)}/day`,
      ),
    ),
  );
}

// ── daily cost by model ─────────────────────────────────────────────────────────────────────

interface ModelSeries extends StackedSeries {
  key: string;
}

function costOfModel(day: AnalyticsWindow['daily'][number], model: string): number {
  return day.cost_by_model.find((c) => c.model === model)?.cost_usd ?? 0;
}

function costSeries(a: Analytics, w: AnalyticsWindow): ModelSeries[] {
  const colors = modelColors(a);
  const ranked = w.by_model.map((m) => m.key);
  const shown = ranked.length > MAX_CHART_MODELS ? ranked.slice(0, MAX_CHART_MODELS - 1) : ranked;
  const rest = ranked.slice(shown.length);
  const series: ModelSeries[] = shown.map((model, i) => ({
    key: model,
    label: model,
    color: colors.get(model) ?? MODEL_COLORS[i % MODEL_COLORS.length]!,
    values: w.daily.map((d) => costOfModel(d, model)),
  }));
  if (rest.length > 0)
    series.push({
      key: '(other)',
      label: `${rest.length} other models`,
      color: OTHER_COLOR,
      values: w.daily.map((d) => rest.reduce((sum, m) => sum + costOfModel(d, m), 0)),
    });
  return series;
}

function costChartSection(a: Analytics, w: AnalyticsWindow, mount: (fn: () => ChartHandle) => void): HTMLElement {
  const series = costSeries(a, w);
  const days = w.daily.map((d) => d.day);
  const chart = h('div', { class: 'chart', id: 'cost-chart' });
  const peak = w.daily.reduce((best, d) => (d.cost_usd > (best?.cost_usd ?? -1) ? d : best), w.daily[0]);
  const caption = `Daily cost stacked by model, ${windowLabel(w).toLowerCase()}. Total ${formatUsd(w.totals.cost_usd)}${peak && peak.cost_usd > 0 ? `; highest day ${formatDayLong(peak.day)} at ${formatUsd(peak.cost_usd)}` : ''}. Days are in ${a.timezone}.`;
  if (w.totals.records > 0) {
    mount(() =>
      renderStackedBars(chart, {
        days,
        series,
        formatValue: formatUsd,
        formatAxis: formatUsdShort,
        formatDay,
        ariaLabel: caption,
      }),
    );
  }
  const table = dataTable({
    id: 'cost-table',
    caption: 'Daily cost by model (USD)',
    columns: [
      { header: 'Day', cell: (d: AnalyticsWindow['daily'][number]) => formatDayLong(d.day) },
      { header: 'Total', numeric: true, cell: (d) => costCell(d), raw: (d) => d.cost_usd },
      ...series.map((s, i) => ({
        header: s.label,
        numeric: true,
        cell: (d: AnalyticsWindow['daily'][number]) => formatUsd(s.values[w.daily.indexOf(d)] ?? 0),
        raw: (d: AnalyticsWindow['daily'][number]) => series[i]!.values[w.daily.indexOf(d)] ?? 0,
      })),
    ],
    rows: w.daily,
    rowKey: (d) => d.day,
    footer: ['Total', formatUsd(w.totals.cost_usd), ...series.map((s) => formatUsd(s.values.reduce((x, y) => x + y, 0)))],
  });
  return section(
    'daily-cost',
    'Daily cost by model',
    h(
      'figure',
      {},
      w.totals.records > 0 ? chart : h('p', { class: 'empty' }, 'No usage in this window.'),
      h('figcaption', { class: 'sr-only' }, caption),
    ),
    h('details', { class: 'as-table' }, h('summary', {}, 'Show the numbers as a table'), table),
  );
}

// ── tokens by kind ──────────────────────────────────────────────────────────────────────────

const TOKEN_KINDS = [
  { field: 'input_tokens', label: 'Input (uncached)' },
  { field: 'output_tokens', label: 'Output' },
  { field: 'cache_creation_tokens', label: 'Cache write' },
  { field: 'cache_read_tokens', label: 'Cache read' },
] as const;

function tokensSection(w: AnalyticsWindow, mount: (fn: () => ChartHandle) => void): HTMLElement {
  const total = w.totals.total_tokens;
  const list = h(
    'dl',
    { class: 'kinds' },
    ...TOKEN_KINDS.map((k, i) => {
      const n = w.totals[k.field];
      const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.background = PALETTE[i]!;
      return h(
        'div',
        { class: 'kind' },
        h('dt', {}, swatch, k.label),
        h(
          'dd',
          { 'data-metric': k.field, 'data-raw': n },
          h('span', { class: 'kind-value' }, formatCompact(n)),
          h('span', { class: 'kind-share' }, formatShare(total > 0 ? n / total : 0)),
          meter(total > 0 ? n / total : 0, undefined, PALETTE[i]),
        ),
      );
    }),
  );
  const chart = h('div', { class: 'chart', id: 'tokens-chart' });
  const caption = `Daily tokens stacked by kind (input, output, cache write, cache read), ${windowLabel(w).toLowerCase()}. Total ${formatCompact(total)} tokens.`;
  if (w.totals.records > 0) {
    mount(() =>
      renderStackedBars(chart, {
        days: w.daily.map((d) => d.day),
        series: TOKEN_KINDS.map((k, i) => ({ label: k.label, color: PALETTE[i]!, values: w.daily.map((d) => d[k.field]) })),
        formatValue: (v) => `${formatCompact(v)} tokens`,
        formatAxis: formatCompact,
        formatDay,
        ariaLabel: caption,
        height: 200,
      }),
    );
  }
  const table = dataTable({
    caption: 'Daily tokens by kind',
    columns: [
      { header: 'Day', cell: (d: AnalyticsWindow['daily'][number]) => formatDayLong(d.day) },
      ...TOKEN_KINDS.map((k) => ({
        header: k.label,
        numeric: true,
        cell: (d: AnalyticsWindow['daily'][number]) => formatInt(d[k.field]),
        raw: (d: AnalyticsWindow['daily'][number]) => d[k.field],
      })),
      { header: 'Total', numeric: true, cell: (d) => formatInt(d.total_tokens), raw: (d) => d.total_tokens },
    ],
    rows: w.daily,
    rowKey: (d) => d.day,
  });
  return section(
    'tokens',
    'Tokens by kind',
    list,
    h('figure', {}, w.totals.records > 0 ? chart : null, h('figcaption', { class: 'sr-only' }, caption)),
    h('details', { class: 'as-table' }, h('summary', {}, 'Show the numbers as a table'), table),
  );
}

// ── budgets ─────────────────────────────────────────────────────────────────────────────────

const BUDGET_STATUS: Record<string, string> = {
  ok: 'On track',
  warning: 'Near limit',
  over: 'Over budget',
  forecast_over: 'Forecast over',
};

function budgetsSection(a: Analytics): HTMLElement {
  const mtd = a.month_to_date;
  const budgets = mtd.budgets ?? [];
  if (budgets.length === 0) {
    return section(
      'budgets',
      'Budgets this month',
      h(
        'p',
        { class: 'empty' },
        'No budgets are set. A budget gives a monthly limit, the month-end forecast against it and the day it runs out. Set one with ',
        h('code', {}, 'tokenlake budgets set'),
        '.',
      ),
      h(
        'p',
        { class: 'muted' },
        `Month-end forecast for all usage: ${formatUsd(mtd.forecast_usd)} (spent ${formatUsd(mtd.cost_usd)} so far).`,
      ),
    );
  }
  type Budget = (typeof budgets)[number];
  return section(
    'budgets',
    'Budgets this month',
    dataTable<Budget>({
      caption: `Budgets for ${mtd.month}: spent, forecast at month end and run-out day at the 7-day burn rate`,
      captionHidden: true,
      columns: [
        { header: 'Scope', cell: (b) => b.scope },
        { header: 'Limit', numeric: true, cell: (b) => formatUsd(b.limit_usd), raw: (b) => b.limit_usd },
        {
          header: 'Spent',
          numeric: true,
          cell: (b) =>
            fragment(
              formatUsd(b.spent_usd),
              ' ',
              h('span', { class: 'muted' }, `(${formatShare(b.limit_usd > 0 ? b.spent_usd / b.limit_usd : 0)})`),
              meter(b.limit_usd > 0 ? b.spent_usd / b.limit_usd : 1, b.status),
            ),
          raw: (b) => b.spent_usd,
        },
        { header: 'Forecast', numeric: true, cell: (b) => formatUsd(b.forecast_usd), raw: (b) => b.forecast_usd },
        { header: 'Runs out', cell: (b) => (b.run_out_day ? formatDayLong(b.run_out_day) : 'not this month') },
        { header: 'Status', cell: (b) => h('span', { class: `badge badge-${b.status}` }, BUDGET_STATUS[b.status] ?? b.status) },
      ],
      rows: budgets,
      rowKey: (b) => b.id,
    }),
  );
}

// ── top projects, users, models ─────────────────────────────────────────────────────────────

/** A cost that leaves out unpriced usage says so, never a bare $0.00 for it. */
function costCell(r: { cost_usd: number; records: number; unpriced_records: number }): Node | string {
  if (r.unpriced_records === 0) return formatUsd(r.cost_usd);
  if (r.unpriced_records >= r.records) return h('span', { class: 'badge badge-warning' }, 'no price');
  return fragment(formatUsd(r.cost_usd), h('span', { class: 'muted' }, ' + unpriced'));
}

function breakdownTable(id: string, caption: string, keyHeader: string, rows: readonly Breakdown[]): HTMLElement {
  const top = rows.slice(0, TOP_ROWS);
  const restCount = rows.length - top.length;
  return h(
    'div',
    { id },
    dataTable<Breakdown>({
      caption,
      captionHidden: true,
      columns: [
        { header: keyHeader, cell: (r) => r.key },
        { header: 'Cost', numeric: true, cell: (r) => costCell(r), raw: (r) => r.cost_usd },
        { header: 'Share', numeric: true, cell: (r) => fragment(formatShare(r.share), meter(r.share)), raw: (r) => r.share },
        { header: 'Tokens', numeric: true, cell: (r) => formatCompact(r.total_tokens), raw: (r) => r.total_tokens },
        { header: 'Requests', numeric: true, cell: (r) => formatInt(r.requests), raw: (r) => r.requests },
      ],
      rows: top,
      rowKey: (r) => r.key,
    }),
    restCount > 0 ? h('p', { class: 'muted' }, `and ${restCount} more`) : null,
    rows.length === 0 ? h('p', { class: 'empty' }, 'No usage in this window.') : null,
  );
}

function modelsSection(a: Analytics, w: AnalyticsWindow): HTMLElement {
  const colors = modelColors(a);
  type Row = AnalyticsWindow['by_model'][number];
  return section(
    'models',
    'Models',
    dataTable<Row>({
      caption: `Cost and tokens by model, ${windowLabel(w).toLowerCase()}`,
      captionHidden: true,
      columns: [
        {
          header: 'Model',
          cell: (r) => {
            const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
            swatch.style.background = colors.get(r.key) ?? OTHER_COLOR;
            return h('span', {}, swatch, r.key);
          },
        },
        { header: 'Provider', cell: (r) => r.provider },
        {
          header: 'Cost',
          numeric: true,
          // A model without a price shows that, not a misleading $0.00.
          cell: (r) => costCell(r),
          raw: (r) => r.cost_usd,
        },
        { header: 'Share', numeric: true, cell: (r) => formatShare(r.share), raw: (r) => r.share },
        { header: 'Input', numeric: true, cell: (r) => formatCompact(r.input_tokens), raw: (r) => r.input_tokens },
        { header: 'Output', numeric: true, cell: (r) => formatCompact(r.output_tokens), raw: (r) => r.output_tokens },
        { header: 'Cache write', numeric: true, cell: (r) => formatCompact(r.cache_creation_tokens), raw: (r) => r.cache_creation_tokens },
        { header: 'Cache read', numeric: true, cell: (r) => formatCompact(r.cache_read_tokens), raw: (r) => r.cache_read_tokens },
        { header: 'Requests', numeric: true, cell: (r) => formatInt(r.requests), raw: (r) => r.requests },
      ],
      rows: w.by_model,
      rowKey: (r) => r.key,
      footer: [
        'All models',
        '',
        formatUsd(w.totals.cost_usd),
        '',
        formatCompact(w.totals.input_tokens),
        formatCompact(w.totals.output_tokens),
        formatCompact(w.totals.cache_creation_tokens),
        formatCompact(w.totals.cache_read_tokens),
        formatInt(w.totals.requests),
      ],
    }),
  );
}

// ── latency ─────────────────────────────────────────────────────────────────────────────────

function latencySection(w: AnalyticsWindow): HTMLElement {
  type Row = AnalyticsWindow['latency_by_model'][number];
  const all = w.latency;
  if (all.count === 0 && w.latency_by_model.length === 0) {
    return section(
      'latency',
      'Latency',
      h('p', { class: 'empty' }, `No latency percentiles: ${all.reason ?? 'no request in this window reported its latency'}.`),
    );
  }
  const rows: Row[] = [...w.latency_by_model, { ...all, key: 'All models', provider: '' }];
  return section(
    'latency',
    'Latency per request',
    dataTable<Row>({
      caption: `Request latency percentiles by model (within ±${Math.round(all.relative_accuracy * 100)}%)`,
      columns: [
        { header: 'Model', cell: (r) => r.key },
        { header: 'Requests', numeric: true, cell: (r) => formatInt(r.count), raw: (r) => r.count },
        {
          header: 'p50',
          numeric: true,
          cell: (r) => (r.p50_ms === null ? h('span', { class: 'muted' }, r.reason ?? '—') : formatMs(r.p50_ms)),
          raw: (r) => r.p50_ms,
        },
        { header: 'p90', numeric: true, cell: (r) => formatMs(r.p90_ms), raw: (r) => r.p90_ms },
        { header: 'p95', numeric: true, cell: (r) => formatMs(r.p95_ms), raw: (r) => r.p95_ms },
        { header: 'p99', numeric: true, cell: (r) => formatMs(r.p99_ms), raw: (r) => r.p99_ms },
        {
          header: 'Output tokens/s',
          numeric: true,
          cell: (r) => (r.output_tokens_per_second === null ? '—' : formatInt(r.output_tokens_per_second)),
          raw: (r) => r.output_tokens_per_second,
        },
        {
          header: 'Peak req/min',
          numeric: true,
          cell: (r) => formatInt(r.peak_requests_per_minute),
          raw: (r) => r.peak_requests_per_minute,
        },
      ],
      rows,
      rowKey: (r) => `${r.provider}/${r.key}`,
    }),
  );
}

// ── anomalies (optional field; the shape is read defensively) ───────────────────────────────

function anomalyList(a: Analytics, w: AnalyticsWindow): unknown[] | null {
  const fromWindow = (w as unknown as Loose).anomalies;
  const fromTop = (a as unknown as Loose).anomalies;
  const found = fromWindow ?? fromTop;
  if (found === undefined || found === null) return null;
  if (Array.isArray(found)) return found;
  if (typeof found === 'object') return Object.values(found as Loose).flatMap((v) => (Array.isArray(v) ? v : []));
  return null;
}

function pick(o: Loose, names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
}

function describeAnomaly(item: unknown): string {
  if (typeof item === 'string') return item;
  if (typeof item !== 'object' || item === null) return String(item);
  const o = item as Loose;
  const message = pick(o, ['message', 'description', 'summary']);
  if (typeof message === 'string') return message;
  const parts: string[] = [];
  const day = pick(o, ['day', 'date']);
  const hour = pick(o, ['hour']);
  if (typeof day === 'string') parts.push(formatDayLong(day));
  else if (typeof hour === 'string') parts.push(hour.replace('T', ' ') + ':00');
  const dimension = pick(o, ['dimension', 'entity_type', 'group_by', 'kind']);
  const key = pick(o, ['key', 'model', 'project', 'entity', 'entity_id', 'scope']);
  if (key !== undefined) parts.push(`${typeof dimension === 'string' ? `${dimension} ` : ''}${String(key)}`);
  const value = pick(o, ['cost_usd', 'value_usd', 'actual_usd', 'value']);
  const baseline = pick(o, ['baseline_usd', 'expected_usd', 'median_usd', 'baseline', 'expected']);
  const jump = pick(o, ['jump_usd']);
  const money = (v: unknown) => (typeof v === 'number' ? formatUsd(v) : String(v));
  if (value !== undefined) {
    const extra: string[] = [];
    if (typeof jump === 'number') extra.push(`+${formatUsd(jump)}`);
    if (typeof value === 'number' && typeof baseline === 'number' && baseline > 0) extra.push(`${(value / baseline).toFixed(1)}×`);
    parts.push(
      `${money(value)}${baseline !== undefined ? ` vs usual ${money(baseline)}` : ''}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`,
    );
  }
  if (parts.length > 1) return `${parts[0]}: ${parts.slice(1).join(' · ')}`;
  if (parts.length > 0) return parts[0]!;
  return Object.entries(o)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}: ${typeof v === 'number' ? Number(v.toFixed(4)) : String(v)}`)
    .join(', ');
}

function anomaliesSection(a: Analytics, w: AnalyticsWindow): HTMLElement | null {
  const list = anomalyList(a, w);
  if (list === null) return null;
  const inWindow = list.filter((item) => {
    const day = typeof item === 'object' && item !== null ? (item as Loose).day : undefined;
    return typeof day !== 'string' || (day >= w.from && day <= w.to);
  });
  return section(
    'anomalies',
    'Anomalies',
    inWindow.length === 0
      ? h('p', { class: 'empty' }, 'No unusual spending in this window.')
      : h('ul', { class: 'anomalies' }, ...inWindow.map((item) => h('li', {}, describeAnomaly(item)))),
  );
}

// ── sources ─────────────────────────────────────────────────────────────────────────────────

function sourcesSection(a: Analytics, now: number): HTMLElement {
  type Row = Analytics['data_quality']['sources'][number];
  const q = a.data_quality;
  const sources = q.sources;
  return section(
    'sources',
    'Sources',
    sources.length === 0
      ? h('p', { class: 'empty' }, 'No source has synced yet.')
      : dataTable<Row>({
          caption: 'Sources and their last sync',
          captionHidden: true,
          columns: [
            { header: 'Source', cell: (s) => (s.machine ? `${s.source} (${s.machine})` : s.source) },
            {
              header: 'Last run',
              cell: (s) => fragment(formatInstant(s.last_run_at), ' ', h('span', { class: 'muted' }, formatAge(s.last_run_at, now))),
            },
            { header: 'Last success', cell: (s) => (s.last_success_at ? formatInstant(s.last_success_at) : 'never') },
            {
              header: 'Status',
              cell: (s) =>
                s.ok
                  ? h('span', { class: 'badge badge-ok' }, 'OK')
                  : h('span', { class: 'badge badge-over', title: s.last_error ?? '' }, 'Failing'),
            },
          ],
          rows: sources,
          rowKey: (s) => `${s.source}/${s.machine ?? ''}`,
        }),
    h(
      'p',
      { class: 'muted' },
      `Last 90 days: ${formatInt(q.quarantined_lines)} quarantined lines, ${formatInt(q.duplicates_dropped)} duplicates dropped, ${formatInt(q.unpriced_records)} unpriced records. Prices: ${a.price_table}${q.price_tables['90d'].length > 1 ? ` (90 days priced with ${q.price_tables['90d'].join(', ')})` : ''}.`,
    ),
  );
}

// ── the page ────────────────────────────────────────────────────────────────────────────────

/**
 * Renders a window of the document, or with `custom` a window of any days read from GET
 * /v1/window (the same shape); budgets, anomalies and sources are the document's either way.
 */
export function renderWindow(root: HTMLElement, a: Analytics, name: WindowName, now: number, custom?: AnalyticsWindow): RenderedWindow {
  if (custom) customWindows.add(custom);
  const w = custom ?? a.windows[name];
  const mounts: Array<() => ChartHandle> = [];
  const mount = (fn: () => ChartHandle) => mounts.push(fn);
  root.replaceChildren();
  const parts: Array<HTMLElement | null> = [
    warningsSection(a),
    headlineSection(a, w),
    costChartSection(a, w, mount),
    anomaliesSection(a, w),
    budgetsSection(a),
    h(
      'div',
      { class: 'pair' },
      section(
        'projects',
        'Top projects',
        breakdownTable('projects-table', `Top projects by cost, ${windowLabel(w).toLowerCase()}`, 'Project', w.by_project),
      ),
      section('users', 'Top users', breakdownTable('users-table', `Top users by cost, ${windowLabel(w).toLowerCase()}`, 'User', w.by_user)),
    ),
    tokensSection(w, mount),
    modelsSection(a, w),
    latencySection(w),
    sourcesSection(a, now),
  ];
  for (const p of parts) if (p) root.appendChild(p);
  // Charts measure their container, so they are created once the sections are in the document.
  const charts = mounts.map((fn) => fn());
  return {
    freshness: [
      `Data through ${formatDayLong(a.as_of)} (days in ${a.timezone}) · updated `,
      h('time', { datetime: a.generated_at }, formatInstant(a.generated_at)),
      ` (${formatAge(a.generated_at, now)})`,
    ],
    titleCost: formatUsd(w.totals.cost_usd),
    destroy() {
      for (const c of charts) c.destroy();
    },
  };
}
