import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRecord, parseUsageRecordFast, recordId, serializeRecord, usageRecordSchema } from '../../../lib/usage/record.ts';

const good = makeRecord({
  id: recordId('x'),
  ts: '2026-03-01T10:00:00.123Z',
  source: 'claude-code',
  provider: 'anthropic',
  model: 'claude-haiku-4-5',
  input_tokens: 5,
});

/** Values that probe each rule: valid ones, boundary ones and wrong types. */
const fieldValue = fc.oneof(
  fc.constantFrom(null, 0, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308, '', 'x', 'a'.repeat(513), true, [], {}),
  // Each per-record cap, just inside and just outside.
  fc.constantFrom(1e12, 1e12 + 1, 1e9, 1e9 + 1, 1e6, 1e6 + 0.01, 999_999.99, 1e9 + 0.5),
  fc.constantFrom(
    '2026-02-30T10:00:00Z',
    '2026-02-28T24:00:00Z',
    '2026-02-28T10:00:00+00:00',
    '2026-02-28T10:00:00.5Z',
    '2028-02-29T00:00:00Z',
    '2027-02-29T00:00:00Z',
    // The accepted calendar's edges and just past them.
    '2000-01-01T00:00:00.000Z',
    '1999-12-31T23:59:59.999Z',
    '2100-12-31T23:59:59.999Z',
    '2101-01-01T00:00:00.000Z',
    '9999-12-31T00:00:00.000Z',
  ),
  fc.constantFrom('reported', 'priced', 'unpriced', 'Priced', 'claude-code', 'Bad_Source', '-x'),
  fc.string(),
  fc.integer(),
  fc.double(),
);

describe('parseUsageRecordFast', () => {
  it('accepts the lines tokenlake writes and returns the same record as the schema', () => {
    const line = JSON.parse(serializeRecord(good));
    expect(parseUsageRecordFast(line)).toEqual(usageRecordSchema.parse(line));
  });

  it('never accepts what the schema rejects, and agrees with it where it accepts', () => {
    const keys = Object.keys(good) as Array<keyof typeof good>;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...keys, 'extra'), fieldValue), { maxLength: 4 }),
        fc.subarray(keys, { maxLength: 2 }),
        (changes, dropped) => {
          const line: Record<string, unknown> = { ...JSON.parse(serializeRecord(good)) };
          for (const [k, v] of changes) line[k] = v;
          for (const k of dropped) delete line[k];
          const fast = parseUsageRecordFast(line);
          const schema = usageRecordSchema.safeParse(line);
          if (fast !== null) {
            expect(schema.success).toBe(true);
            expect(fast).toEqual(schema.data);
          }
          // Where the schema accepts the usual shapes, the fast path does too (no needless slow path).
          if (schema.success && typeof line.ts === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(line.ts)) {
            expect(fast).not.toBeNull();
          }
        },
      ),
      { numRuns: 4000, seed: 5 },
    );
  });
});
