// compact: nightly EventBridge schedule → compact closed lake days and apply retention.

import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../lib/core/errors.ts';
import { runCompaction } from '../lib/pipeline/compaction.ts';
import { withLambdaContext } from './lambda-logging.ts';
import { type RuntimeProvider, runtimeFromEnv } from './runtime.ts';

const scheduleEventSchema = z.looseObject({ 'detail-type': z.string().optional() });

export function createCompactHandler(getRuntime: RuntimeProvider) {
  return async (event: unknown) => {
    const parsed = scheduleEventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new BadRequestError('invalid schedule event', issuesToDetails(parsed.error.issues, 'event'));
    const rt = await getRuntime();
    const result = await runCompaction({ store: rt.store, now: rt.now, log: rt.log, retentionDays: rt.config.retentionDays });
    return {
      compacted_days: result.compactedDays,
      objects_removed: result.objectsRemoved,
      expired_days: result.expiredDays,
      expired_rollups: result.expiredRollups,
    };
  };
}

export const handler = withLambdaContext(createCompactHandler(runtimeFromEnv));
