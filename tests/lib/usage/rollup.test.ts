import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { makeRecord } from '../../../lib/usage/record.ts';
import { buildDailyRollup, parseRollupFast, rollupIsCurrent, rollupSchema } from '../../../lib/usage/rollup.ts';
import { allPaths, applyMutations, mutation } from '../../support/contract-mutations.ts';

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

  it('accepts exactly what the schema accepts, under any change or deletion anywhere, and the ones analyze writes', () => {
    expect(parseRollupFast(built)).not.toBeNull();
    const odd = fc.oneof(
      fc.constantFrom(null, -1, 1.5, 24, '', 'x', true, [], {}, Number.NaN, [[1, 0]], [[1.5, 2]], [[2 ** 60, 1]], 2 ** 60, 0.02),
      fc.string(),
      fc.integer(),
      fc.double(),
    );
    // Paths read off the built rollup itself: every key at every depth, each set, deleted or joined
    // by an unknown key. The check and the schema must agree both ways; where both accept, they give
    // the same rollup (the fast check returns the document as is, so unknown keys are left out of
    // that comparison: zod drops them).
    fc.assert(
      fc.property(fc.array(mutation(built, odd), { minLength: 1, maxLength: 3 }), (mutations) => {
        const r = applyMutations(built, mutations);
        const fast = parseRollupFast(r);
        const schema = rollupSchema.safeParse(r);
        expect(fast !== null).toBe(schema.success);
        if (schema.success && !mutations.some((m) => m.path.includes('extra_key'))) expect(fast).toEqual(schema.data);
      }),
      { numRuns: 4000, seed: 3 },
    );
  });

  it('refuses a rollup without any one of its required fields, as the schema does', () => {
    const optional = new Set(['stats.refused_records', 'stats.refused']);
    for (const path of allPaths(built)) {
      const inArray = path.some((p) => typeof p === 'number');
      if (inArray || optional.has(path.join('.'))) continue;
      const r = applyMutations(built, [{ path, delete: true }]);
      expect(parseRollupFast(r), path.join('.')).toBeNull();
      expect(rollupSchema.safeParse(r).success, path.join('.')).toBe(false);
    }
  });

  it('refuses a day that is not a real calendar day, and keeps the bytes of a good one', () => {
    expect(rollupSchema.parse(built)).toEqual(built);
    for (const day of ['2026-02-30', '2026-13-01', '1999-12-31', '26-03-01']) {
      const r = { ...built, day };
      expect(parseRollupFast(r), day).toBeNull();
      expect(rollupSchema.safeParse(r).success, day).toBe(false);
    }
  });
});
