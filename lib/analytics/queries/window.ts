// GET /v1/window's period: any run of local days [from, to] (the dashboard's custom range), checked
// and turned into the instants that bound it and the UTC days whose rollups it needs. Pure.

import { addDays, daysBetween, utcDaysCovering } from '../../core/calendar.ts';
import { BadRequestError } from '../../core/errors.ts';
import { MAX_PERIOD_DAYS, zonedDayStart } from '../period.ts';

interface LocalDaysWindow {
  from: string;
  to: string;
  /** Local days in the window, both ends included. */
  days: number;
  /** The first instant of `from` and of the day after `to`, in the zone. */
  start: Date;
  end: Date;
  /** The UTC days whose rollups hold the window's hours (a day of margin either side at most). */
  utcDays: string[];
}

/** `from` after `to` is a 400 naming `from`; more than MAX_PERIOD_DAYS days, one naming `to`. */
export function localDaysWindow(from: string, to: string, timeZone: string): LocalDaysWindow {
  if (from > to) throw new BadRequestError('invalid period', [{ field: 'from', reason: 'must not be after "to"' }]);
  const days = daysBetween(from, to) + 1;
  if (days > MAX_PERIOD_DAYS)
    throw new BadRequestError('invalid period', [{ field: 'to', reason: `the range is capped at ${MAX_PERIOD_DAYS} days` }]);
  return {
    from,
    to,
    days,
    start: zonedDayStart(from, timeZone),
    end: zonedDayStart(addDays(to, 1), timeZone),
    utcDays: utcDaysCovering(from, to, timeZone),
  };
}
