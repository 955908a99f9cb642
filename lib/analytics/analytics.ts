// analytics.json: the pre-computed answer every reader uses (API, dashboard, CLI). Computed only
// from daily rollups, never from raw lake lines, so its cost does not grow with history.
// Glossary: a window of N days = the N local calendar days ending at `as_of` (inclusive);
// burn rate = window cost / N; the month-end forecast uses the 7-day burn rate.

import { addDays, dayRange, daysInMonth, localDay, localDayOfUtcHour, localHour, monthStart } from '../core/calendar.ts';
import { redactKeyShapes } from '../core/redact.ts';
import { computeEventWindows, type EventWindow } from '../events/analytics.ts';
import type { EventRollup } from '../events/rollup.ts';
import type { SourceStatus } from '../sources/status.ts';
import type { SyncInProgress } from '../store/lease.ts';
import { LatencySketch, RELATIVE_ACCURACY } from '../usage/latency-sketch.ts';
import { totalTokens } from '../usage/record.ts';
import { addSums, emptySums, type Rollup, type RollupRow, type UsageSums } from '../usage/rollup.ts';
import type { Analytics, AnalyticsWindow, BreakdownRow, Latency, Totals } from './analytics-schema.ts';
import { type AnomalyOptions, defaultAnomalyOptions, detectAnomalies } from './anomalies.ts';
import { type Budget, type BudgetScope, budgetStatus } from './budgets.ts';
import { computeReconciliation } from './reconciliation.ts';
import { perWindow, WINDOWS } from './windows.ts';

// The contract lives in analytics-schema.ts; importers of this module keep finding it here.
export * from './analytics-schema.ts';

interface ComputeInput {
  now: Date;
  timeZone: string;
  priceTable: string;
  /** Rollups of every UTC day that may fall into the longest window or the month (any order). */
  rollups: readonly Rollup[];
  statuses: readonly SourceStatus[];
  budgets?: readonly Budget[];
  budgetsError?: string | null;
  anomalyOptions?: AnomalyOptions;
  eventRollups?: readonly EventRollup[];
  /** Fraction above which reported and priced cost are flagged as different (0.02 = 2 %). */
  reconcileTolerance?: number;
  /** Days whose rollup could not be built this pass. */
  failedDays?: ReadonlyArray<{ day: string; dataset: 'usage' | 'events'; error: string }>;
  /** Sync leases found in the store (lib/store/lease.ts readSyncLeases). */
  unfinishedSyncs?: readonly SyncInProgress[];
}

function inScope(scope: BudgetScope, row: RollupRow): boolean {
  switch (scope.type) {
    case 'global':
      return true;
    case 'project':
      return row.project === scope.value;
    case 'provider':
      return row.provider === scope.value;
    case 'model':
      return row.model === scope.value;
    case 'user':
      return row.user === scope.value;
  }
}

/** Cost per key per local day, for anomaly detection. */
function dailyCostSeries(rows: readonly LocalRow[], keyOf: (r: RollupRow) => string | null): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const key = keyOf(r.row);
    if (key === null) continue;
    let byDay = out.get(key);
    if (!byDay) {
      byDay = new Map();
      out.set(key, byDay);
    }
    byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.row.cost_usd);
  }
  return out;
}

export function toTotals(s: UsageSums): Totals {
  return {
    cost_usd: s.cost_usd,
    input_tokens: s.input_tokens,
    output_tokens: s.output_tokens,
    cache_creation_tokens: s.cache_creation_tokens,
    cache_read_tokens: s.cache_read_tokens,
    total_tokens: totalTokens(s),
    requests: s.requests,
    records: s.records,
    reported_cost_usd: s.reported_cost_usd,
    unpriced_records: s.unpriced_records,
    unpriced_tokens: s.unpriced_tokens,
  };
}

/** Rows of every rollup tagged with the local day and hour they fall in. */
interface LocalRow {
  day: string;
  hour: string;
  row: RollupRow;
}

