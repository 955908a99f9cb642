import { describe, expect, it } from 'vitest';
import { amountOf, attributeMap, countOf, nanosToMs } from '../../../lib/otlp/schema.ts';

describe('OTLP values', () => {
  it('reads counts from ints, whole doubles and decimal strings, and refuses anything inexact', () => {
    expect([countOf(12, 'n'), countOf('12', 'n'), countOf('12.0', 'n'), countOf(undefined, 'n')]).toEqual([
      { ok: true, value: 12 },
      { ok: true, value: 12 },
      { ok: true, value: 12 },
      { ok: true, value: null },
    ]);
    expect(countOf(1.5, 'n')).toEqual({ ok: false, reason: 'n must be a whole number ≥ 0, got 1.5' });
    expect(countOf(Number.NaN, 'n').ok).toBe(false);
    expect(countOf(true, 'n').ok).toBe(false);
    expect(countOf('9007199254740993', 'n')).toEqual({ ok: false, reason: 'n = 9007199254740993 is too large to count exactly' });
  });

  it('reads amounts as finite numbers ≥ 0', () => {
    expect(amountOf('0.0321', 'cost_usd')).toEqual({ ok: true, value: 0.0321 });
    expect(amountOf(-1, 'cost_usd').ok).toBe(false);
    expect(amountOf('', 'cost_usd').ok).toBe(false);
  });

  it('flattens attributes: ints beyond 2^53 keep their digits, lists and maps become JSON, empty values are dropped', () => {
    const map = attributeMap([
      { key: 'a', value: { intValue: '9007199254740993' } },
      { key: 'b', value: { intValue: 42 } },
      { key: 'c', value: { doubleValue: 'NaN' } },
      { key: 'd', value: { arrayValue: { values: [{ stringValue: 'x' }, { boolValue: true }] } } },
      { key: 'e', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
      { key: 'f' },
    ]);
    expect([...map]).toEqual([
      ['a', '9007199254740993'],
      ['b', 42],
      ['c', Number.NaN],
      ['d', '["x",true]'],
      ['e', '{"k":"v"}'],
    ]);
  });

  it('turns nanoseconds into milliseconds exactly, 0 meaning unset', () => {
    expect(nanosToMs('1785578400123999999')).toBe(1785578400123);
    expect(nanosToMs(0)).toBeNull();
    expect(nanosToMs(undefined)).toBeNull();
  });
});
