import { describe, expect, it } from 'vitest';
import { MAX_PERIOD_DAYS } from '../../../../lib/analytics/period.ts';
import { localDaysWindow } from '../../../../lib/analytics/queries/window.ts';
import { BadRequestError } from '../../../../lib/core/errors.ts';

const fieldOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof BadRequestError) return error.details[0]?.field;
    throw error;
  }
  return undefined;
};

describe('localDaysWindow', () => {
  it('bounds the local days by their first instants, in UTC and in a fixed-offset zone', () => {
    const utc = localDaysWindow('2026-03-09', '2026-03-15', 'UTC');
    expect(utc.days).toBe(7);
    expect(utc.start.toISOString()).toBe('2026-03-09T00:00:00.000Z');
    expect(utc.end.toISOString()).toBe('2026-03-16T00:00:00.000Z');
    expect(utc.utcDays).toEqual(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15']);

    // Kolkata is UTC+05:30 all year: local midnight is 18:30 UTC the day before.
    const ist = localDaysWindow('2026-03-09', '2026-03-10', 'Asia/Kolkata');
    expect(ist.days).toBe(2);
    expect(ist.start.toISOString()).toBe(new Date(Date.parse('2026-03-09T00:00:00Z') - 330 * 60_000).toISOString());
    expect(ist.end.toISOString()).toBe(new Date(Date.parse('2026-03-11T00:00:00Z') - 330 * 60_000).toISOString());
    // The UTC days the window's hours fall in (18:30 on the 8th to 18:30 on the 10th) are all loaded;
    // the list may hold a day of margin on either side (event rollups are filtered by local day).
    for (const day of ['2026-03-08', '2026-03-09', '2026-03-10']) expect(ist.utcDays).toContain(day);
    for (const day of ist.utcDays) expect(day >= '2026-03-07' && day <= '2026-03-11').toBe(true);
  });

  it('takes one day, and the longest range allowed', () => {
    expect(localDaysWindow('2026-03-09', '2026-03-09', 'UTC').days).toBe(1);
    const from = '2025-01-01';
    const to = new Date(Date.parse(`${from}T00:00:00Z`) + (MAX_PERIOD_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    expect(localDaysWindow(from, to, 'UTC').days).toBe(MAX_PERIOD_DAYS);
  });

  it('answers a reversed range naming from, and one day too many naming to', () => {
    expect(fieldOf(() => localDaysWindow('2026-03-15', '2026-03-01', 'UTC'))).toBe('from');
    const from = '2025-01-01';
    const to = new Date(Date.parse(`${from}T00:00:00Z`) + MAX_PERIOD_DAYS * 86_400_000).toISOString().slice(0, 10);
    expect(fieldOf(() => localDaysWindow(from, to, 'UTC'))).toBe('to');
  });
});
