// Daily cost stacked by model: the chart, its text for screen readers, and the same numbers as a
// table. The most expensive models are drawn one by one, the rest summed into "other models".

import type { Analytics, AnalyticsWindow } from '../api-types.ts';
import { renderStackedBars, type StackedSeries } from '../charts.ts';
import { dataTable, h } from '../dom.ts';
import { formatDay, formatDayLong, formatUsd, formatUsdShort } from '../format.ts';
import { costCell, MODEL_COLORS, type MountChart, modelColors, OTHER_COLOR, section, windowLabel } from './panel.ts';

/** Models drawn individually in the stacked chart; the rest are summed into "other models". */
const MAX_CHART_MODELS = 8;

type Day = AnalyticsWindow['daily'][number];

interface ModelSeries extends StackedSeries {
  key: string;
}

function costOfModel(day: Day, model: string): number {
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

export function costChartSection(a: Analytics, w: AnalyticsWindow, mount: MountChart): HTMLElement {
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
      { header: 'Day', cell: (d: Day) => formatDayLong(d.day) },
      { header: 'Total', numeric: true, cell: (d) => costCell(d), raw: (d) => d.cost_usd },
      ...series.map((s) => ({
        header: s.label,
        numeric: true,
        cell: (d: Day) => formatUsd(s.values[w.daily.indexOf(d)] ?? 0),
        raw: (d: Day) => s.values[w.daily.indexOf(d)] ?? 0,
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
