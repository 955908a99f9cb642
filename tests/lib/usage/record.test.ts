import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRecord, parseUsageRecordFast, recordId, serializeRecord, usageRecordSchema } from '../../../lib/usage/record.ts';
import { applyMutations, mutation } from '../../support/contract-mutations.ts';

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

  it('accepts exactly what the schema accepts, with the same value, under any change or deletion of any field', () => {
    const line: Record<string, unknown> = JSON.parse(serializeRecord(good));
    fc.assert(
      fc.property(fc.array(mutation(line, fieldValue), { minLength: 1, maxLength: 4 }), (mutations) => {
        const changed = applyMutations(line, mutations);
        const fast = parseUsageRecordFast(changed);
        const schema = usageRecordSchema.safeParse(changed);
        expect(fast !== null).toBe(schema.success);
        if (schema.success) expect(fast).toEqual(schema.data);
      }),
      { numRuns: 6000, seed: 5 },
    );
  });

  it('refuses a line without any one of its fields, as the schema does', () => {
    const line: Record<string, unknown> = JSON.parse(serializeRecord(good));
    const keys = Object.keys(line);
    expect(keys).toHaveLength(22);
    for (const key of keys) {
      const { [key]: _dropped, ...without } = line;
      expect(parseUsageRecordFast(without), key).toBeNull();
      expect(usageRecordSchema.safeParse(without).success, key).toBe(false);
    }
  });

  it('writes every field in the contract order, whatever order the record holds them in', () => {
    const reversed = Object.fromEntries(Object.entries(good).reverse()) as typeof good;
    expect(serializeRecord(reversed)).toBe(
      '{"id":"' +
        good.id +
        '","ts":"2026-03-01T10:00:00.123Z","source":"claude-code","provider":"anthropic","model":"claude-haiku-4-5",' +
        '"project":null,"user":null,"session":null,"machine":null,"api_key":null,"workspace":null,"service_tier":null,' +
        '"input_tokens":5,"output_tokens":0,"cache_creation_tokens":0,"cache_creation_1h_tokens":0,"cache_read_tokens":0,' +
        '"requests":1,"cost_usd":null,"cost_source":"unpriced","latency_ms":null,"bucket_seconds":null}',
    );
  });
});
