// What the dashboard's panels share: the panel frame, the label of the window on show, a colour
// per model that is the same in every window, and the cost cell that never shows unpriced usage as
// $0. Each panel is its own module beside this one; render-window.ts lays them out.

import type { Analytics, AnalyticsWindow } from '../api-types.ts';
import { type ChartHandle, PALETTE } from '../charts.ts';
import { type Child, fragment, h } from '../dom.ts';
import { formatDay, formatUsd } from '../format.ts';

/** Registers a chart to create once the panels are in the document (a chart measures its container). */
export type MountChart = (create: () => ChartHandle) => void;

export const OTHER_COLOR = '#7F7F7F';
export const MODEL_COLORS = PALETTE.filter((c) => c !== OTHER_COLOR);

export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}

/** Windows of a custom range (GET /v1/window), which are not "the last N days". */
const customWindows = new WeakSet<AnalyticsWindow>();

export function markCustomWindow(w: AnalyticsWindow): void {
  customWindows.add(w);
}

export function isCustomWindow(w: AnalyticsWindow): boolean {
  return customWindows.has(w);
}

export function windowLabel(w: AnalyticsWindow): string {
  if (isCustomWindow(w)) return `${formatDay(w.from)} – ${formatDay(w.to)} · ${w.days} ${w.days === 1 ? 'day' : 'days'}`;
  return `Last ${w.days} days · ${formatDay(w.from)} – ${formatDay(w.to)}`;
}

/** A colour per model that stays the same across windows (ranked by 90-day cost). */
export function modelColors(a: Analytics): Map<string, string> {
  const colors = new Map<string, string>();
  a.windows['90d'].by_model.forEach((m, i) => {
    colors.set(m.key, MODEL_COLORS[i % MODEL_COLORS.length]!);
  });
  return colors;
}

/** A cost that leaves out unpriced usage says so, never a bare $0.00 for it. */
export function costCell(r: { cost_usd: number; records: number; unpriced_records: number }): Node | string {
  if (r.unpriced_records === 0) return formatUsd(r.cost_usd);
  if (r.unpriced_records >= r.records) return h('span', { class: 'badge badge-warning' }, 'no price');
  return fragment(formatUsd(r.cost_usd), h('span', { class: 'muted' }, ' + unpriced'));
}
