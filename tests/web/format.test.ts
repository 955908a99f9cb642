// Number and time formatting on the dashboard: what a person reads.

import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatCompact,
  formatDay,
  formatDayLong,
  formatInstant,
  formatInt,
  formatMs,
  formatShare,
  formatUsd,
  formatUsdShort,
} from '../../web/format.ts';

/** ICU puts a narrow no-break space before AM/PM; compare with plain spaces. */
const plain = (s: string) => s.replace(/\u202f/g, ' ');

describe('money', () => {
  it('shows dollars and cents with thousands separators; a sliver under a cent is not $0.00', () => {
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(1_000_000)).toBe('$1,000,000.00');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.004)).toBe('<$0.01');
    expect(formatUsd(0.005)).toBe('$0.01');
  });

  it('keeps axis labels short', () => {
    expect(formatUsdShort(0)).toBe('$0');
    expect(formatUsdShort(2.5)).toBe('$2.5');
    expect(formatUsdShort(12)).toBe('$12');
    expect(formatUsdShort(1500)).toBe('$1.5 k');
  });
});

describe('counts', () => {
  it('abbreviates like the CLI (one decimal, spaced unit)', () => {
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(1500)).toBe('1.5 k');
    expect(formatCompact(12_345_678)).toBe('12.3 M');
    expect(formatCompact(2_500_000_000)).toBe('2.5 B');
    expect(formatInt(12402)).toBe('12,402');
  });

  it('shows shares and latencies', () => {
    expect(formatShare(0.45496)).toBe('45.5%');
    expect(formatShare(0.0004)).toBe('<0.1%');
    expect(formatShare(0)).toBe('0.0%');
    expect(formatMs(850.4)).toBe('850 ms');
    expect(formatMs(4583.56)).toBe('4.58 s');
    expect(formatMs(90_000)).toBe('1.5 min');
    expect(formatMs(null)).toBe('—');
  });
});

describe('days and instants', () => {
  it('labels a calendar day without shifting it', () => {
    expect(formatDay('2026-11-17')).toBe('Nov 17');
    expect(formatDayLong('2026-11-23')).toBe('Mon, Nov 23, 2026');
    expect(formatDay('garbage')).toBe('garbage');
  });

  it('shows an instant in the given zone with the zone named', () => {
    expect(plain(formatInstant('2026-11-23T10:00:00.000Z', 'Europe/Berlin'))).toBe('Nov 23, 2026, 11:00 AM GMT+1');
    expect(plain(formatInstant('2026-07-01T10:00:00.000Z', 'America/New_York'))).toBe('Jul 1, 2026, 6:00 AM EDT');
    expect(plain(formatInstant('2026-11-23T10:00:00.000Z', 'UTC'))).toBe('Nov 23, 2026, 10:00 AM UTC');
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(formatAge('2026-11-23T09:59:30Z', now)).toBe('just now');
    expect(formatAge('2026-11-23T09:55:00Z', now)).toBe('5 min ago');
    expect(formatAge('2026-11-23T07:00:00Z', now)).toBe('3 h ago');
    expect(formatAge('2026-11-21T10:00:00Z', now)).toBe('2 d ago');
    expect(formatAge('2026-11-23T10:05:00Z', now)).toBe('in the future');
  });
});
