// The day string as a zod contract, for the schemas of routes and events. Kept apart from
// lib/core/calendar.ts, which every CLI start loads: zod costs ~40 ms to load, and the plain date
// helpers must not bring it in.

import { z } from 'zod';
import { FIRST_DAY, isInCalendar, isValidDay, LAST_DAY } from './calendar.ts';

/** A real calendar day inside FIRST_DAY … LAST_DAY, e.g. `"2026-08-01"` (UTC unless a route says local). */
export const utcDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD')
  .refine((s) => isValidDay(s), 'not a real calendar day')
  .refine((s) => isInCalendar(s), `must lie between ${FIRST_DAY} and ${LAST_DAY}`);
