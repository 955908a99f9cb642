// ingest: an EventBridge rule on the event bus (detail-type prefixes job., task., tool., budget.,
// provider., conversation.) → one event record in lake/events/ (and lake/usage/ when it carries
// usage). A bad event is quarantined with its reason, not retried.

import { BadRequestError, issuesToDetails } from '../lib/core/errors.ts';
import { type BusIngestResult, busEnvelopeSchema, recordBusEvent } from '../lib/events/ingest.ts';
import { withLambdaContext } from './lambda-logging.ts';
import { type RuntimeProvider, runtimeFromEnv } from './runtime.ts';

export function createIngestHandler(getRuntime: RuntimeProvider) {
  return async (event: unknown): Promise<BusIngestResult> => {
    const parsed = busEnvelopeSchema.safeParse(event);
    if (!parsed.success) throw new BadRequestError('invalid EventBridge event', issuesToDetails(parsed.error.issues, 'event'));
    const rt = await getRuntime();
    const result = await recordBusEvent({ store: rt.store, now: rt.now(), pricer: rt.pricer }, parsed.data);
    if (result.rejected) rt.log.warn('bus event quarantined', { event_id: result.event_id, ...result.rejected });
    else
      rt.log.info(result.duplicate ? 'bus event is a later copy of an id already recorded; not written' : 'bus event recorded', {
        event_id: result.event_id,
        written: result.written.length,
        unchanged: result.unchanged.length,
      });
    return result;
  };
}

export const handler = withLambdaContext(createIngestHandler(runtimeFromEnv));
