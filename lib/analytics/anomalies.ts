// Cost anomalies: a day whose cost for a model or project is far above its own trailing baseline.
// Robust to spikes in the baseline: median + k × MAD (scaled to σ) over the previous 28 days.

export interface AnomalyOptions {
  /** How many robust standard deviations above the median count as an anomaly. */
  k: number;
  baselineDays: number;
  /** Ignore jumps smaller than this many dollars (noise on tiny spend). */
  minUsd: number;
  /**
   * Days with spend the baseline needs before a jump is judged: a model or project that just
   * appeared (or a first sync of old logs) has no "usual" to be far from.
   */
  minActiveDays: number;
}

export const defaultAnomalyOptions: AnomalyOptions = { k: 5, baselineDays: 28, minUsd: 1, minActiveDays: 7 };

interface Anomaly {
  day: string;
  dimension: 'model' | 'project';
  key: string;
  cost_usd: number;
  baseline_usd: number;
  /** Scaled MAD of the baseline. */
  spread_usd: number;
  /** cost − baseline. */
  jump_usd: number;
  /** (cost − baseline) / spread, or null when the baseline has no spread. */
  score: number | null;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Scans `checkDays` against the `baselineDays` before each. `series` maps a key to its cost per
 * day (missing days are zero spend).
 */
export function detectAnomalies(
  dimension: Anomaly['dimension'],
  series: ReadonlyMap<string, ReadonlyMap<string, number>>,
  allDays: readonly string[],
  checkDays: readonly string[],
  options: AnomalyOptions = defaultAnomalyOptions,
): Anomaly[] {
  const out: Anomaly[] = [];
  for (const [key, byDay] of series) {
    for (const day of checkDays) {
      const index = allDays.indexOf(day);
      if (index < options.baselineDays) continue; // not enough history to judge
      const baseline = allDays.slice(index - options.baselineDays, index).map((d) => byDay.get(d) ?? 0);
      if (baseline.filter((v) => v > 0).length < options.minActiveDays) continue;
      const cost = byDay.get(day) ?? 0;
      const m = median(baseline);
      const spread = 1.4826 * median(baseline.map((v) => Math.abs(v - m)));
      const jump = cost - m;
      if (jump < options.minUsd) continue;
      // A flat baseline (spread 0) flags any jump above the floor.
      if (spread > 0 && jump <= options.k * spread) continue;
      out.push({
        day,
        dimension,
        key,
        cost_usd: cost,
        baseline_usd: m,
        spread_usd: spread,
        jump_usd: jump,
        score: spread > 0 ? jump / spread : null,
      });
    }
  }
  return out.sort((a, b) => b.jump_usd - a.jump_usd);
}
