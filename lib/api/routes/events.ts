// POST /v1/events: record events in batches. Each event is validated on its own; the answer lists
// what was accepted and, per rejected event, its index, field and reason:
// 200 all accepted, 207 some rejected, 400 none valid, 413 too large, 415 not JSON.

import { z } from 'zod';
import {
  eventBatchEnvelopeSchema,
  eventBatchItems,
  eventBatchSchema,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  validateEvents,
  writeEvents,
} from '../../events/ingest.ts';
import { defineRoute, errorBodySchema, jsonBody, jsonResponse } from '../contract.ts';

/**
 * The answer to a batch.
 * @example {"accepted":2,"duplicates":0,"usage_records":1,
 *  "rejected":[{"index":1,"field":"ts","reason":"ts must be an ISO 8601 instant with a zone, e.g. 2026-11-23T09:15:00Z"}]}
 */
const eventBatchResultSchema = z.object({
  /** Events acknowledged, including repeats of an id (stored once). */
  accepted: z.int().nonnegative(),
  /**
   * Repeats of an event_id: earlier in this batch, or accepted before with another ts or payload.
   * The first copy of an id is the event; later ones are acknowledged and not stored.
   */
  duplicates: z.int().nonnegative(),
  /** Accepted events that also became usage records (lake/usage/). */
  usage_records: z.int().nonnegative(),
  rejected: z.array(z.object({ index: z.int().nonnegative(), field: z.string(), reason: z.string() })),
});
type EventBatchResult = z.infer<typeof eventBatchResultSchema>;

/** A 400: no event was valid (the batch result with each event's field), or the body itself was refused. */
const eventBatchRefusedSchema = z.union([errorBodySchema.extend(eventBatchResultSchema.shape), errorBodySchema]);

const eventResponses = {
  200: jsonResponse('Every event accepted.', eventBatchResultSchema, { name: 'EventBatchResult' }),
  207: jsonResponse('Some events rejected (index, field, reason); the others were stored.', eventBatchResultSchema, {
    name: 'EventBatchResult',
  }),
  400: jsonResponse('No event was valid (`details` names `events.<index>.<field>`), or the body is not a batch.', eventBatchRefusedSchema, {
    name: 'EventBatchRefused',
  }),
};

export const eventsRoute = defineRoute({
  method: 'POST',
  path: '/v1/events',
  scope: 'ingest',
  tag: 'ingest',
  summary: `Record a batch of up to ${MAX_BATCH_EVENTS} events (jobs, tasks, tools, LLM usage); idempotent by event_id.`,
  description:
    `A JSON array of events or {"events": [...]}, at most ${MAX_BATCH_BYTES} bytes. Each event is checked on its own: ` +
    'the valid ones are stored even when others are rejected. Events of type llm.usage (or carrying provider, model ' +
    'and token metrics) also count as usage in analytics. An event_id is an identity: the first copy accepted is the ' +
    'event, and a later copy of the id with another ts or payload is counted in `duplicates` and not stored.',
  body: {
    description: 'The events.',
    content: { 'application/json': jsonBody(eventBatchSchema, { check: eventBatchEnvelopeSchema, name: 'EventBatch' }) },
    maxBytes: MAX_BATCH_BYTES,
  },
  responses: eventResponses,
  errors: {
    413: `More than ${MAX_BATCH_EVENTS} events or ${MAX_BATCH_BYTES} bytes.`,
    415: 'content-type is not application/json.',
  },
}).handle(async ({ body, deps }) => {
  const batch = validateEvents(eventBatchItems(body.value), { source: 'api', now: deps.now() });
  if (batch.accepted.length === 0) {
    const details = batch.rejected.map((r) => ({ field: `events.${r.index}.${r.field}`, reason: r.reason }));
    const result = { accepted: batch.duplicates, duplicates: batch.duplicates, usage_records: 0, rejected: batch.rejected };
    return { status: 400, body: { error: 'no valid event in the batch', details, ...result } };
  }
  const written = await writeEvents(deps.store, batch.accepted, { pricer: deps.analysis?.pricer ?? null });
  const result: EventBatchResult = {
    accepted: batch.accepted.length + batch.duplicates,
    // Repeats within the batch, and copies of ids accepted in an earlier batch that differ from the first.
    duplicates: batch.duplicates + written.duplicates,
    usage_records: written.usageRecords,
    rejected: batch.rejected,
  };
  deps.log.info('events recorded', {
    accepted: result.accepted,
    rejected: result.rejected.length,
    objects_written: written.written.length,
    objects_unchanged: written.unchanged.length,
  });
  if (result.rejected.length > 0) return { status: 207, body: result };
  return { status: 200, body: result };
});
