// What the query routes share: the period of a request (hour-aligned, since rollups are hourly),
// the limit parser and the 503 a corrupt rollup gives.

import { z } from 'zod';
import { alignToHours, type Period, type PeriodQuery, resolvePeriod } from '../../analytics/period.ts';
import type { RouteContext } from '../contract.ts';

/** The error every rollup-backed route can give besides bad input and keys. */
export const rollupErrors = {
  503: 'A daily rollup of the period is corrupt; the message names the POST /v1/aggregate call that rebuilds it.',
};

/** The request's period against the function's clock and zone, widened to whole hours. */
export function hourPeriodOf(context: Pick<RouteContext, 'deps'>, query: PeriodQuery): Period {
  return alignToHours(resolvePeriod(query, context.deps.now(), context.deps.timeZone));
}

/** Whole numbers as decimal strings, so a limit like 1e3 or 0x10 is refused rather than coerced. */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}
