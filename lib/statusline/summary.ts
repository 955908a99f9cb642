// The status line's summary of the recent-usage cache: the small file (`statusline.json`) the status
// line reads on every call, so it parses no transcript and prices nothing itself. Its zod schema
// lives here, away from lib/statusline/statusline.ts, which must stay zod-free.

import { join } from 'node:path';
import { z } from 'zod';
import { type Block, blockTokens, burnRate, identifyBlocks } from '../analytics/blocks.ts';
import { zonedDayStart } from '../analytics/period.ts';
import { addDays, localDay } from '../core/calendar.ts';
import { STATUSLINE_SUMMARY_FILE } from './files.ts';
import { at, entryTokens, HOUR_MS, type RecentUsage, recentActivity, writeAtomically } from './recent-usage.ts';

/** What the status line summary holds: enough for "today" in any zone and the active block. */
const SUMMARY_MS = 48 * HOUR_MS;

const count = z.int().nonnegative();

/**
 * What the status line reads on every call (`<cache dir>/statusline.json`, a few KiB): written by
 * a refresh, so the status line itself parses no transcript and prices nothing. Times in ms.
 * @example {"version":1,"refreshed_at":1778510000000,"time_zone":"UTC","days":[["2026-05-11",1778457600000,1778544000000],
 *  ["2026-05-12",1778544000000,1778630400000]],"hours":[[1778508000000,1.25,480000,0]],
 *  "sessions":[["3b1f…",0.42]],"blocks":[{"start":1778504400000,"end":1778522400000,"cost_usd":1.25,
 *  "tokens":480000,"cost_usd_per_hour":0.9,"tokens_per_minute":5000}],"files":[["/home/a/.claude/projects/p/3b1f.jsonl",20480]]}
 */
export const statuslineSummarySchema = z.object({
  version: z.literal(1),
  refreshed_at: z.number(),
  /** The zone of `days` (TOKENLAKE_TIMEZONE of the refresh). */
  time_zone: z.string(),
  /**
   * [local day, start, end) of the refresh's day and the next one: the status line counts "today"
   * without Intl, whose first use costs more than its whole budget (measured: 60–80 ms).
   */
  days: z.array(z.tuple([z.string(), z.number(), z.number()])),
  /** [UTC hour start, USD, tokens, unpriced records] for each hour with usage in the last 48 h. */
  hours: z.array(z.tuple([z.number(), z.number(), count, count])),
  /** [session id, USD over the cache's horizon] for sessions active in the last 48 h. */
  sessions: z.array(z.tuple([z.string(), z.number()])),
  /** Blocks that end after now − 48 h, oldest first. */
  blocks: z.array(
    z.object({
      start: z.number(),
      end: z.number(),
      cost_usd: z.number(),
      tokens: count,
      cost_usd_per_hour: z.number().nullable(),
      tokens_per_minute: z.number().nullable(),
    }),
  ),
  /** [transcript path, size read] of transcripts modified in the last 48 h: the status line compares its own. */
  files: z.array(z.tuple([z.string(), count])),
});
export type StatuslineSummary = z.infer<typeof statuslineSummarySchema>;

export function summarizeForStatusline(u: RecentUsage, now: number, timeZone: string): StatuslineSummary {
  const since = now - SUMMARY_MS;
  const today = localDay(new Date(now), timeZone);
  const days = [today, addDays(today, 1)].map((day) => [
    day,
    zonedDayStart(day, timeZone).getTime(),
    zonedDayStart(addDays(day, 1), timeZone).getTime(),
  ]) as Array<[string, number, number]>;
  const hours = new Map<number, [number, number, number, number]>();
  const sessionCost = new Map<number, number>();
  const activeSessions = new Set<number>();
  for (const e of u.entries.values()) {
    const cost = e[11];
    if (e[3] >= 0) {
      sessionCost.set(e[3], (sessionCost.get(e[3]) ?? 0) + (cost ?? 0));
      if (e[0] >= since) activeSessions.add(e[3]);
    }
    if (e[0] < since) continue;
    const hour = Math.floor(e[0] / HOUR_MS) * HOUR_MS;
    const h = hours.get(hour) ?? [hour, 0, 0, 0];
    h[1] += cost ?? 0;
    h[2] += entryTokens(e);
    if (cost === null) h[3] += 1;
    hours.set(hour, h);
  }
  const blocks = identifyBlocks(recentActivity(u)).filter((b: Block) => b.end > since);
  return {
    version: 1,
    refreshed_at: now,
    time_zone: timeZone,
    days,
    hours: [...hours.values()].sort((a, b) => a[0] - b[0]),
    sessions: [...activeSessions]
      .map((i) => [at(u, i)!, sessionCost.get(i) ?? 0] as [string, number])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    blocks: blocks.map((b) => {
      const rate = burnRate(b);
      return {
        start: b.start,
        end: b.end,
        cost_usd: b.cost_usd,
        tokens: blockTokens(b),
        cost_usd_per_hour: rate?.cost_usd_per_hour ?? null,
        tokens_per_minute: rate?.tokens_per_minute ?? null,
      };
    }),
    files: [...u.files]
      .filter(([, f]) => f.mtime_ms >= since)
      .map(([path, f]) => [path, f.offset] as [string, number])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  };
}

export async function writeStatuslineSummary(cacheDir: string, summary: StatuslineSummary): Promise<void> {
  await writeAtomically(join(cacheDir, STATUSLINE_SUMMARY_FILE), JSON.stringify(statuslineSummarySchema.parse(summary)));
}
