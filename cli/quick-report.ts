// `tokenlake report` without building the runtime (no price tables, no sources, no AWS SDK): the
// local store's rollups are read straight from the data folder and the report printed — the same
// lib/analytics/report-query.ts as the full command, so the same answer. Anything else (a remote store, a
// bad option, a period with lake days but no rollup yet, sessions, which may need pricing)
// answers null and the full command runs, which builds what is missing and reports errors properly.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { alignToHours, resolvePeriod } from '../lib/analytics/period.ts';
import { queryReport } from '../lib/analytics/report-query.ts';
import { parseConfig } from '../lib/config/config.ts';
import { localDay, utcDaysOfRange } from '../lib/core/calendar.ts';
import { FileObjectStore } from '../lib/store/file-store.ts';
import { dayOfDayObject, USAGE_ROLLUP_PREFIX } from '../lib/store/layout.ts';
import { listUsageDays } from '../lib/usage/lake.ts';
import { formatReport, parseReportArgs } from './views/report.ts';

export async function quickReport(args: string[], env: Record<string, string | undefined>, now: Date): Promise<string | null> {
  if (env.TOKENLAKE_STORE === 's3') return null;
  let options: ReturnType<typeof parseReportArgs>;
  let config: ReturnType<typeof parseConfig>;
  try {
    options = parseReportArgs(args);
    config = parseConfig(env);
  } catch {
    return null;
  }
  if (options.help || options.query.by === 'session') return null;
  // A folder the full command has not opened yet may need its one-time layout migration.
  if (!existsSync(join(config.dataDir, config.bucket))) return null;
  const store = new FileObjectStore(config.dataDir, config.bucket);
  const timeZone = options.timeZone ?? config.timeZone;
  try {
    const period = alignToHours(resolvePeriod(options.query.period, now, timeZone));
    // Lake days of the period without a rollup (pushed from elsewhere, lost) are built by the full command.
    const wanted = new Set(utcDaysOfRange(period));
    const rolled = new Set((await store.list(USAGE_ROLLUP_PREFIX)).map((o) => dayOfDayObject(o.key)));
    if ((await listUsageDays(store)).some((d) => wanted.has(d) && !rolled.has(d))) return null;
    const report = await queryReport(options.query, { store, now, timeZone, pricer: null, writeSessions: false });
    if (report.rows.length === 0 && report.lake === null) return null;
    const out = formatReport(report, {
      json: options.json,
      color: Boolean(process.stdout.isTTY) && !env.NO_COLOR,
      today: localDay(now, timeZone),
    });
    if (out.stderr) return null; // the hint for an empty --json period goes to stderr: the full command prints both
    return out.stdout;
  } catch {
    return null;
  }
}
