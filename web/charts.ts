// Daily stacked bar charts on uPlot. uPlot was chosen over Chart.js and ECharts because it is the
// smallest of the three (≈50 KB minified, no dependencies, vs ≈200 KB and ≈1 MB), draws thousands
// of points on a canvas without lag, and is actively maintained; we need bars, axes and a legend,
// nothing more. uPlot has no built-in stacking: each series keeps its own value (so the legend and
// the hover read the real per-model number) and bars are drawn from the running sum of the visible
// series below it to the running sum including it (the `disp` y0/y1 facets).

import uPlot from 'uplot';

export interface StackedSeries {
  label: string;
  color: string;
  values: number[];
}

export interface StackedChartInput {
  /** Calendar days (`YYYY-MM-DD`), one per bar. */
  days: string[];
  series: StackedSeries[];
  formatValue: (v: number) => string;
  formatAxis: (v: number) => string;
  formatDay: (day: string) => string;
  /** Text for screen readers (the canvas is an image). */
  ariaLabel: string;
  height?: number;
}

export interface ChartHandle {
  destroy(): void;
}

/** Colours that stay apart for common colour-vision deficiencies (Okabe–Ito plus two). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#7F7F7F', '#8C564B', '#17BECF'];

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Running sums of the visible series up to and including each index (1-based like uPlot's series). */
function stackOf(u: uPlot): number[][] {
  const n = u.data[0].length;
  const sums: number[][] = [new Array<number>(n).fill(0)];
  for (let s = 1; s < u.series.length; s++) {
    const below = sums[s - 1]!;
    const own = u.data[s] as (number | null)[];
    const visible = u.series[s]!.show !== false;
    sums.push(below.map((b, i) => (visible ? b + (own[i] ?? 0) : b)));
  }
  return sums;
}

function total(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function renderStackedBars(container: HTMLElement, input: StackedChartInput): ChartHandle {
  const { days, series } = input;
  const xs = days.map((_, i) => i);
  let stack: number[][] = [];
  const axisColor = cssVar('--muted', '#555');
  const gridColor = cssVar('--grid', 'rgba(0,0,0,0.08)');

  const opts: uPlot.Options = {
    width: Math.max(280, container.clientWidth),
    height: input.height ?? 260,
    hooks: {
      // Restack before every draw, and rebuild every series' bars (not just the toggled one's)
      // when a series is hidden or shown in the legend.
      drawClear: [
        (u) => {
          stack = stackOf(u);
        },
      ],
      setSeries: [(u) => u.redraw(true, true)],
    },
    scales: {
      x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] },
      y: {
        range: (u) => {
          const sums = stackOf(u);
          const top = Math.max(0, ...(sums[sums.length - 1] ?? [0]));
          return [0, top > 0 ? top * 1.08 : 1];
        },
      },
    },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    legend: { live: true },
    axes: [
      {
        stroke: axisColor,
        grid: { show: false },
        ticks: { stroke: gridColor },
        // Whole days only; a label at most every ~60 px.
        incrs: [1, 2, 7, 14, 28],
        space: 60,
        values: (_u, splits) => splits.map((i) => (Number.isInteger(i) && days[i] ? input.formatDay(days[i]!) : '')),
      },
      {
        stroke: axisColor,
        grid: { stroke: gridColor },
        ticks: { show: false },
        size: 64,
        values: (_u, splits) => splits.map((v) => input.formatAxis(v)),
      },
    ],
    series: [
      // Hovering shows that day's values; otherwise the legend shows each series' window total.
      { label: 'Day', value: (_u, i) => (i === null || !days[i] ? `all ${days.length} days` : input.formatDay(days[i]!)) },
      ...series.map(
        (s, k): uPlot.Series => ({
          label: s.label,
          stroke: s.color,
          fill: s.color,
          width: 0,
          points: { show: false },
          value: (_u, v, _si, idx) => input.formatValue(idx === null ? total(s.values) : (v ?? 0)),
          paths: uPlot.paths.bars!({
            size: [0.8, 48],
            disp: {
              y0: { unit: 1, values: () => stack[k]! },
              y1: { unit: 1, values: () => stack[k + 1]! },
            },
          }),
        }),
      ),
    ],
  };
  const plot = new uPlot(opts, [xs, ...series.map((s) => s.values)], container);
  const canvas = plot.root.querySelector('canvas');
  if (canvas) {
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', input.ariaLabel);
  }
  const resize = new ResizeObserver(() => {
    const width = Math.max(280, container.clientWidth);
    if (Math.abs(width - plot.width) > 2) plot.setSize({ width, height: plot.height });
  });
  resize.observe(container);
  return {
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}
