// Unusual spending: the document's `anomalies`, days whose cost for a model or project jumped far
// above that key's own baseline (the median of the days before it). analyze looks only at the last
// 7 days ending at `as_of`, for every window alike, so the panel lists those inside the window on
// show and says which days were checked — a 90-day window was not searched 90 days back.

import type { Analytics, AnalyticsWindow } from '../api-types.ts';
import { h } from '../dom.ts';
import { formatDay, formatDayLong, formatUsd } from '../format.ts';
import { section } from './panel.ts';

type Anomaly = Analytics['anomalies'][number];

/** `Fri, Nov 20, 2026: model claude-opus-4-7 · $12.50 vs usual $1.25 (+$11.25, 10.0×)`. */
function describeAnomaly(x: Anomaly): string {
  const ratio = x.baseline_usd > 0 ? `, ${(x.cost_usd / x.baseline_usd).toFixed(1)}×` : '';
  return `${formatDayLong(x.day)}: ${x.dimension} ${x.key} · ${formatUsd(x.cost_usd)} vs usual ${formatUsd(x.baseline_usd)} (+${formatUsd(x.jump_usd)}${ratio})`;
}

export function anomaliesSection(a: Analytics, w: AnalyticsWindow): HTMLElement {
  // The days analyze checked: those of the 7-day window.
  const checked = { from: a.windows['7d'].from, to: a.as_of };
  const checkedText = `the last 7 days, ${formatDay(checked.from)} – ${formatDay(checked.to)}`;
  const inWindow = a.anomalies.filter((x) => x.day >= w.from && x.day <= w.to);
  let empty: string;
  if (w.from <= checked.from && w.to >= checked.to) empty = 'No unusual spending in this window.';
  else if (w.to < checked.from || w.from > checked.to)
    empty = `Unusual spending is looked for in ${checkedText} only; this range has none of those days.`;
  else empty = `No unusual spending on the days of this range that were checked (${checkedText}).`;
  return section(
    'anomalies',
    'Anomalies',
    inWindow.length === 0
      ? h('p', { class: 'empty' }, empty)
      : h(
          'ul',
          { class: 'anomalies' },
          ...inWindow.map((x) => h('li', { 'data-key': `${x.day}/${x.dimension}/${x.key}` }, describeAnomaly(x))),
        ),
    h(
      'p',
      { class: 'muted' },
      `A day is unusual when its cost for a model or project is far above that model’s or project’s usual (the median of the days before it); checked for ${checkedText}.`,
    ),
  );
}
