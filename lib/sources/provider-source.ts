// What every provider-API source shares: which UTC days to fetch on a run (whole days only, so a
// re-fetched day is rewritten whole and a partial day never overwrites a full one), the cursor
// (`complete_through`: the last day fetched after it ended), one lake object per (source, day)
// stable across runs, and quarantining a malformed answer before the source fails.

import { z } from 'zod';
import { addDays, utcDay } from '../core/calendar.ts';
import { configSecrets, createRedactor } from '../core/redact.ts';
import { loadCursor, saveCursor } from '../store/cursor.ts';
import { cursorKey } from '../store/layout.ts';
import { batchId, type QuarantineEntry, writeQuarantine } from '../usage/lake.ts';
import type { UsageRecord } from '../usage/record.ts';
import { ProviderResponseError } from './provider-http.ts';
import type { Source, SourceContext, SourcePull, SourceStats } from './source.ts';

const providerCursorSchema = z.object({ version: z.literal(1), complete_through: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });

// Day strings (YYYY-MM-DD) order as text; Math.min/max would turn them into NaN.
const earlier = (a: string, b: string) => (a <= b ? a : b);
const later = (a: string, b: string) => (a >= b ? a : b);

export interface FetchWindow {
  /** First UTC day fetched (whole). */
  fromDay: string;
  /** Start of fromDay. */
  start: Date;
  /** The run's instant: the end of the fetch (exclusive); today is fetched up to here. */
  end: Date;
  /** The last day that this run fetches completely (yesterday): the cursor after success. */
  completeThrough: string;
}

interface WindowInput {
  now: Date;
  /** The cursor's last complete day, null on the first run. */
  completeThrough: string | null;
  refetchHours: number;
  backfillDays: number;
  /** `sync --since DAY`: fetch from here at least. */
  since?: string | undefined;
}

/**
 * From the earlier of the day after the cursor and the start of the re-fetch window (providers
 * restate recent buckets), aligned down to 00:00 UTC; on the first run the backfill (or `since`).
 * A cursor older than the backfill is not followed further back than it; `since` always is.
 */
export function planFetchWindow(input: WindowInput): FetchWindow {
  const today = utcDay(input.now);
  const backfillFrom = addDays(today, -(Math.max(1, input.backfillDays) - 1));
  const refetchFrom = utcDay(new Date(input.now.getTime() - input.refetchHours * 3_600_000));
  let fromDay: string;
  if (input.completeThrough === null) fromDay = input.since ?? backfillFrom;
  else {
    const afterCursor = addDays(input.completeThrough, 1);
    fromDay = earlier(afterCursor, refetchFrom);
    if (fromDay < backfillFrom) fromDay = backfillFrom;
  }
  if (input.since !== undefined && input.since < fromDay) fromDay = input.since;
  if (fromDay > today) fromDay = today;
  return { fromDay, start: new Date(`${fromDay}T00:00:00.000Z`), end: input.now, completeThrough: addDays(today, -1) };
}

interface ProviderFetch {
  records: UsageRecord[];
  stats: SourceStats;
  /** Days of the window now empty whose object held records: written empty (see SourcePull.emptyDays). */
  emptyDays?: string[];
  /** Items of the answer that cannot become records, with the reason (the rest still lands). */
  quarantine?: QuarantineEntry[];
  /** State of the source's own beyond the cursor, saved right after it. */
  commit?: () => Promise<void>;
}

interface ProviderSourceSpec {
  name: string;
  /**
   * A day before the planned window that must be fetched again because what the source derives
   * from changed since its last run (bedrock-metrics: hours the invocation logs now cover); the
   * window then starts there. Null: the planned window.
   */
  restateFrom?(context: SourceContext): Promise<string | null>;
  /** Fetches and normalises every record whose bucket starts inside the window. */
  fetchWindow(window: FetchWindow, context: SourceContext): Promise<ProviderFetch>;
}

export function createProviderSource(spec: ProviderSourceSpec): Source {
  return {
    name: spec.name,
    async pull(context: SourceContext): Promise<SourcePull> {
      const key = cursorKey(spec.name);
      const cursor = await loadCursor(context.store, key, providerCursorSchema);
      const window = planFetchWindow({
        now: context.now,
        completeThrough: cursor?.complete_through ?? null,
        refetchHours: context.config.refetchHours,
        backfillDays: context.config.backfillDays,
        since: context.since,
      });
      const restate = (await spec.restateFrom?.(context)) ?? null;
      if (restate !== null && restate < window.fromDay) {
        window.fromDay = restate;
        window.start = new Date(`${restate}T00:00:00.000Z`);
      }
      context.log.debug('provider fetch window', { from: window.fromDay, to: window.end.toISOString() });
      let fetched: ProviderFetch;
      try {
        fetched = await spec.fetchWindow(window, context);
      } catch (error) {
        if (error instanceof ProviderResponseError) {
          // The sync of this source stops here (its cursor stays), but the page and the reason are kept.
          const today = utcDay(context.now);
          await writeQuarantine(
            context.store,
            today,
            spec.name,
            batchId(spec.name, 'rejected-response', today),
            [{ source: spec.name, origin: error.origin, line: 1, reason: error.reason, raw: error.raw }],
            createRedactor(configSecrets(context.config)),
          );
        }
        throw error;
      }
      fetched.stats.records = fetched.records.length;
      const previous = cursor?.complete_through ?? '';
      const completeThrough = later(previous, window.completeThrough);
      return {
        records: fetched.records,
        quarantine: fetched.quarantine ?? [],
        stats: fetched.stats,
        // One object per (source, day) whatever the run: a re-fetched day replaces its object.
        batchIdFor: (day) => batchId(spec.name, day),
        ...(fetched.emptyDays && fetched.emptyDays.length > 0 ? { emptyDays: fetched.emptyDays } : {}),
        async commit() {
          await saveCursor(context.store, key, { version: 1, complete_through: completeThrough });
          await fetched.commit?.();
        },
      };
    },
  };
}
