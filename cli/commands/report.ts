// `tokenlake report`: usage over a period from the rollups, building the rollups of lake days
// that have none first.

import type { Config } from '../../lib/config/config.ts';
import { localDay, utcDaysOfRange } from '../../lib/core/calendar.ts';
import { BadRequestError } from '../../lib/core/errors.ts';
import { dayOfDayObject, USAGE_ROLLUP_PREFIX } from '../../lib/store/layout.ts';
import { lazyHelp } from '../help.ts';
import { color, UsageError, withStore } from '../run-context.ts';

export async function commandReport(config: Config, args: string[]): Promise<number> {
  const { formatReport, parseReportArgs, periodUsageError, ReportUsageError } = await import('../views/report.ts');
  let options: ReturnType<typeof parseReportArgs>;
  try {
    options = parseReportArgs(args);
  } catch (error) {
    if (error instanceof ReportUsageError) throw new UsageError(error.message);
    throw error;
  }
  if (options.help) return lazyHelp('report');
  const [{ refreshDay }, { alignToHours, resolvePeriod }, { listUsageDays }, { queryReport }, { analyzeDeps }] = await Promise.all([
    import('../../lib/pipeline/analyze.ts'),
    import('../../lib/analytics/period.ts'),
    import('../../lib/usage/lake.ts'),
    import('../../lib/analytics/report-query.ts'),
    import('../../lib/pipeline/runtime.ts'),
  ]);
  return withStore(config, async (rt) => {
    const timeZone = options.timeZone ?? config.timeZone;
    const now = rt.now();
    let period: ReturnType<typeof resolvePeriod>;
    try {
      period = alignToHours(resolvePeriod(options.query.period, now, timeZone));
    } catch (error) {
      if (error instanceof BadRequestError) throw new UsageError(periodUsageError(error).message);
      throw error;
    }
    const lakeDays = await listUsageDays(rt.store);
    if (lakeDays.length === 0) throw new Error('no usage yet: run "tokenlake sync" first');
    // Lake days of the period without a rollup (pushed from another machine, lost) are built first.
    const wanted = new Set(utcDaysOfRange(period));
    const rolled = new Set((await rt.store.list(USAGE_ROLLUP_PREFIX)).map((o) => dayOfDayObject(o.key)));
    for (const day of lakeDays) if (wanted.has(day) && !rolled.has(day)) await refreshDay(analyzeDeps(rt), day, false);
    const report = await queryReport(options.query, {
      store: rt.store,
      now,
      timeZone,
      pricer: rt.pricer,
      writeSessions: true,
      log: rt.log,
    });
    const out = formatReport(report, { json: options.json, color: color(), today: localDay(now, timeZone) });
    process.stdout.write(out.stdout);
    if (out.stderr) process.stderr.write(out.stderr);
    return 0;
  });
}
