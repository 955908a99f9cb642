// A mergeable quantile sketch (the DDSketch algorithm, logarithmic buckets) for latencies.
// Guarantee: every quantile it returns is within ±1 % (RELATIVE_ACCURACY) of the value of the
// exact rank among the values added, however many sketches were merged. Serialised as small JSON
// so rollups stay readable.

import { z } from 'zod';

export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Values at or below this (ms) count as zero. */
const MIN_VALUE = 1e-6;

export const latencySketchSchema = z.object({
  /** Relative accuracy the buckets were built with. */
  a: z.literal(RELATIVE_ACCURACY),
  n: z.int().nonnegative(),
  sum: z.number().nonnegative(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  zeros: z.int().nonnegative(),
  /** [bucket index, count] sorted by index. */
  b: z.array(z.tuple([z.int(), z.int().positive()])),
});
export type LatencySketchData = z.infer<typeof latencySketchSchema>;

export class LatencySketch {
  private buckets = new Map<number, number>();
  private zeros = 0;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(value: number, weight = 1): void {
    if (!Number.isFinite(value) || value < 0 || weight <= 0) return;
    this.count += weight;
    this.sum += value * weight;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= MIN_VALUE) {
      this.zeros += weight;
      return;
    }
    const index = Math.ceil(Math.log(value) / LOG_GAMMA);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + weight);
  }

  merge(other: LatencySketch): void {
    for (const [i, c] of other.buckets) this.buckets.set(i, (this.buckets.get(i) ?? 0) + c);
    this.zeros += other.zeros;
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The value at quantile q (0..1), or null for an empty sketch. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = q * (this.count - 1);
    // The extremes are known exactly.
    if (rank <= 0) return this.min;
    if (rank >= this.count - 1) return this.max;
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    const sorted = [...this.buckets.keys()].sort((x, y) => x - y);
    for (const i of sorted) {
      seen += this.buckets.get(i)!;
      if (seen > rank) {
        const estimate = (2 * GAMMA ** i) / (GAMMA + 1);
        // Clamp to the observed range: exact at the extremes, never outside what was seen.
        return Math.min(Math.max(estimate, this.min), this.max);
      }
    }
    return this.max;
  }

  toJSON(): LatencySketchData {
    return {
      a: RELATIVE_ACCURACY,
      n: this.count,
      sum: this.sum,
      min: this.count > 0 ? this.min : null,
      max: this.count > 0 ? this.max : null,
      zeros: this.zeros,
      b: [...this.buckets.entries()].sort((x, y) => x[0] - y[0]),
    };
  }

  static from(data: LatencySketchData): LatencySketch {
    const s = new LatencySketch();
    s.count = data.n;
    s.sum = data.sum;
    s.zeros = data.zeros;
    if (data.min !== null) s.min = data.min;
    if (data.max !== null) s.max = data.max;
    for (const [i, c] of data.b) s.buckets.set(i, c);
    return s;
  }
}