export function localRows(rollups: readonly Rollup[], timeZone: string): LocalRow[] {
  const out: LocalRow[] = [];
  for (const r of rollups) {
    for (const row of r.rows) {
      const utcHour = `${r.day}T${String(row.hour).padStart(2, '0')}`;
      const day = localDayOfUtcHour(utcHour, timeZone);
      const hour = timeZone === 'UTC' ? utcHour : localHour(new Date(`${utcHour}:00:00Z`), timeZone);
      out.push({ day, hour, row });
    }
  }
  return out;
}

function breakdown(rows: readonly RollupRow[], keyOf: (r: RollupRow) => string, windowCost: number): BreakdownRow[] {
  const groups = new Map<string, UsageSums>();
  for (const r of rows) {
    const k = keyOf(r);
    let g = groups.get(k);
    if (!g) {
      g = emptySums();
      groups.set(k, g);
    }
    addSums(g, r);
  }
  return [...groups.entries()]
    .map(([key, s]) => ({ key, ...toTotals(s), share: windowCost > 0 ? s.cost_usd / windowCost : 0 }))
    .sort((a, b) => b.cost_usd - a.cost_usd || b.total_tokens - a.total_tokens || a.key.localeCompare(b.key));
}

/** Merges the latency sketches of the rollups that pass the filter (percentiles within ±1 %). */
export function mergeLatency(
  rollups: readonly Rollup[],
  filter: (provider: string, model: string) => boolean,
  noneReason = 'no source in this window reported request latency',
): Latency {
  const sketch = new LatencySketch();
  let outputTokens = 0;
  let latencySum = 0;
  let peak = 0;
  for (const r of rollups) {
    for (const l of r.latency) {
      if (!filter(l.provider, l.model)) continue;
      sketch.merge(LatencySketch.from(l.sketch));
      outputTokens += l.output_tokens;
      latencySum += l.latency_ms_sum;
      peak = Math.max(peak, l.peak_rpm);
    }
  }
  const none = sketch.count === 0;
  return {
    count: sketch.count,
    p50_ms: sketch.quantile(0.5),
    p90_ms: sketch.quantile(0.9),
    p95_ms: sketch.quantile(0.95),
    p99_ms: sketch.quantile(0.99),
    mean_ms: none ? null : sketch.sum / sketch.count,
    output_tokens_per_second: latencySum > 0 ? outputTokens / (latencySum / 1000) : null,
    peak_requests_per_minute: peak,
    reason: none ? noneReason : null,
    relative_accuracy: RELATIVE_ACCURACY,
  };
}

