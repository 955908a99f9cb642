// Accepting pushed events: parse and validate a batch (pure; each event accepted or rejected with
// its index and reason) and write the accepted ones to the lake, events under lake/events/ and
// the usage-bearing ones also under lake/usage/. Keys are deterministic, so a replayed batch
// finds its objects already there and writes nothing. An event_id is an identity: its first
// accepted copy is the event, and a later copy with another ts (another day) or payload is
// acknowledged as a duplicate and not written (lib/events/identity.ts), so usage and event
// analytics both count that first copy, once.

import { z } from 'zod';
import { utcDay } from '../core/calendar.ts';
import { BadRequestError, PayloadTooLargeError } from '../core/errors.ts';
import { MAX_RAW_CHARS } from '../store/jsonl.ts';
import { lakeObjectKey } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { batchId, serializeUsageObject, writeQuarantine } from '../usage/lake.ts';
import { priceRecords } from '../usage/lake-batch.ts';
import type { Pricer } from '../usage/pricing/price.ts';
import type { UsageRecord } from '../usage/record.ts';
import { claimEventIds } from './identity.ts';
import {
  type EventRecord,
  type EventSource,
  eventInputSchema,
  familyOf,
  serializeEventRecord,
  toEventRecord,
  toUsageRecord,
  USAGE_SOURCE,
} from './schema.ts';

export const MAX_BATCH_EVENTS = 1000;
/** 1 MiB of UTF-8 request body. */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** Clock skew allowed for `ts` ahead of the receiving clock. */
const MAX_FUTURE_MS = 24 * 3_600_000;

interface AcceptedEvent {
  /** Position in the batch (0-based). */
  index: number;
  event: EventRecord;
  usage: UsageRecord | null;
  /** The id is the client's event_id (an identity to claim), not a hash of the content. */
  clientId: boolean;
}

interface RejectedEvent {
  index: number;
  /** Dotted path inside the event, e.g. `metrics.duration_ms`; `event` for the whole item. */
  field: string;
  reason: string;
}

interface ValidatedBatch {
  /** One entry per distinct id, in batch order. */
  accepted: AcceptedEvent[];
  rejected: RejectedEvent[];
  /** Valid events whose id repeated an earlier one in the batch (acknowledged, stored once). */
  duplicates: number;
}

/**
 * A batch as documented: a JSON array of events, or `{ "events": [...] }`, 1 to 1,000 of them.
 * @example [{"event_type":"task.completed","ts":"2026-11-23T09:15:00Z","event_id":"run-42/task-7","metrics":{"duration_ms":5300}}]
 */
export const eventBatchSchema = z.union([
  z.array(eventInputSchema).min(1).max(MAX_BATCH_EVENTS),
  z.strictObject({ events: z.array(eventInputSchema).min(1).max(MAX_BATCH_EVENTS) }),
]);

/**
 * What is checked of a batch as a whole: its envelope. Each event is then validated on its own
 * (validateEvents, with eventInputSchema), so one bad event never rejects the others.
 */
export const eventBatchEnvelopeSchema = z.union([z.array(z.unknown()), z.strictObject({ events: z.array(z.unknown()) })], {
  error: 'expected a JSON array of events or {"events": [...]}',
});

/** The events of a parsed envelope; an empty batch is a 400, more than MAX_BATCH_EVENTS a 413. */
export function eventBatchItems(envelope: z.output<typeof eventBatchEnvelopeSchema>): unknown[] {
  const items = Array.isArray(envelope) ? envelope : envelope.events;
  if (items.length === 0) throw new BadRequestError('empty batch', [{ field: 'body', reason: 'the batch holds no events' }]);
  if (items.length > MAX_BATCH_EVENTS) {
    throw new PayloadTooLargeError(`the batch holds ${items.length} events; at most ${MAX_BATCH_EVENTS} per request`);
  }
  return items;
}

interface ZodIssueLike {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  keys?: string[];
  issues?: ReadonlyArray<{ message: string }>;
}

function issueOf(issue: ZodIssueLike): { field: string; reason: string } {
  const path = issue.path.map(String).join('.');
  // A bad record key: zod's own message is "Invalid key in record"; the key schema's says why.
  if (issue.code === 'invalid_key' && issue.issues?.[0]) return { field: path, reason: issue.issues[0].message };
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    const known = 'event_type, ts, event_id, entity_type, entity_id, attributes, metrics';
    return { field: [path, issue.keys[0]].filter(Boolean).join('.'), reason: `unknown field (allowed: ${known})` };
  }
  return { field: path || 'event', reason: issue.message };
}

