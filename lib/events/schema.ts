// Pushed events: the input a client sends (POST /v1/events, the EventBridge bus), the lake line
// they become (`lake/events/dt=YYYY-MM-DD/*.jsonl`), and the mapping of usage-bearing events to a
// UsageRecord so their tokens and cost count in the windows. Pure: no store, no clock of its own.

import { z } from 'zod';
import { FIRST_DAY, isInCalendar, isInstantInCalendar, LAST_DAY } from '../core/calendar.ts';
import { makeRecord, recordId, type UsageRecord, usageRecordSchema } from '../usage/record.ts';

/**
 * Lowercase, dot-separated, at least two segments of `[a-z0-9_]` (the first starting with a
 * letter), at most 128 characters: `task.completed`, `llm.usage`, `tool.call_failed`. Dots are
 * the hierarchy the bus rules match on (`task.*`), so they are required; case is fixed so that
 * `Task.Completed` and `task.completed` cannot become two series.
 */
const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const eventTypeSchema = z
  .string()
  .max(128, 'event_type is at most 128 characters')
  .regex(EVENT_TYPE_PATTERN, 'event_type must be lowercase dotted segments like "task.completed"');

/** The families the analytics service subscribes to; anything else is `other`. */
const EVENT_FAMILIES = ['job', 'task', 'tool', 'budget', 'provider', 'conversation', 'llm', 'other'] as const;
export const eventFamilySchema = z.enum(EVENT_FAMILIES);
export type EventFamily = z.infer<typeof eventFamilySchema>;

/** The family is the event type's first segment when it is a known one. */
export function familyOf(eventType: string): EventFamily {
  const prefix = eventType.split('.', 1)[0] ?? '';
  return (EVENT_FAMILIES as readonly string[]).includes(prefix) && prefix !== 'other' ? (prefix as EventFamily) : 'other';
}

/** `otlp`: the twin of a usage record the OTLP receiver landed, carrying the telemetry's labels. */
const eventSourceSchema = z.enum(['api', 'eventbridge', 'otlp']);
export type EventSource = z.infer<typeof eventSourceSchema>;

// Limits keep one event small (a batch of 1,000 must fit in 1 MiB) and the lake queryable.
const MAX_ATTRIBUTES = 64;
const MAX_ATTRIBUTE_VALUE_CHARS = 1024;
/** Serialised size of `attributes` (UTF-8 bytes of its JSON). */
const MAX_ATTRIBUTES_BYTES = 8 * 1024;
const MAX_METRICS = 64;
/** The largest metric value accepted (either sign). */
const MAX_METRIC_ABS = 1e15;

const attributeKeySchema = z
  .string()
  .min(1)
  .max(64, 'attribute names are at most 64 characters')
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/, 'attribute names use letters, digits, _ . : -');

/**
 * zod skips a `__proto__` key of a record without a word (assigning it would change the result's
 * prototype): refuse it by name before, so a client learns why its field is missing.
 */
function withoutProtoKey<T extends z.ZodType>(schema: T, what: string) {
  return z.preprocess((value, ctx) => {
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      ctx.issues.push({ code: 'custom', message: `"__proto__" is reserved and cannot be ${what}`, path: ['__proto__'], input: value });
    }
    return value;
  }, schema);
}

/** Free-form labels: strings, finite numbers or booleans; no nesting, no nulls (omit the key). */
const attributesSchema = withoutProtoKey(
  z
    .record(
      attributeKeySchema,
      z.union(
        [
          z.string().max(MAX_ATTRIBUTE_VALUE_CHARS, `attribute values are at most ${MAX_ATTRIBUTE_VALUE_CHARS} characters`),
          z.number(),
          z.boolean(),
        ],
        {
          error: `attribute values are strings (≤ ${MAX_ATTRIBUTE_VALUE_CHARS} characters), finite numbers or booleans`,
        },
      ),
    )
    .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
    .refine((a) => Buffer.byteLength(JSON.stringify(a), 'utf8') <= MAX_ATTRIBUTES_BYTES, `attributes exceed ${MAX_ATTRIBUTES_BYTES} bytes`),
  'an attribute name',
);

/** Measurements summed and averaged by the rollups: `duration_ms`, `tokens`, `cost_usd`, … */
const metricsSchema = withoutProtoKey(
  z
    .record(
      z
        .string()
        .max(64, 'metric names are at most 64 characters')
        .regex(/^[a-z][a-z0-9_]*$/, 'metric names are snake_case like "duration_ms"'),
      // zod already refuses NaN and ±Infinity (JSON's 1e999 parses to Infinity); the cap keeps the
      // sums of millions of values finite (two 1e308 would add up to Infinity).
      z
        .number({ error: 'metric values are finite numbers' })
        .refine((v) => Math.abs(v) <= MAX_METRIC_ABS, `metric values lie between -${MAX_METRIC_ABS} and ${MAX_METRIC_ABS} (10^15)`),
    )
    .refine((m) => Object.keys(m).length <= MAX_METRICS, `at most ${MAX_METRICS} metrics`),
  'a metric name',
);

