import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayRange,
  daysBetween,
  daysInMonth,
  FIRST_DAY,
  isInstantInCalendar,
  isValidDay,
  LAST_DAY,
  localDay,
  localDayOfUtcHour,
  localHour,
  utcDaysCovering,
  utcDaysOfRange,
  wallClock,
} from '../../../lib/core/calendar.ts';
import { utcDaySchema } from '../../../lib/core/calendar-schema.ts';

describe('calendar', () => {
  it('does day arithmetic across month, year and leap-day boundaries', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(dayRange('2026-01-30', '2026-02-02')).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expect(daysInMonth('2028-02-10')).toBe(29);
    expect(daysInMonth('2026-02-10')).toBe(28);
    expect(isValidDay('2026-02-30')).toBe(false);
    expect(isValidDay('2026-13-01')).toBe(false);
  });

  it('puts instants into the local day of a time zone, across DST changes', () => {
    // 2026-03-29 01:30 UTC is 03:30 CEST in Berlin (DST began at 01:00 UTC).
    expect(localDay(new Date('2026-03-28T23:30:00Z'), 'Europe/Berlin')).toBe('2026-03-29');
    expect(localDay(new Date('2026-03-28T22:30:00Z'), 'Europe/Berlin')).toBe('2026-03-28');
    expect(localDayOfUtcHour('2026-11-23T03', 'America/Los_Angeles')).toBe('2026-11-22');
    expect(localDayOfUtcHour('2026-11-23T08', 'America/Los_Angeles')).toBe('2026-11-23');
    expect(utcDaysCovering('2026-11-10', '2026-11-11', 'Asia/Tokyo')).toEqual(['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12']);
  });
});

describe('the accepted calendar', () => {
  const first = Date.parse(`${FIRST_DAY}T00:00:00Z`);
  const span = daysBetween(FIRST_DAY, LAST_DAY);
  const dayAt = (i: number) => new Date(first + i * 86_400_000).toISOString().slice(0, 10);

  it('runs 2000-01-01 … 2100-12-31 (36,890 days) and rejects the days just outside', () => {
    expect(span + 1).toBe(36_890);
    expect(utcDaySchema.safeParse(FIRST_DAY).success).toBe(true);
    expect(utcDaySchema.safeParse(LAST_DAY).success).toBe(true);
    for (const outside of ['1999-12-31', '2101-01-01', '9999-12-31', '0001-01-01'])
      expect(utcDaySchema.safeParse(outside).success).toBe(false);
    expect(isInstantInCalendar(new Date('2100-12-31T23:59:59.999Z'))).toBe(true);
    expect(isInstantInCalendar(new Date('2101-01-01T00:00:00.000Z'))).toBe(false);
    expect(isInstantInCalendar(new Date('1999-12-31T23:59:59.999Z'))).toBe(false);
    expect(isInstantInCalendar(new Date(Number.NaN))).toBe(false);
  });

  it('gives every range inside it exactly its days, counted, in order (edges included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: span }), fc.integer({ min: 0, max: 400 }), (i, length) => {
        const from = dayAt(i);
        const to = dayAt(Math.min(span, i + length));
        const days = dayRange(from, to);
        expect(days.length).toBe(daysBetween(from, to) + 1);
        expect(days[0]).toBe(from);
        expect(days.at(-1)).toBe(to);
        for (let k = 1; k < days.length; k++) expect(addDays(days[k - 1]!, 1)).toBe(days[k]);
        expect(dayRange(to, from).length).toBe(from === to ? 1 : 0);
      }),
      { numRuns: 500, seed: 11 },
    );
    expect(dayRange(FIRST_DAY, LAST_DAY)).toHaveLength(36_890);
    expect(dayRange(LAST_DAY, LAST_DAY)).toEqual([LAST_DAY]);
  });

  it('ends a range past year 9999 instead of looping (the string order breaks there)', () => {
    expect(addDays('9999-12-31', 1) < '9999-12-31').toBe(true); // why a string comparison loops
    expect(dayRange('9999-12-30', '9999-12-31')).toEqual(['9999-12-30', '9999-12-31']);
    expect(() => dayRange('0001-01-01', '9999-12-31')).toThrow(RangeError);
    expect(utcDaysOfRange({ start: new Date('2026-11-23T23:00:00Z'), end: new Date('2026-11-25T00:00:00Z') })).toEqual([
      '2026-11-23',
      '2026-11-24',
    ]);
    expect(utcDaysOfRange({ start: new Date('2026-11-23T00:00:00Z'), end: new Date('2026-11-23T00:00:00Z') })).toEqual([]);
  });
});

describe('wall clock in fixed-offset zones', () => {
  // Zones without daylight saving: the wall clock is the instant shifted by the offset, computed
  // here with plain Date arithmetic (no Intl).
  const zones: Array<[string, number]> = [
    ['Asia/Kolkata', 330],
    ['Asia/Kathmandu', 345],
    ['Etc/GMT+5', -300],
    ['Pacific/Kiritimati', 840],
  ];
  it('gives the shifted hour, minute and second for any instant of the calendar', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2000-01-02T00:00:00Z'), max: Date.parse('2100-12-30T00:00:00Z') }), (t) => {
        for (const [zone, minutes] of zones) {
          const shifted = new Date(t + minutes * 60_000).toISOString();
          const w = wallClock(new Date(t), zone);
          expect(`${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}:${w.second}`).toBe(shifted.slice(0, 19));
          expect(localHour(new Date(t), zone)).toBe(shifted.slice(0, 13));
        }
      }),
      { numRuns: 300 },
    );
  });
});
