// Tokens by kind (uncached input, output, cache write, cache read): the window's split with a
// share bar each, a daily stacked chart, and the numbers as a table.

import type { AnalyticsWindow } from '../api-types.ts';
import { PALETTE, renderStackedBars } from '../charts.ts';
import { dataTable, h, meter } from '../dom.ts';
import { formatCompact, formatDay, formatDayLong, formatInt, formatShare } from '../format.ts';
import { type MountChart, section, windowLabel } from './panel.ts';

const TOKEN_KINDS = [
  { field: 'input_tokens', label: 'Input (uncached)' },
  { field: 'output_tokens', label: 'Output' },
  { field: 'cache_creation_tokens', label: 'Cache write' },
  { field: 'cache_read_tokens', label: 'Cache read' },
] as const;

type Day = AnalyticsWindow['daily'][number];

export function tokensSection(w: AnalyticsWindow, mount: MountChart): HTMLElement {
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
      { header: 'Day', cell: (d: Day) => formatDayLong(d.day) },
      ...TOKEN_KINDS.map((k) => ({
        header: k.label,
        numeric: true,
        cell: (d: Day) => formatInt(d[k.field]),
        raw: (d: Day) => d[k.field],
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