const labelSchema = z.string().min(1).max(256);

/**
 * One event as a client sends it. Unknown fields are refused (a typo such as `metric` would
 * otherwise drop data silently). `ts` needs an explicit offset (`Z` or `+02:00`); it is stored in UTC.
 * @example {"event_type":"task.completed","ts":"2026-11-23T09:15:00Z","event_id":"run-42/task-7",
 *  "entity_type":"task","entity_id":"task-7","attributes":{"queue":"default"},"metrics":{"duration_ms":5300}}
 */
export const eventInputSchema = z.strictObject({
  event_type: eventTypeSchema,
  ts: z.iso
    .datetime({ offset: true, message: 'ts must be an ISO 8601 instant with a zone, e.g. 2026-11-23T09:15:00Z' })
    .refine((ts) => isInstantInCalendar(new Date(ts)), `ts must lie between ${FIRST_DAY} and ${LAST_DAY}`),
  /** The client's idempotency key: the same id sent twice is stored once. */
  event_id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, 'event_id is printable ASCII without spaces')
    .optional(),
  entity_type: z.string().min(1).max(64).nullable().optional(),
  entity_id: labelSchema.nullable().optional(),
  attributes: attributesSchema.optional(),
  metrics: metricsSchema.optional(),
});
type EventInput = z.infer<typeof eventInputSchema>;

/**
 * The lake line under `lake/events/`. Every key is present; unknown entity fields are null and
 * absent attributes/metrics are `{}`. `id` is the client's `event_id` or, without one, a hash of
 * the event's content (so an identical event sent twice has one id); readers dedupe by id.
 * @example {"id":"run-42/task-7","ts":"2026-11-23T09:15:00.000Z","event_type":"task.completed","family":"task",
 *  "entity_type":"task","entity_id":"task-7","attributes":{"queue":"default"},"metrics":{"duration_ms":5300},
 *  "source":"api","received_at":"2026-11-23T09:15:01.250Z"}
 */
export const eventRecordSchema = z.object({
  id: z.string().min(1).max(128),
  ts: z.iso.datetime({ offset: false }).refine((ts) => isInCalendar(ts.slice(0, 10)), `must lie between ${FIRST_DAY} and ${LAST_DAY}`),
  event_type: eventTypeSchema,
  family: eventFamilySchema,
  entity_type: z.string().min(1).max(64).nullable(),
  entity_id: labelSchema.nullable(),
  attributes: attributesSchema,
  metrics: metricsSchema,
  source: eventSourceSchema,
  /** When tokenlake accepted the event (first acceptance wins on replays). */
  received_at: z.iso.datetime({ offset: false }),
});
export type EventRecord = z.infer<typeof eventRecordSchema>;

function sortedEntries<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** An id for an event without `event_id`: its type, instant, entity and payload (keys sorted). */
function contentEventId(e: Pick<EventRecord, 'event_type' | 'ts' | 'entity_type' | 'entity_id' | 'attributes' | 'metrics'>): string {
  return `h-${recordId(
    e.event_type,
    e.ts,
    e.entity_type,
    e.entity_id,
    JSON.stringify(sortedEntries(e.attributes)),
    JSON.stringify(sortedEntries(e.metrics)),
  )}`;
}

/** The lake line for a validated input; `ts` becomes UTC with milliseconds. */
export function toEventRecord(input: EventInput, source: EventSource, receivedAt: string): EventRecord {
  const base = {
    ts: new Date(input.ts).toISOString(),
    event_type: input.event_type,
    family: familyOf(input.event_type),
    entity_type: input.entity_type ?? null,
    entity_id: input.entity_id ?? null,
    attributes: sortedEntries(input.attributes ?? {}),
    metrics: sortedEntries(input.metrics ?? {}),
  };
  return { id: input.event_id ?? contentEventId(base), ...base, source, received_at: receivedAt };
}

/** Fixed key order so identical events give identical bytes (and ETags). */
export function serializeEventRecord(e: EventRecord): string {
  return JSON.stringify({
    id: e.id,
    ts: e.ts,
    event_type: e.event_type,
    family: e.family,
    entity_type: e.entity_type,
    entity_id: e.entity_id,
    attributes: e.attributes,
    metrics: e.metrics,
    source: e.source,
    received_at: e.received_at,
  });
}

// ── usage-bearing events ─────────────────────────────────────────────────────────────────────

