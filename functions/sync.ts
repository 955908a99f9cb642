// sync: EventBridge schedule (or an on-demand invoke) → pull every configured source into the lake.

import { z } from 'zod';
import { utcDaySchema } from '../lib/core/calendar-schema.ts';
import { BadRequestError, issuesToDetails } from '../lib/core/errors.ts';
import { emfDocument } from '../lib/core/metrics.ts';
import { runSync, type SyncResult } from '../lib/pipeline/sync.ts';
import { withLambdaContext } from './lambda-logging.ts';
import { type RuntimeProvider, runtimeFromEnv } from './runtime.ts';

/** A scheduled event, or a manual invoke with `{ "detail": { "since": "2026-08-01" } }`. */
const syncEventSchema = z.looseObject({
  detail: z.looseObject({ since: utcDaySchema.optional() }).optional(),
});

export interface SyncSummary {
  started_at: string;
  sources: Array<{ source: string; ok: boolean; error: string | null; records: number; duplicates: number; quarantined: number }>;
  objects_written: number;
  /** Another sync held the lease; this one did nothing. */
  skipped: boolean;
}

function summarizeSync(result: SyncResult): SyncSummary {
  return {
    started_at: result.startedAt,
    sources: result.outcomes.map((o) => ({
      source: o.source,
      ok: o.ok,
      error: o.error,
      records: o.stats?.records ?? 0,
      duplicates: o.stats?.duplicates ?? 0,
      quarantined: o.stats?.quarantined ?? 0,
    })),
    objects_written: result.keys.length,
    skipped: result.skipped,
  };
}

export function createSyncHandler(getRuntime: RuntimeProvider) {
  return async (event: unknown): Promise<SyncSummary> => {
    const parsed = syncEventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new BadRequestError('invalid sync event', issuesToDetails(parsed.error.issues, 'event'));
    const rt = await getRuntime();
    const since = parsed.data.detail?.since;
    const result = await runSync(rt, since ? { since } : {});
    for (const o of result.outcomes) {
      rt.metrics(
        emfDocument({
          namespace: 'tokenlake',
          dimensions: { function: 'sync', source: o.source },
          metrics: {
            records_synced: { value: o.stats?.records ?? 0, unit: 'Count' },
            lines_quarantined: { value: o.stats?.quarantined ?? 0, unit: 'Count' },
            duplicates_dropped: { value: o.stats?.duplicates ?? 0, unit: 'Count' },
            source_failed: { value: o.ok ? 0 : 1, unit: 'Count' },
          },
          timestamp: rt.now(),
        }),
      );
    }
    return summarizeSync(result);
  };
}

export const handler = withLambdaContext(createSyncHandler(runtimeFromEnv));
