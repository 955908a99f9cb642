// Which UTC hours of which region the invocation logs cover: written by the `bedrock` source after
// its lake writes, read by `bedrock-metrics`, which leaves those hours to the logs (the logs are
// per request; the metrics are the fallback). A sequence number says which days changed since the
// metrics source last looked, so it restates exactly those days, however far back.
//
//   state/bedrock/logged-hours.json
//   {"version":1,"seq":7,"regions":{"us-east-1":{"2026-08-01":{"hours":16777215,"seq":7}}}}
//
// `hours` is a 24-bit mask (bit h = the hour h:00–h:59 UTC holds at least one logged invocation).

import { z } from 'zod';
import { addDays } from '../../core/calendar.ts';
import { BEDROCK_LOGGED_HOURS_KEY } from '../../store/layout.ts';
import type { ObjectStore } from '../../store/object-store.ts';
import { readStoredJson } from '../../store/stored-json.ts';

const coverageSchema = z.object({
  version: z.literal(1),
  seq: z.int().nonnegative(),
  regions: z.record(
    z.string(),
    z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.object({ hours: z.int().min(0).max(0xffffff), seq: z.int().nonnegative() })),
  ),
});
export type LoggedHours = z.infer<typeof coverageSchema>;

/** Days older than this are forgotten: CloudWatch keeps hourly points 455 days, nothing older can be restated. */
const COVERAGE_DAYS = 460;

export async function loadLoggedHours(store: ObjectStore): Promise<LoggedHours> {
  return (await readStoredJson(store, BEDROCK_LOGGED_HOURS_KEY, coverageSchema))?.value ?? { version: 1, seq: 0, regions: {} };
}

/**
 * Adds the hours (`YYYY-MM-DDTHH`) logged in each region; days that gain an hour take the next
 * sequence number. Returns the new index, or null when nothing changed (nothing to write).
 */
export function markLogged(index: LoggedHours, hours: Iterable<{ region: string; hour: string }>, today: string): LoggedHours | null {
  const seq = index.seq + 1;
  const regions = structuredClone(index.regions);
  let changed = false;
  for (const { region, hour } of hours) {
    const day = hour.slice(0, 10);
    const bit = 1 << Number(hour.slice(11, 13));
    regions[region] ??= {};
    const days = regions[region];
    const entry = days[day];
    if (entry && (entry.hours & bit) !== 0) continue;
    days[day] = { hours: (entry?.hours ?? 0) | bit, seq };
    changed = true;
  }
  if (!changed) return null;
  const oldest = addDays(today, -COVERAGE_DAYS);
  for (const days of Object.values(regions)) for (const day of Object.keys(days)) if (day < oldest) delete days[day];
  return { version: 1, seq, regions };
}

export async function saveLoggedHours(store: ObjectStore, index: LoggedHours): Promise<void> {
  await store.put(BEDROCK_LOGGED_HOURS_KEY, JSON.stringify(index));
}

/** Whether the logs cover that region's UTC hour (`YYYY-MM-DDTHH`). */
export function isLogged(index: LoggedHours, region: string, hour: string): boolean {
  const entry = index.regions[region]?.[hour.slice(0, 10)];
  return entry !== undefined && (entry.hours & (1 << Number(hour.slice(11, 13)))) !== 0;
}

/** The earliest day of these regions whose coverage changed after sequence `seq`, or null. */
export function earliestChangeSince(index: LoggedHours, seq: number, regions: readonly string[]): string | null {
  let earliest: string | null = null;
  for (const region of regions) {
    for (const [day, entry] of Object.entries(index.regions[region] ?? {})) {
      if (entry.seq > seq && (earliest === null || day < earliest)) earliest = day;
    }
  }
  return earliest;
}