export function computeWindow(
  days: number,
  asOf: string,
  rows: readonly LocalRow[],
  rollups: readonly Rollup[],
  timeZone: string,
  events: EventWindow,
): AnalyticsWindow {
  const from = addDays(asOf, -(days - 1));
  const inWindow = rows.filter((r) => r.day >= from && r.day <= asOf);
  const plain = inWindow.map((r) => r.row);
  const total = emptySums();
  for (const r of plain) addSums(total, r);
  const daily = new Map<string, { sums: UsageSums; byModel: Map<string, number> }>();
  for (const d of dayRange(from, asOf)) daily.set(d, { sums: emptySums(), byModel: new Map() });
  for (const r of inWindow) {
    const d = daily.get(r.day)!;
    addSums(d.sums, r.row);
    d.byModel.set(r.row.model, (d.byModel.get(r.row.model) ?? 0) + r.row.cost_usd);
  }
  // Latency sketches are per UTC day; a window takes the UTC days whose midday falls inside it.
  const windowRollups = rollups.filter((r) => {
    const day = localDay(new Date(`${r.day}T12:00:00Z`), timeZone);
    return day >= from && day <= asOf;
  });
  const providerOfModel = new Map<string, string>();
  for (const r of plain) providerOfModel.set(r.model, r.provider);
  const models = new Map<string, string>();
  for (const r of windowRollups) for (const l of r.latency) models.set(`${l.provider}\u0000${l.model}`, l.model);
  return {
    days,
    from,
    to: asOf,
    totals: toTotals(total),
    burn_rate_usd_per_day: total.cost_usd / days,
    by_model: breakdown(plain, (r) => r.model, total.cost_usd).map((b) => ({ ...b, provider: providerOfModel.get(b.key) ?? 'unknown' })),
    by_provider: breakdown(plain, (r) => r.provider, total.cost_usd),
    by_project: breakdown(plain, (r) => r.project ?? '(none)', total.cost_usd),
    by_user: breakdown(plain, (r) => r.user ?? '(none)', total.cost_usd),
    by_machine: breakdown(plain, (r) => r.machine ?? '(none)', total.cost_usd),
    by_source: breakdown(plain, (r) => r.source, total.cost_usd),
    daily: [...daily.entries()].map(([day, d]) => ({
      day,
      ...toTotals(d.sums),
      cost_by_model: [...d.byModel]
        .map(([model, cost_usd]) => ({ model, cost_usd }))
        .sort((a, b) => b.cost_usd - a.cost_usd || (a.model < b.model ? -1 : 1)),
    })),
    latency: mergeLatency(windowRollups, () => true),
    latency_by_model: [...models.entries()]
      .map(([pm, model]) => {
        const provider = pm.split('\u0000')[0]!;
        return { key: model, provider, ...mergeLatency(windowRollups, (p, m) => p === provider && m === model) };
      })
      .filter((l) => l.count > 0)
      .sort((a, b) => b.count - a.count),
    events,
  };
}

