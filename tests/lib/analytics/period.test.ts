import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  alignToHours,
  bucketOf,
  bucketsOf,
  MAX_PERIOD_DAYS,
  type Period,
  periodQueryShape,
  previousPeriod,
  resolvePeriod,
  zonedDayStart,
} from '../../../lib/analytics/period.ts';
import { BadRequestError } from '../../../lib/core/errors.ts';

const now = new Date('2026-03-15T12:34:56.000Z');
const iso = (p: Period) => [p.start.toISOString(), p.end.toISOString()];

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof BadRequestError) return error.details[0]?.field;
    throw error;
  }
  return undefined;
}

describe('resolvePeriod', () => {
  it('defaults to the 30 local days ending today', () => {
    const p = resolvePeriod({}, now, 'UTC');
    expect(iso(p)).toEqual(['2026-02-14T00:00:00.000Z', '2026-03-16T00:00:00.000Z']);
    expect(p.window).toBe('30d');
  });

  it('takes a window in the configured zone, across a daylight-saving change', () => {
    // New York moved to EDT (−4) on 2026-03-08; 2026-03-09 starts at 04:00Z, 2026-02-14 at 05:00Z (EST).
    expect(iso(resolvePeriod({ window: '7d' }, now, 'America/New_York'))).toEqual(['2026-03-09T04:00:00.000Z', '2026-03-16T04:00:00.000Z']);
    expect(iso(resolvePeriod({ window: '30d' }, now, 'America/New_York'))[0]).toBe('2026-02-14T05:00:00.000Z');
  });

  it('reads days as local days inclusive at both ends', () => {
    expect(iso(resolvePeriod({ from: '2026-03-01', to: '2026-03-03' }, now, 'UTC'))).toEqual([
      '2026-03-01T00:00:00.000Z',
      '2026-03-04T00:00:00.000Z',
    ]);
    expect(iso(resolvePeriod({ from: '2026-03-01', to: '2026-03-01' }, now, 'Asia/Kolkata'))).toEqual([
      '2026-02-28T18:30:00.000Z',
      '2026-03-01T18:30:00.000Z',
    ]);
  });

  it('reads instants exactly, with offsets, and mixes them with days', () => {
    expect(iso(resolvePeriod({ from: '2026-03-01T10:15:00+02:00', to: '2026-03-01T12:00:00Z' }, now, 'UTC'))).toEqual([
      '2026-03-01T08:15:00.000Z',
      '2026-03-01T12:00:00.000Z',
    ]);
    expect(iso(resolvePeriod({ from: '2026-03-01T06:00:00Z', to: '2026-03-02' }, now, 'UTC'))).toEqual([
      '2026-03-01T06:00:00.000Z',
      '2026-03-03T00:00:00.000Z',
    ]);
  });

  it('fills a missing end with the end of today and a missing start with 30 days before the end', () => {
    expect(iso(resolvePeriod({ from: '2026-03-10' }, now, 'UTC'))).toEqual(['2026-03-10T00:00:00.000Z', '2026-03-16T00:00:00.000Z']);
    expect(iso(resolvePeriod({ to: '2026-03-10' }, now, 'UTC'))).toEqual(['2026-02-09T00:00:00.000Z', '2026-03-11T00:00:00.000Z']);
    expect(iso(resolvePeriod({ to: '2026-03-10T06:00:00Z' }, now, 'UTC'))).toEqual([
      '2026-02-08T06:00:00.000Z',
      '2026-03-10T06:00:00.000Z',
    ]);
  });

  it('accepts an empty instant range (from = to)', () => {
    const p = resolvePeriod({ from: '2026-03-01T00:00:00Z', to: '2026-03-01T00:00:00Z' }, now, 'UTC');
    expect(p.end.getTime() - p.start.getTime()).toBe(0);
  });

  it('refuses from after to on the field from', () => {
    expect(fieldOf(() => resolvePeriod({ from: '2026-03-10', to: '2026-03-09' }, now, 'UTC'))).toBe('from');
    expect(fieldOf(() => resolvePeriod({ from: '2026-03-01T00:00:01Z', to: '2026-03-01T00:00:00Z' }, now, 'UTC'))).toBe('from');
    expect(fieldOf(() => resolvePeriod({ from: '2026-04-01' }, now, 'UTC'))).toBe('from');
  });

  it(`caps the range at ${MAX_PERIOD_DAYS} days, naming the field given`, () => {
    // 2025-02-10 … 2026-03-16 is exactly 400 days; one more day is refused.
    expect(resolvePeriod({ from: '2025-02-10', to: '2026-03-16' }, now, 'UTC').start.toISOString()).toBe('2025-02-10T00:00:00.000Z');
    expect(fieldOf(() => resolvePeriod({ from: '2025-02-09', to: '2026-03-16' }, now, 'UTC'))).toBe('to');
    expect(fieldOf(() => resolvePeriod({ from: '2020-01-01' }, now, 'UTC'))).toBe('from');
    // 2024-10-25 … 2025-11-28 in New York holds two autumn changes and one spring change: 400 local
    // days are 400 days and one hour, still accepted.
    const dst = resolvePeriod({ from: '2024-10-25', to: '2025-11-28' }, now, 'America/New_York');
    expect(dst.end.getTime() - dst.start.getTime()).toBe(400 * 86_400_000 + 3_600_000);
  });

  it('refuses a window combined with from or to on the field window', () => {
    expect(fieldOf(() => resolvePeriod({ window: '7d', from: '2026-03-01' }, now, 'UTC'))).toBe('window');
    expect(fieldOf(() => resolvePeriod({ window: '7d', to: '2026-03-01' }, now, 'UTC'))).toBe('window');
  });
});

