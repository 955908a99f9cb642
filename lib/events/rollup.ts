// Daily event rollups: one object per UTC day (`rollups/events/dt=DAY.json`) holding, per hour,
// event type and tool, the event count and per-metric sum/count/min/max, plus the ETags of the
// lake objects it was built from so an unchanged day is not read again. Events are deduplicated
// by id here within a day (a retried batch may land the same copy twice); across days an id is
// claimed at ingestion (lib/events/identity.ts), so a later copy never reaches the lake.

import { z } from 'zod';
import { CorruptObjectError, DayRollupError, errorMessage } from '../core/errors.ts';
import { parseJsonl } from '../store/jsonl.ts';
import { EVENT_ROLLUP_PREFIX, eventRollupKey, partitionPrefix } from '../store/layout.ts';
import type { ObjectStore, StoredObject } from '../store/object-store.ts';
import { readStoredJson } from '../store/stored-json.ts';
import { sameInputs } from '../usage/rollup.ts';
import { type EventRecord, eventFamilySchema, eventRecordSchema } from './schema.ts';

const EVENT_ROLLUP_SCHEMA_VERSION = 1;

const count = z.int().nonnegative();

/** Mergeable summary of one metric: mean = sum / count. */
const metricStatsSchema = z.object({
  sum: z.number(),
  count: z.int().positive(),
  min: z.number(),
  max: z.number(),
});
export type MetricStats = z.infer<typeof metricStatsSchema>;

const eventRollupRowSchema = z.object({
  /** UTC hour of the day, 0–23. */
  hour: z.int().min(0).max(23),
  event_type: z.string(),
  family: eventFamilySchema,
  /** For tool.* events: `attributes.tool`, else `entity_id`, else null. Null for other families. */
  tool: z.string().nullable(),
  count: z.int().positive(),
  metrics: z.record(z.string(), metricStatsSchema),
});
export type EventRollupRow = z.infer<typeof eventRollupRowSchema>;

/**
 * A daily event rollup.
 * @example {"schema_version":1,"day":"2026-11-23","built_at":"2026-11-23T10:00:00.000Z",
 *  "inputs":[{"key":"lake/events/dt=2026-11-23/events-0f3a….jsonl","etag":"9b2c…","size":812}],
 *  "rows":[{"hour":9,"event_type":"tool.completed","family":"tool","tool":"web_search","count":2,
 *   "metrics":{"duration_ms":{"sum":1500,"count":2,"min":500,"max":1000}}}],
 *  "stats":{"events":2,"duplicates":0,"invalid_lines":0}}
 */
export const eventRollupSchema = z.object({
  schema_version: z.literal(EVENT_ROLLUP_SCHEMA_VERSION),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  built_at: z.string(),
  inputs: z.array(z.object({ key: z.string(), etag: z.string(), size: z.number() })),
  rows: z.array(eventRollupRowSchema),
  stats: z.object({
    /** Unique events (by id) of the day. */
    events: count,
    /** Extra copies of an id dropped (replays across batches, bus retries). */
    duplicates: count,
    /** Lake lines that no longer validate (never counted). */
    invalid_lines: count,
  }),
});
export type EventRollup = z.infer<typeof eventRollupSchema>;

/** The tool a tool.* event is about: `attributes.tool` when it is a string, else the entity id. */
function toolOf(e: Pick<EventRecord, 'family' | 'attributes' | 'entity_id'>): string | null {
  if (e.family !== 'tool') return null;
  const named = e.attributes.tool;
  if (typeof named === 'string' && named !== '') return named;
  return e.entity_id;
}

/** Metric names are client data: an inherited property (`constructor`) is never a metric. */
function ownStats(into: Record<string, MetricStats>, name: string): MetricStats | undefined {
  return Object.hasOwn(into, name) ? into[name] : undefined;
}

function addMetric(into: Record<string, MetricStats>, name: string, value: number): void {
  const s = ownStats(into, name);
  if (!s) into[name] = { sum: value, count: 1, min: value, max: value };
  else {
    s.sum += value;
    s.count += 1;
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
  }
}

export function mergeMetric(into: Record<string, MetricStats>, name: string, from: MetricStats): void {
  const s = ownStats(into, name);
  if (!s) into[name] = { ...from };
  else {
    s.sum += from.sum;
    s.count += from.count;
    s.min = Math.min(s.min, from.min);
    s.max = Math.max(s.max, from.max);
  }
}

/** One event per id; of two copies the first received is kept (the one a replay could not change). */
function dedupeEvents(events: Iterable<EventRecord>): { unique: EventRecord[]; duplicates: number } {
  const byId = new Map<string, EventRecord>();
  let duplicates = 0;
  for (const e of events) {
    const seen = byId.get(e.id);
    if (!seen) byId.set(e.id, e);
    else {
      duplicates++;
      if (e.received_at < seen.received_at) byId.set(e.id, e);
    }
  }
  return { unique: [...byId.values()], duplicates };
}