/** Validates each event on its own; one bad event never rejects the others. */
export function validateEvents(items: readonly unknown[], options: { source: EventSource; now: Date }): ValidatedBatch {
  const receivedAt = options.now.toISOString();
  const latest = options.now.getTime() + MAX_FUTURE_MS;
  const accepted: AcceptedEvent[] = [];
  const rejected: RejectedEvent[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  items.forEach((item, index) => {
    const parsed = eventInputSchema.safeParse(item);
    if (!parsed.success) {
      rejected.push({ index, ...issueOf(parsed.error.issues[0]!) });
      return;
    }
    if (Date.parse(parsed.data.ts) > latest) {
      rejected.push({ index, field: 'ts', reason: `ts is more than 24 h after the time received (${receivedAt})` });
      return;
    }
    const event = toEventRecord(parsed.data, options.source, receivedAt);
    const usage = toUsageRecord(event);
    if (!usage.ok) {
      rejected.push({ index, field: usage.field, reason: usage.reason });
      return;
    }
    if (seen.has(event.id)) {
      duplicates++;
      return;
    }
    seen.add(event.id);
    accepted.push({ index, event, usage: usage.record, clientId: parsed.data.event_id !== undefined });
  });
  return { accepted, rejected, duplicates };
}

interface WriteEventsResult {
  /** Objects put by this call. */
  written: string[];
  /** Objects that already existed (a replay): left as they were. */
  unchanged: string[];
  /** Events landed (first copies of their ids, or retries of those very copies). */
  events: number;
  usageRecords: number;
  /** Later copies of an id accepted before (another ts or payload): acknowledged, not written. */
  duplicates: number;
}

function byDay<T>(items: readonly T[], tsOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const day = utcDay(tsOf(item));
    const list = out.get(day);
    if (list) list.push(item);
    else out.set(day, [item]);
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

function eventOrder(a: EventRecord, b: EventRecord): number {
  return a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Claims each client event id, then writes the first copies: one object per (dataset, UTC day)
 * named by a hash of the ids it holds. An object that exists already holds exactly those ids
 * (first acceptance wins), so it is not rewritten: a replay changes no object and triggers no
 * analyze. Usage records are priced here when a pricer is given (the rollups re-price
 * non-reported records either way).
 */
export async function writeEvents(
  store: ObjectStore,
  batch: readonly AcceptedEvent[],
  options: { pricer?: Pricer | null } = {},
): Promise<WriteEventsResult> {
  const first = await claimEventIds(
    store,
    batch.map((a) => a.event),
    batch.map((a) => a.clientId),
  );
  const accepted = batch.filter((_, i) => first[i]);
  const result: WriteEventsResult = {
    written: [],
    unchanged: [],
    events: accepted.length,
    usageRecords: 0,
    duplicates: batch.length - accepted.length,
  };
  const putOnce = async (key: string, body: string) => {
    if (await store.head(key)) result.unchanged.push(key);
    else {
      await store.put(key, body);
      result.written.push(key);
    }
  };
  for (const [day, events] of byDay(
    accepted.map((a) => a.event),
    (e) => e.ts,
  )) {
    const key = lakeObjectKey('events', day, USAGE_SOURCE, batchId(...events.map((e) => e.id).sort()));
    let body = '';
    for (const e of [...events].sort(eventOrder)) body += `${serializeEventRecord(e)}\n`;
    await putOnce(key, body);
  }
  const usage = accepted.flatMap((a) => (a.usage ? [{ ...a.usage }] : []));
  result.usageRecords = usage.length;
  if (options.pricer) priceRecords(usage, options.pricer);
  for (const [day, records] of byDay(usage, (r) => r.ts)) {
    const key = lakeObjectKey('usage', day, USAGE_SOURCE, batchId(...records.map((r) => r.id).sort()));
    await putOnce(key, serializeUsageObject(records));
  }
  return result;
}

// ── the event bus ────────────────────────────────────────────────────────────────────────────

/** The EventBridge envelope; only the fields the mapping reads are checked. */
export const busEnvelopeSchema = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
type BusEnvelope = z.infer<typeof busEnvelopeSchema>;

const METRIC_NAME = /^[a-z][a-z0-9_]*$/;
const RESERVED_DETAIL_KEYS = new Set(['event_id', 'entity_type', 'entity_id', 'attributes', 'metrics']);

function idLike(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * An EventBridge event as an event input: `detail-type` → event_type, `time` → ts, and
 * `detail.event_id` (the producer's idempotency key, stable across PutEvents retries) or else the
 * envelope `id` → event_id. From `detail`: `entity_type`/`entity_id` as given, else the family
 * with `detail.<family>_id` (`task_id` for task.*); `attributes`/`metrics` objects as given, plus
 * every other top-level value: numbers with snake_case names not ending in `_id` → metrics; other
 * strings, numbers and booleans → attributes; nested objects and arrays → attributes as JSON
 * text; nulls dropped. The result is validated like a POSTed event, so a bad detail is rejected,
 * not guessed at. (The bus rule's detail-type prefixes live in infra/serverless/functions.ts.)
 */
export function eventInputFromBus(envelope: BusEnvelope): Record<string, unknown> {
  const detail = envelope.detail;
  const eventType = envelope['detail-type'];
  const family = familyOf(eventType);
  const familyIdKey = `${family}_id`;
  const familyId = family !== 'other' ? idLike(detail[familyIdKey]) : null;
  const usesFamilyId = idLike(detail.entity_id) === null && familyId !== null;
  const entityId = usesFamilyId ? familyId : idLike(detail.entity_id);
  const entityType = typeof detail.entity_type === 'string' ? detail.entity_type : entityId !== null && family !== 'other' ? family : null;
  // Keys come from the sender: objects without a prototype keep `__proto__` as a key, so the
  // schema sees (and names) it instead of the assignment silently changing the object.
  const attributes: Record<string, unknown> = Object.create(null);
  const metrics: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(detail)) {
    if (RESERVED_DETAIL_KEYS.has(key) || value === null || value === undefined) continue;
    if (key === familyIdKey && usesFamilyId) continue;
    // `*_id` numbers are identifiers, not measurements: summing them would mean nothing.
    if (typeof value === 'number' && METRIC_NAME.test(key) && !key.endsWith('_id')) metrics[key] = value;
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[key] = value;
    else attributes[key] = JSON.stringify(value);
  }
  // Explicit objects are merged over the derived fields; anything else given there is passed on
  // as is so validation rejects it with its field.
  const merge = (derived: Record<string, unknown>, given: unknown) =>
    given === undefined
      ? derived
      : given !== null && typeof given === 'object' && !Array.isArray(given)
        ? Object.assign(Object.create(null), derived, given)
        : given;
  return {
    event_type: eventType,
    ts: envelope.time,
    event_id: idLike(detail.event_id) ?? envelope.id,
    entity_type: entityType,
    entity_id: entityId,
    attributes: merge(attributes, detail.attributes),
    metrics: merge(metrics, detail.metrics),
  };
}

export interface BusIngestResult {
  event_id: string;
  accepted: boolean;
  usage_record: boolean;
  /** Its id was accepted before with another ts or payload: acknowledged, not written. */
  duplicate: boolean;
  rejected: RejectedEvent | null;
  written: string[];
  unchanged: string[];
  /** Where a rejected event went, with its reason (counted in analytics' data_quality). */
  quarantined: string | null;
}

/**
 * One bus event into the lake. A rejected event is quarantined rather than thrown: a retry
 * could not fix it, and a thrown error would only send it round the bus's retry policy.
 */
export async function recordBusEvent(
  deps: { store: ObjectStore; now: Date; pricer?: Pricer | null },
  envelope: BusEnvelope,
): Promise<BusIngestResult> {
  const input = eventInputFromBus(envelope);
  const batch = validateEvents([input], { source: 'eventbridge', now: deps.now });
  const rejected = batch.rejected[0] ?? null;
  if (rejected) {
    const day = utcDay(deps.now);
    const quarantined = await writeQuarantine(deps.store, day, USAGE_SOURCE, batchId('eventbridge', envelope.id), [
      {
        source: USAGE_SOURCE,
        origin: `eventbridge:${envelope.source}:${envelope.id}`,
        line: 1,
        reason: `${rejected.field}: ${rejected.reason}`,
        raw: JSON.stringify(envelope).slice(0, MAX_RAW_CHARS),
      },
    ]);
    return {
      event_id: String(input.event_id),
      accepted: false,
      usage_record: false,
      duplicate: false,
      rejected,
      written: [],
      unchanged: [],
      quarantined,
    };
  }
  const written = await writeEvents(deps.store, batch.accepted, { pricer: deps.pricer ?? null });
  return {
    event_id: batch.accepted[0]!.event.id,
    accepted: true,
    usage_record: written.usageRecords > 0,
    duplicate: written.duplicates > 0,
    rejected: null,
    written: written.written,
    unchanged: written.unchanged,
    quarantined: null,
  };
}