describe('the period query schema', () => {
  const schema = z.strictObject(periodQueryShape);
  it.each([
    ['from', '2026-02-30'],
    ['from', '2026-3-1'],
    ['from', 'yesterday'],
    ['to', '2026-03-01T00:00:00'],
    ['to', '2026-03-01T24:00:00Z'],
    ['window', '14d'],
  ])('refuses %s=%s', (field, value) => {
    const parsed = schema.safeParse({ [field]: value });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual([field]);
  });

  it.each([['2024-02-29'], ['2026-03-01T00:00:00Z'], ['2026-03-01T00:00:00.123+05:30']])('accepts %s', (value) => {
    expect(schema.safeParse({ from: value }).success).toBe(true);
  });
});

describe('zonedDayStart', () => {
  it.each([
    ['2026-03-15', 'UTC', '2026-03-15T00:00:00.000Z'],
    ['2026-03-15', 'Europe/Paris', '2026-03-14T23:00:00.000Z'],
    ['2026-07-15', 'Europe/Paris', '2026-07-14T22:00:00.000Z'],
    ['2026-03-15', 'Asia/Kathmandu', '2026-03-14T18:15:00.000Z'],
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z'],
    ['2026-03-09', 'America/New_York', '2026-03-09T04:00:00.000Z'],
  ])('%s in %s starts at %s', (day, zone, instant) => {
    expect(zonedDayStart(day, zone).toISOString()).toBe(instant);
  });
});

describe('period helpers', () => {
  const p: Period = { start: new Date('2026-03-01T09:30:00Z'), end: new Date('2026-03-01T12:10:00Z'), timeZone: 'UTC', window: null };

  it('aligns to whole hours outward', () => {
    expect(iso(alignToHours(p))).toEqual(['2026-03-01T09:00:00.000Z', '2026-03-01T13:00:00.000Z']);
  });

  it('gives the previous period of equal length', () => {
    expect(iso(previousPeriod(p))).toEqual(['2026-03-01T06:50:00.000Z', '2026-03-01T09:30:00.000Z']);
  });

  it('labels weeks by their Monday and months by YYYY-MM in the zone', () => {
    // 2026-03-15 is a Sunday; its ISO week starts Monday 2026-03-09.
    expect(bucketOf(Date.parse('2026-03-15T23:00:00Z'), 'week', 'UTC')).toBe('2026-03-09');
    // 23:00Z on Sunday is already Monday 2026-03-16 in Paris (UTC+1).
    expect(bucketOf(Date.parse('2026-03-15T23:00:00Z'), 'week', 'Europe/Paris')).toBe('2026-03-16');
    expect(bucketOf(Date.parse('2026-02-28T23:00:00Z'), 'month', 'Europe/Paris')).toBe('2026-03');
    expect(bucketOf(Date.parse('2026-02-28T23:00:00Z'), 'hour', 'UTC')).toBe('2026-02-28T23');
  });

  it('lists every bucket of the period once, with its first instant inside the period', () => {
    const days = bucketsOf(
      { start: new Date('2026-03-01T06:00:00Z'), end: new Date('2026-03-04T00:00:00Z'), timeZone: 'UTC', window: null },
      'day',
    );
    expect(days).toEqual([
      { bucket: '2026-03-01', start: Date.parse('2026-03-01T06:00:00Z') },
      { bucket: '2026-03-02', start: Date.parse('2026-03-02T00:00:00Z') },
      { bucket: '2026-03-03', start: Date.parse('2026-03-03T00:00:00Z') },
    ]);
    expect(bucketsOf(alignToHours(p), 'hour').map((b) => b.bucket)).toEqual([
      '2026-03-01T09',
      '2026-03-01T10',
      '2026-03-01T11',
      '2026-03-01T12',
    ]);
  });
});