const USAGE_EVENT_TYPE = 'llm.usage';
export const USAGE_SOURCE = 'events';

/** Metrics that map to the UsageRecord's disjoint token counts (input = UNCACHED input). */
const TOKEN_METRICS = ['input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_creation_1h_tokens', 'cache_read_tokens'] as const;
/** Attributes copied to the UsageRecord's labels when they are strings. */
const LABEL_ATTRIBUTES = ['project', 'user', 'session', 'machine', 'api_key', 'workspace', 'service_tier'] as const;

/**
 * An event carries usage when its type is `llm.usage`, or when it names `attributes.provider`
 * and `attributes.model` and has at least one token metric. (`metrics.tokens` alone is just a
 * metric: it does not say which kind of token, so it cannot be priced.)
 */
function carriesUsage(e: Pick<EventRecord, 'event_type' | 'attributes' | 'metrics'>): boolean {
  if (e.event_type === USAGE_EVENT_TYPE) return true;
  return (
    typeof e.attributes.provider === 'string' &&
    typeof e.attributes.model === 'string' &&
    TOKEN_METRICS.some((k) => e.metrics[k] !== undefined)
  );
}

type UsageMapping = { ok: true; record: UsageRecord | null } | { ok: false; field: string; reason: string };

/**
 * The UsageRecord of a usage-bearing event (null for other events), or why it cannot be one.
 * Its id is derived from the event id so a replayed event overwrites instead of adding. A
 * `metrics.cost_usd` is taken as the reported cost; otherwise the record is priced later.
 * Latency is `metrics.latency_ms`, else `metrics.duration_ms`; requests default to 1.
 */
export function toUsageRecord(e: EventRecord): UsageMapping {
  if (!carriesUsage(e)) return { ok: true, record: null };
  const { provider, model } = e.attributes;
  if (typeof provider !== 'string' || provider === '') {
    return { ok: false, field: 'attributes.provider', reason: `${e.event_type} carries usage and needs attributes.provider (a string)` };
  }
  if (typeof model !== 'string' || model === '') {
    return { ok: false, field: 'attributes.model', reason: `${e.event_type} carries usage and needs attributes.model (a string)` };
  }
  if (!TOKEN_METRICS.some((k) => e.metrics[k] !== undefined)) {
    return { ok: false, field: 'metrics', reason: `${e.event_type} needs at least one of ${TOKEN_METRICS.join(', ')}` };
  }
  const tokens: Partial<Record<(typeof TOKEN_METRICS)[number], number>> = {};
  for (const k of TOKEN_METRICS) {
    const v = e.metrics[k];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 0) return { ok: false, field: `metrics.${k}`, reason: 'token counts are whole numbers ≥ 0' };
    tokens[k] = v;
  }
  if ((tokens.cache_creation_1h_tokens ?? 0) > (tokens.cache_creation_tokens ?? 0)) {
    return {
      ok: false,
      field: 'metrics.cache_creation_1h_tokens',
      reason: 'cache_creation_1h_tokens is the 1-hour part of cache_creation_tokens and cannot exceed it',
    };
  }
  const requests = e.metrics.requests ?? 1;
  if (!Number.isSafeInteger(requests) || requests < 0)
    return { ok: false, field: 'metrics.requests', reason: 'requests is a whole number ≥ 0' };
  const cost = e.metrics.cost_usd;
  if (cost !== undefined && cost < 0) return { ok: false, field: 'metrics.cost_usd', reason: 'cost_usd cannot be negative' };
  const latency = e.metrics.latency_ms ?? e.metrics.duration_ms ?? null;
  if (latency !== null && latency < 0) return { ok: false, field: 'metrics.latency_ms', reason: 'latency cannot be negative' };

  const labels: Partial<UsageRecord> = {};
  for (const k of LABEL_ATTRIBUTES) {
    const v = e.attributes[k];
    if (typeof v === 'string' && v !== '') labels[k] = v;
  }
  const record = makeRecord({
    id: recordId(USAGE_SOURCE, e.id),
    ts: e.ts,
    source: USAGE_SOURCE,
    provider,
    model,
    ...labels,
    ...tokens,
    requests,
    cost_usd: cost ?? null,
    cost_source: cost !== undefined ? 'reported' : 'unpriced',
    latency_ms: latency,
  });
  const checked = usageRecordSchema.safeParse(record);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = String(issue?.path[0] ?? 'attributes');
    const origin = (TOKEN_METRICS as readonly string[]).includes(field) || field === 'requests' ? 'metrics' : 'attributes';
    return { ok: false, field: `${origin}.${field}`, reason: issue?.message ?? 'not a valid usage record' };
  }
  return { ok: true, record: checked.data };
}
