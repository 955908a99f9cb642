// POST /v1/events: the seed's `record_event`, in batches. Each event is validated on its own; the
// answer lists what was accepted and, per rejected event, its index, field and reason:
// 200 all accepted, 207 some rejected, 400 none valid, 413 too large, 415 not JSON.

import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../errors.ts';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, parseEventBatchBody, validateEvents, writeEvents } from '../events/ingest.ts';
import { json } from './http.ts';
import type { Route } from './router.ts';
import { parseQuery } from './routes.ts';

/**
 * The answer to a batch.
 * @example {"accepted":2,"duplicates":0,"usage_records":1,
 *  "rejected":[{"index":1,"field":"ts","reason":"ts must be an ISO 8601 instant with a zone, e.g. 2026-11-23T09:15:00Z"}]}
 */
export const eventBatchResultSchema = z.object({
  /** Events acknowledged, including repeats of an id earlier in the batch (stored once). */
  accepted: z.int().nonnegative(),
  duplicates: z.int().nonnegative(),
  /** Accepted events that also became usage records (lake/usage/). */
  usage_records: z.int().nonnegative(),
  rejected: z.array(z.object({ index: z.int().nonnegative(), field: z.string(), reason: z.string() })),
});
export type EventBatchResult = z.infer<typeof eventBatchResultSchema>;

const noQuery = z.object({});

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

export const eventsRoute: Route = {
  method: 'POST',
  path: '/v1/events',
  scope: 'ingest',
  summary:
    `Record a batch of events (≤ ${MAX_BATCH_EVENTS}, ≤ 1 MiB) as a JSON array or {"events": [...]}, each ` +
    '{event_type, ts, event_id?, entity_type?, entity_id?, attributes?, metrics?}. Idempotent by event_id; ' +
    'llm.usage events (or with provider, model and token metrics) also count as usage.',
  query: noQuery,
  responses: {
    '200': { description: 'every event accepted', schema: eventBatchResultSchema },
    '207': { description: 'some events rejected (index, field, reason); the others were stored', schema: eventBatchResultSchema },
    '400': { description: 'no valid event, or the body is not a batch' },
    '413': { description: `more than ${MAX_BATCH_EVENTS} events or ${MAX_BATCH_BYTES} bytes` },
    '415': { description: 'content-type is not application/json' },
  },
  async handle(context) {
    parseQuery(context, noQuery);
    if (!isJson(context.request.headers['content-type'])) throw new UnsupportedMediaTypeError();
    const items = parseEventBatchBody(context.request.body);
    const batch = validateEvents(items, { source: 'api', now: context.deps.now() });
    const result: EventBatchResult = {
      accepted: batch.accepted.length + batch.duplicates,
      duplicates: batch.duplicates,
      usage_records: batch.accepted.filter((a) => a.usage !== null).length,
      rejected: batch.rejected,
    };
    if (batch.accepted.length === 0) {
      const details = batch.rejected.map((r) => ({ field: `events.${r.index}.${r.field}`, reason: r.reason }));
      return json(400, { error: 'no valid event in the batch', details, ...result });
    }
    const written = await writeEvents(context.deps.store, batch.accepted, { pricer: context.deps.analysis?.pricer ?? null });
    context.deps.log.info('events recorded', {
      accepted: result.accepted,
      rejected: result.rejected.length,
      objects_written: written.written.length,
      objects_unchanged: written.unchanged.length,
    });
    return json(result.rejected.length === 0 ? 200 : 207, result);
  },
};
