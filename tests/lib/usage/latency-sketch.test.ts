import { describe, expect, it } from 'vitest';
import { LatencySketch, RELATIVE_ACCURACY } from '../../../lib/usage/latency-sketch.ts';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

describe('LatencySketch', () => {
  it('answers percentiles within the stated relative error after merging many sketches', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const values: number[] = [];
    const merged = new LatencySketch();
    for (let s = 0; s < 30; s++) {
      const part = new LatencySketch();
      for (let i = 0; i < 1000; i++) {
        // Log-normal-ish latencies from 50 ms to a few minutes.
        const v = Math.exp(4 + rand() * 7);
        values.push(v);
        part.add(v);
      }
      // Round-trip through JSON as rollups do.
      merged.merge(LatencySketch.from(JSON.parse(JSON.stringify(part.toJSON()))));
    }
    values.sort((a, b) => a - b);
    expect(merged.count).toBe(30_000);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = exactQuantile(values, q);
      const got = merged.quantile(q)!;
      expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-9);
    }
    expect(merged.quantile(0)).toBe(values[0]);
    expect(merged.quantile(1)).toBe(values[values.length - 1]);
  });

  it('is empty until a value arrives and ignores invalid values', () => {
    const s = new LatencySketch();
    expect(s.quantile(0.5)).toBeNull();
    s.add(Number.NaN);
    s.add(-1);
    expect(s.count).toBe(0);
    s.add(0);
    s.add(100);
    expect(s.count).toBe(2);
    expect(s.quantile(0)).toBe(0);
  });
});
