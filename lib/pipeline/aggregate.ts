// Rebuilding a period (POST /v1/aggregate, `tokenlake aggregate`): its rollups from the lake,
// whatever their ETags say, with the price table in force at each record's time — how a price fix
// or a newly priced model corrects the past. Reported costs are kept; priced ones are recomputed.
// Then analytics.json.

import { dayRange, utcDay } from '../core/calendar.ts';
import { BadRequestError } from '../core/errors.ts';
import { createDayRefresher, runAnalyze } from './analyze.ts';
import type { AnalyzeDeps } from './analyze-deps.ts';

export const MAX_AGGREGATION_DAYS = 800;

interface AggregationResult {
  from: string;
  to: string;
  rebuilt: string[];
  empty: string[];
  lakeObjectsRead: number;
  generatedAt: string;
}

export async function runAggregation(
  deps: AnalyzeDeps,
  from: string,
  to: string,
  onProgress: (done: number, total: number, day: string) => void = () => {},
): Promise<AggregationResult> {
  if (from > to) throw new BadRequestError('invalid period', [{ field: 'from', reason: 'must not be after to' }]);
  const days = dayRange(from, to);
  if (days.length > MAX_AGGREGATION_DAYS) {
    throw new BadRequestError('invalid period', [{ field: 'to', reason: `at most ${MAX_AGGREGATION_DAYS} days at once` }]);
  }
  if (to > utcDay(deps.now())) throw new BadRequestError('invalid period', [{ field: 'to', reason: 'must not be in the future' }]);
  const rebuilt: string[] = [];
  const empty: string[] = [];
  let lakeObjectsRead = 0;
  // Days rebuilt in order, on rollup threads when deps has them (a thread's failure ends the run).
  const refresher = createDayRefresher(deps, days, true);
  try {
    for (const [i, day] of days.entries()) {
      const r = await refresher.refresh(day, true);
      lakeObjectsRead += r.lakeObjectsRead;
      (r.rollup ? rebuilt : empty).push(day);
      onProgress(i + 1, days.length, day);
    }
  } finally {
    await refresher.close();
  }
  const result = await runAnalyze(deps);
  return { from, to, rebuilt, empty, lakeObjectsRead, generatedAt: result.analytics.generated_at };
}
