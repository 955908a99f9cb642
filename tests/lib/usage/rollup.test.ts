import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPricer } from '../../../lib/pricing/price.ts';
import { makeRecord } from '../../../lib/usage/record.ts';
import { buildDailyRollup, parseRollupFast, rollupIsCurrent, rollupSchema } from '../../../lib/usage/rollup.ts';

const pricer = createPricer();
const base = { source: 'claude-code', provider: 'anthropic', model: 'claude-haiku-4-5', project: 'web', user: 'alice' };

describe('buildDailyRollup', () => {
  it('keeps one record per id (the largest copy), sums by hour and group, and re-prices', () => {
    const records = [
      makeRecord({
        ...base,
        id: 'a'.repeat(32),
        ts: '2026-03-01T10:00:00.000Z',
        input_tokens: 100,
        output_tokens: 10,
        cost_usd: 99,
        cost_source: 'priced',
      }),
      makeRecord({ ...base, id: 'a'.repeat(32), ts: '2026-03-01T10:00:01.000Z', input_tokens: 100, output_tokens: 50 }),
      makeRecord({ ...base, id: 'b'.repeat(32), ts: '2026-03-01T10:30:00.000Z', input_tokens: 1_000_000 }),
      makeRecord({
        ...base,
        id: 'c'.repeat(32),
        ts: '2026-03-01T11:00:00.000Z',
        output_tokens: 1_000_000,
        cost_usd: 4.2,
        cost_source: 'reported',
      }),
    ];
    const r = buildDailyRollup({
      day: '2026-03-01',
      builtAt: 'x',
      pricer,
      inputs: [{ key: 'k', etag: 'e', size: 1, lastModified: null }],
      records,
      invalidLines: 1,
      quarantinedLines: 3,
    });
    expect(rollupSchema.safeParse(r).success).toBe(true);
    expect(r.stats).toEqual({ records: 3, duplicates: 1, invalid_lines: 1, quarantined_lines: 3, refused_records: 0, refused: [] });
    const h10 = r.rows.find((row) => row.hour === 10)!;
    expect(h10.output_tokens).toBe(50);
    expect(h10.input_tokens).toBe(1_000_100);
    // Priced from the table, not the stale 99 in the line: (1,000,100 × 1 + 50 × 5) / 1e6
    expect(h10.cost_usd).toBeCloseTo(1.00035, 10);
    const h11 = r.rows.find((row) => row.hour === 11)!;
    expect(h11.cost_usd).toBe(4.2);
    expect(h11.reported_cost_usd).toBe(4.2);
    expect(h11.reported_priced_usd).toBeCloseTo(5, 10);
    expect(r.latency[0]?.peak_rpm).toBe(1);
  });

  it('is current only for the same inputs and price table', () => {
    const r = buildDailyRollup({
      day: '2026-03-01',
      builtAt: 'x',
      pricer,
      inputs: [{ key: 'k', etag: 'e', size: 1, lastModified: null }],
      records: [],
      invalidLines: 0,
      quarantinedLines: 0,
    });
    const same = [{ key: 'k', etag: 'e', size: 1, lastModified: null }];
    expect(rollupIsCurrent(r, same, r.price_table)).toBe(true);
    expect(rollupIsCurrent(r, [{ ...same[0]!, etag: 'f' }], r.price_table)).toBe(false);
    expect(rollupIsCurrent(r, [...same, { key: 'k2', etag: 'e', size: 1, lastModified: null }], r.price_table)).toBe(false);
    expect(rollupIsCurrent(r, same, 'other-table')).toBe(false);
  });
});

describe('parseRollupFast', () => {
  it('never accepts a rollup the schema rejects, and accepts the ones analyze writes', () => {
    const records = [0, 1, 2].map((i) =>
      makeRecord({
        ...base,
        id: String(i).repeat(32),
        ts: `2026-03-01T1${i}:00:00.000Z`,
        input_tokens: 100 * (i + 1),
        latency_ms: 1000 * (i + 1),
      }),
    );
    const built = JSON.parse(
      JSON.stringify(
        buildDailyRollup({ day: '2026-03-01', builtAt: 'x', pricer, inputs: [], records, invalidLines: 0, quarantinedLines: 0 }),
      ),
    );
    expect(parseRollupFast(built)).not.toBeNull();
    const odd = fc.oneof(
      fc.constantFrom(null, -1, 1.5, 24, '', 'x', true, [], {}, Number.NaN, [[1, 0]], [[1.5, 2]], [[2 ** 60, 1]], 2 ** 60, 0.02),
      fc.string(),
      fc.integer(),
      fc.double(),
    );
    const paths = [
      'schema_version',
      'day',
      'built_at',
      'inputs',
      'rows',
      'latency',
      'stats',
      'stats.records',
      'rows.0.hour',
      'rows.0.cost_usd',
      'rows.0.input_tokens',
      'rows.0.project',
      'rows.0.model',
      'latency.0.sketch',
      'latency.0.sketch.a',
      'latency.0.sketch.b',
      'latency.0.sketch.min',
      'latency.0.peak_rpm',
      'inputs.0',
    ];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), odd), { maxLength: 3 }), (changes) => {
        const r = structuredClone(built);
        for (const [path, value] of changes) {
          const parts = path.split('.');
          let target: Record<string, unknown> | undefined = r;
          for (const p of parts.slice(0, -1))
            target = typeof target?.[p] === 'object' && target[p] !== null ? (target[p] as Record<string, unknown>) : undefined;
          if (target) target[parts[parts.length - 1]!] = value;
        }
        if (parseRollupFast(r) !== null) expect(rollupSchema.safeParse(r).success).toBe(true);
      }),
      { numRuns: 3000, seed: 3 },
    );
  });
});
