import { describe, expect, it } from 'vitest';
import { addDays, dayRange, daysInMonth, isValidDay, localDay, localDayOfUtcHour, utcDaysCovering } from '../../lib/calendar.ts';

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
