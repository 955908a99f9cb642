// Lays out the dashboard for one window of the analytics document: warnings first (never hidden),
// headline numbers, daily cost by model, anomalies, budgets, top projects and users, tokens by
// kind, models, latency and source health, one module per panel under sections/. Every number is
// real text; the ones a test or a tool may want to read back carry their unformatted value in
// `data-raw`.

import type { Analytics, AnalyticsWindow, WindowName } from './api-types.ts';
import type { ChartHandle } from './charts.ts';
import { type Child, h } from './dom.ts';
import { formatAge, formatDayLong, formatInstant, formatUsd } from './format.ts';
import { anomaliesSection } from './sections/anomalies.ts';
import { modelsSection, projectsAndUsersSection } from './sections/breakdowns.ts';
import { budgetsSection } from './sections/budgets.ts';
import { costChartSection } from './sections/daily-cost.ts';
import { headlineSection } from './sections/headline.ts';
import { latencySection } from './sections/latency.ts';
import { markCustomWindow } from './sections/panel.ts';
import { sourcesSection } from './sections/sources.ts';
import { tokensSection } from './sections/tokens.ts';
import { warningsSection } from './sections/warnings.ts';

export interface RenderedWindow {
  /** Text for the header: what the data covers and how fresh it is. */
  freshness: Child[];
  titleCost: string;
  destroy(): void;
}

/**
 * Renders a window of the document, or with `custom` a window of any days read from GET
 * /v1/window (the same shape); budgets, anomalies and sources are the document's either way.
 * `now` is the viewer's clock (ms).
 */
export function renderWindow(root: HTMLElement, a: Analytics, name: WindowName, now: number, custom?: AnalyticsWindow): RenderedWindow {
  if (custom) markCustomWindow(custom);
  const w = custom ?? a.windows[name];
  const mounts: Array<() => ChartHandle> = [];
  const mount = (create: () => ChartHandle) => mounts.push(create);
  root.replaceChildren();
  const parts: Array<HTMLElement | null> = [
    warningsSection(a),
    headlineSection(a, w),
    costChartSection(a, w, mount),
    anomaliesSection(a, w),
    budgetsSection(a),
    projectsAndUsersSection(w),
    tokensSection(w, mount),
    modelsSection(a, w),
    latencySection(w),
    sourcesSection(a, now),
  ];
  for (const p of parts) if (p) root.appendChild(p);
  // Charts measure their container, so they are created once the sections are in the document.
  const charts = mounts.map((create) => create());
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