interface EventRollupInput {
  day: string;
  builtAt: string;
  inputs: readonly StoredObject[];
  events: readonly EventRecord[];
  invalidLines: number;
}

/** Builds a day's event rollup (pure). */
export function buildEventRollup(input: EventRollupInput): EventRollup {
  const { unique, duplicates } = dedupeEvents(input.events);
  const rows = new Map<string, EventRollupRow>();
  for (const e of unique) {
    const hour = Number(e.ts.slice(11, 13));
    const tool = toolOf(e);
    const key = `${hour}\u0000${e.event_type}\u0000${tool ?? '\u0001'}`;
    let row = rows.get(key);
    if (!row) {
      row = { hour, event_type: e.event_type, family: e.family, tool, count: 0, metrics: {} };
      rows.set(key, row);
    }
    row.count += 1;
    for (const [name, value] of Object.entries(e.metrics)) addMetric(row.metrics, name, value);
  }
  const order = (a: EventRollupRow, b: EventRollupRow) =>
    a.hour - b.hour || a.event_type.localeCompare(b.event_type) || (a.tool ?? '').localeCompare(b.tool ?? '');
  return {
    schema_version: EVENT_ROLLUP_SCHEMA_VERSION,
    day: input.day,
    built_at: input.builtAt,
    inputs: input.inputs.map((o) => ({ key: o.key, etag: o.etag, size: o.size })),
    rows: [...rows.values()].sort(order),
    stats: { events: unique.length, duplicates, invalid_lines: input.invalidLines },
  };
}

/** Reads a day's event rollup; a corrupt or outdated one is reported so the caller rebuilds it. */
export async function readEventRollup(store: ObjectStore, day: string): Promise<EventRollup | null> {
  return (await readStoredJson(store, eventRollupKey(day), eventRollupSchema))?.value ?? null;
}

interface RefreshEventDayResult {
  rollup: EventRollup | null;
  rebuilt: boolean;
  /** Lake objects read (GETs). */
  objectsRead: number;
  /** Lines that failed validation, for the caller to log. */
  invalidLines: number;
}

/**
 * Rebuilds a day's event rollup from `lake/events/dt=DAY/` unless it was built from exactly the
 * objects (key and ETag) there now. A day whose objects all disappeared (retention) gets an
 * empty rollup if it had one; a day that never had events gets none.
 */
export async function refreshEventDay(
  store: ObjectStore,
  day: string,
  now: Date,
  options: { force?: boolean } = {},
): Promise<RefreshEventDayResult> {
  const inputs = (await store.list(partitionPrefix('events', day))).filter((o) => o.key.endsWith('.jsonl'));
  let existing: EventRollup | null = null;
  try {
    existing = await readEventRollup(store, day);
  } catch (error) {
    if (!(error instanceof CorruptObjectError)) throw error;
  }
  if (!options.force && existing && sameInputs(existing.inputs, inputs))
    return { rollup: existing, rebuilt: false, objectsRead: 0, invalidLines: 0 };
  if (inputs.length === 0 && !existing) return { rollup: null, rebuilt: false, objectsRead: 0, invalidLines: 0 };
  const events: EventRecord[] = [];
  let invalid = 0;
  for (const o of inputs) {
    const got = await store.getText(o.key);
    if (!got) continue;
    const { values, rejects } = parseJsonl(got.text, eventRecordSchema);
    for (const e of values) events.push(e);
    invalid += rejects.length;
  }
  let rollup: EventRollup;
  try {
    rollup = eventRollupSchema.parse(buildEventRollup({ day, builtAt: now.toISOString(), inputs, events, invalidLines: invalid }));
  } catch (error) {
    throw new DayRollupError(day, 'events', { cause: error });
  }
  await store.put(eventRollupKey(day), JSON.stringify(rollup));
  return { rollup, rebuilt: true, objectsRead: inputs.length, invalidLines: invalid };
}

/**
 * The event rollups that exist for the given days (missing days are skipped). A corrupt one is
 * left out with a warning rather than stopping analytics: its day is rebuilt when its events
 * change, or by an aggregate of the day.
 */
export async function loadEventRollups(
  store: ObjectStore,
  days: readonly string[],
  log?: { warn(message: string, fields?: Record<string, unknown>): void },
): Promise<EventRollup[]> {
  const existing = new Set((await store.list(EVENT_ROLLUP_PREFIX)).map((o) => o.key));
  const out: EventRollup[] = [];
  for (const day of days) {
    if (!existing.has(eventRollupKey(day))) continue;
    try {
      const r = await readEventRollup(store, day);
      if (r) out.push(r);
    } catch (error) {
      if (!(error instanceof CorruptObjectError)) throw error;
      log?.warn('corrupt event rollup left out of analytics', { day, error: errorMessage(error) });
    }
  }
  return out;
}
