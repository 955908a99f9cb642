// `tokenlake report` without building the runtime: when the local store's analytics.json is
// current (today, this zone, this schema) it is read straight from the data folder and printed.
// Anything else (a remote store, a stale or foreign document, a bad option) answers null and the
// full command runs, which recomputes and reports errors properly.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { analyticsSchema, windowNameSchema } from '../lib/analytics.ts';
import { isValidTimeZone, localDay } from '../lib/calendar.ts';
import { parseConfig } from '../lib/config.ts';
import { FileObjectStore } from '../lib/store/file-store.ts';
import { ANALYTICS_KEY } from '../lib/store/layout.ts';
import { formatReport, type ReportBy, reportBys, reportOptions } from './report.ts';

export async function quickReport(args: string[], env: Record<string, string | undefined>, now: Date): Promise<string | null> {
  if (env.TOKENLAKE_STORE === 's3') return null;
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof reportOptions }>>['values'];
  let config: ReturnType<typeof parseConfig>;
  try {
    values = parseArgs({ args, options: reportOptions }).values;
    config = parseConfig(env);
  } catch {
    return null;
  }
  const windowName = windowNameSchema.safeParse(values.window);
  const by = values.by as ReportBy;
  if (values.help || !windowName.success || !reportBys.includes(by)) return null;
  if (values.timezone !== undefined && !isValidTimeZone(values.timezone)) return null;
  const timeZone = values.timezone ?? config.timeZone;
  let text: string;
  try {
    text = await readFile(new FileObjectStore(config.dataDir, config.bucket).pathOf(ANALYTICS_KEY), 'utf8');
  } catch {
    return null;
  }
  let parsed: ReturnType<typeof analyticsSchema.safeParse>;
  try {
    parsed = analyticsSchema.safeParse(JSON.parse(text));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const analytics = parsed.data;
  if (analytics.timezone !== timeZone || analytics.as_of !== localDay(now, timeZone)) return null;
  const color = Boolean(process.stdout.isTTY) && !env.NO_COLOR;
  return formatReport(analytics, windowName.data, by, values.json ?? false, color);
}