export function computeAnalytics(input: ComputeInput): Analytics {
  const { now, timeZone } = input;
  const asOf = localDay(now, timeZone);
  const rows = localRows(input.rollups, timeZone);
  const eventRollups = input.eventRollups ?? [];
  const windowOf = (days: number) =>
    computeWindow(days, asOf, rows, input.rollups, timeZone, computeEventWindows(eventRollups, asOf, days, timeZone));
  const windows = perWindow((name) => windowOf(WINDOWS[name]));
  const tolerance = input.reconcileTolerance ?? 0.02;
  const reconciliationRows = computeReconciliation(input.rollups, addDays(asOf, -29), asOf, tolerance);

  const monthFrom = monthStart(asOf);
  const mtd = emptySums();
  for (const r of rows) if (r.day >= monthFrom && r.day <= asOf) addSums(mtd, r.row);
  const daysElapsed = Number(asOf.slice(8, 10));
  const monthDays = daysInMonth(asOf);
  const burn7 = windows['7d'].burn_rate_usd_per_day;
  const from7 = windows['7d'].from;
  const budgets = (input.budgets ?? []).map((budget) => {
    let spent = 0;
    let today = 0;
    let last7 = 0;
    const byDay = new Map<string, number>();
    for (const r of rows) {
      if (r.day > asOf || !inScope(budget.scope, r.row)) continue;
      if (r.day >= monthFrom) {
        spent += r.row.cost_usd;
        byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.row.cost_usd);
      }
      if (r.day === asOf) today += r.row.cost_usd;
      if (r.day >= from7) last7 += r.row.cost_usd;
    }
    return budgetStatus(budget, {
      asOf,
      daysInMonth: daysInMonth(asOf),
      spentMonthToDate: spent,
      spentToday: today,
      burnRate7d: last7 / 7,
      spentByDay: [...byDay].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    });
  });
  const allDays = dayRange(windows['90d'].from, asOf);
  const checkDays = dayRange(from7, asOf);
  const anomalyOptions = input.anomalyOptions ?? defaultAnomalyOptions;
  const anomalies = [
    ...detectAnomalies(
      'model',
      dailyCostSeries(rows, (r) => r.model),
      allDays,
      checkDays,
      anomalyOptions,
    ),
    ...detectAnomalies(
      'project',
      dailyCostSeries(rows, (r) => r.project),
      allDays,
      checkDays,
      anomalyOptions,
    ),
  ].sort((a, b) => b.jump_usd - a.jump_usd);

  // Last 48 local hours, including empty ones.
  const hourly = new Map<string, UsageSums>();
  for (let i = 47; i >= 0; i--) hourly.set(localHour(new Date(now.getTime() - i * 3_600_000), timeZone), emptySums());
  for (const r of rows) {
    const h = hourly.get(r.hour);
    if (h) addSums(h, r.row);
  }

  const longest = windows['90d'];
  const inLongest = input.rollups.filter((r) => r.day >= addDays(longest.from, -1) && r.day <= addDays(asOf, 1));
  const unpricedModels = new Map<string, { model: string; provider: string; records: number; tokens: number }>();
  for (const r of rows) {
    if (r.day < longest.from || r.day > asOf || r.row.unpriced_records === 0) continue;
    const key = `${r.row.provider}\u0000${r.row.model}`;
    const u = unpricedModels.get(key) ?? { model: r.row.model, provider: r.row.provider, records: 0, tokens: 0 };
    u.records += r.row.unpriced_records;
    u.tokens += r.row.unpriced_tokens;
    unpricedModels.set(key, u);
  }
  // Rollups are per UTC day; a window takes the days whose midday falls inside it (as latency does).
  const tablesOf = (w: AnalyticsWindow) => [
    ...new Set(
      input.rollups
        .filter((r) => {
          const day = localDay(new Date(`${r.day}T12:00:00Z`), timeZone);
          return day >= w.from && day <= w.to && r.rows.length > 0;
        })
        .sort((a, b) => a.day.localeCompare(b.day))
        .map((r) => r.price_table),
    ),
  ];

  return {
    schema_version: 1,
    generated_at: now.toISOString(),
    as_of: asOf,
    timezone: timeZone,
    currency: 'USD',
    price_table: input.priceTable,
    windows,
    hourly: [...hourly.entries()].map(([hour, s]) => ({ hour, ...toTotals(s) })),
    month_to_date: {
      month: asOf.slice(0, 7),
      from: monthFrom,
      to: asOf,
      days_elapsed: daysElapsed,
      days_in_month: monthDays,
      cost_usd: mtd.cost_usd,
      burn_rate_usd_per_day: burn7,
      forecast_usd: mtd.cost_usd + burn7 * (monthDays - daysElapsed),
      budgets,
    },
    anomalies,
    reconciliation: { tolerance, flagged: reconciliationRows.filter((r) => r.flagged).length, rows: reconciliationRows },
    data_quality: {
      budgets_error: input.budgetsError ?? null,
      quarantined_lines: inLongest.reduce((a, r) => a + r.stats.quarantined_lines, 0),
      duplicates_dropped: inLongest.reduce((a, r) => a + r.stats.duplicates, 0),
      invalid_lake_lines: inLongest.reduce((a, r) => a + r.stats.invalid_lines, 0),
      failed_days: [...(input.failedDays ?? [])],
      refused_records: inLongest.reduce((a, r) => a + (r.stats.refused_records ?? 0), 0),
      unpriced_records: longest.totals.unpriced_records,
      unpriced_tokens: longest.totals.unpriced_tokens,
      unpriced_models: [...unpricedModels.values()].sort((a, b) => b.tokens - a.tokens || a.model.localeCompare(b.model)),
      price_tables: perWindow((name) => tablesOf(windows[name])),
      sources: input.statuses
        .map((s) => ({
          source: s.source,
          machine: s.machine,
          last_run_at: s.last_run_at,
          last_success_at: s.last_success_at,
          // Read-key holders see this: a status written before redaction existed is cleaned here too.
          last_error: s.last_error === null ? null : redactKeyShapes(s.last_error),
          last_error_at: s.last_error_at,
          ok: s.last_error === null,
        }))
        .sort((a, b) => a.source.localeCompare(b.source)),
      unfinished_syncs: [...(input.unfinishedSyncs ?? [])],
    },
  };
}
