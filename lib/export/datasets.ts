// The export datasets, read for a period: `usage` (the lake's records, deduplicated by id, kept
// when their ts lies in [start, end)), `daily` (the rollups' sums per local day and group) and
// `events` (pushed events from lake/events/, deduplicated by id). Each becomes an ExportTable
// with fixed, typed columns; labels pass through the anonymizer on the way.

import { localDay, utcDaysOfRange } from '../core/calendar.ts';
import { mapLimited } from '../core/map-limited.ts';
import { type EventRecord, eventRecordSchema } from '../events/schema.ts';
import { parseJsonl } from '../store/jsonl.ts';
import { partitionPrefix } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { AnonymizableField, Anonymizer } from '../usage/anonymize.ts';
import { listUsageDay, readUsageObject } from '../usage/lake.ts';
import { totalTokens, type UsageRecord } from '../usage/record.ts';
import { addSums, dedupeRecords, emptySums, type RollupRow, type UsageSums } from '../usage/rollup.ts';
import type { ColumnSpec, ExportTable } from './table.ts';

interface InstantRange {
  start: Date;
  end: Date;
}

/** Parallel lake GETs: enough to hide S3 latency, few enough for a small Lambda. */
const READ_CONCURRENCY = 8;

function inRange(ts: string, range: InstantRange): boolean {
  const t = Date.parse(ts);
  return t >= range.start.getTime() && t < range.end.getTime();
}

function byTsThenId(a: { ts: string; id: string }, b: { ts: string; id: string }): number {
  return a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

interface LoadedRecords<T> {
  records: T[];
  /** Extra copies of an id dropped. */
  duplicates: number;
  /** Lake lines that no longer validate (skipped, as the rollups skip them). */
  invalidLines: number;
}

/** The usage records of a period, one per id (the copy the rollups keep), ordered by ts then id. */
export async function loadUsageRecords(store: ObjectStore, range: InstantRange): Promise<LoadedRecords<UsageRecord>> {
  const objects = (await mapLimited(utcDaysOfRange(range), READ_CONCURRENCY, (day) => listUsageDay(store, day))).flat();
  const contents = await mapLimited(objects, READ_CONCURRENCY, (o) => readUsageObject(store, o.key));
  const { unique, duplicates } = dedupeRecords(contents.flatMap((c) => c.records));
  return {
    records: unique.filter((r) => inRange(r.ts, range)).sort(byTsThenId),
    duplicates,
    invalidLines: contents.reduce((n, c) => n + c.rejects.length, 0),
  };
}

/**
 * The same records one UTC day at a time (each day de-duplicated and ordered, as the rollups keep
 * them), so a large export holds one day of records rather than the whole period at once.
 */
export async function* usageRecordsByDay(store: ObjectStore, range: InstantRange): AsyncGenerator<UsageRecord[]> {
  for (const day of utcDaysOfRange(range)) {
    const objects = await listUsageDay(store, day);
    const contents = await mapLimited(objects, READ_CONCURRENCY, (o) => readUsageObject(store, o.key));
    const { unique } = dedupeRecords(contents.flatMap((c) => c.records));
    yield unique.filter((r) => inRange(r.ts, range)).sort(byTsThenId);
  }
}

/** The pushed events of a period; of two copies of an id the first accepted is kept. */
export async function loadEventRecords(store: ObjectStore, range: InstantRange): Promise<LoadedRecords<EventRecord>> {
  const objects = (await mapLimited(utcDaysOfRange(range), READ_CONCURRENCY, (day) => store.list(partitionPrefix('events', day)))).flat();
  const texts = await mapLimited(
    objects.filter((o) => o.key.endsWith('.jsonl')),
    READ_CONCURRENCY,
    (o) => store.getText(o.key),
  );
  const byId = new Map<string, EventRecord>();
  let duplicates = 0;
  let invalidLines = 0;
  for (const got of texts) {
    if (!got) continue;
    const { values, rejects } = parseJsonl(got.text, eventRecordSchema);
    invalidLines += rejects.length;
    for (const e of values) {
      const seen = byId.get(e.id);
      if (seen) {
        duplicates++;
        if (e.received_at < seen.received_at) byId.set(e.id, e);
      } else byId.set(e.id, e);
    }
  }
  return { records: [...byId.values()].filter((e) => inRange(e.ts, range)).sort(byTsThenId), duplicates, invalidLines };
}

// ── usage ────────────────────────────────────────────────────────────────────────────────────

/** The lake line's columns, in the lake's key order. */
export const USAGE_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'string' },
  { name: 'ts', type: 'timestamp' },
  { name: 'source', type: 'string' },
  { name: 'provider', type: 'string' },
  { name: 'model', type: 'string' },
  { name: 'project', type: 'string' },
  { name: 'user', type: 'string' },
  { name: 'session', type: 'string' },
  { name: 'machine', type: 'string' },
  { name: 'api_key', type: 'string' },
  { name: 'workspace', type: 'string' },
  { name: 'service_tier', type: 'string' },
  { name: 'input_tokens', type: 'int' },
  { name: 'output_tokens', type: 'int' },
  { name: 'cache_creation_tokens', type: 'int' },
  { name: 'cache_creation_1h_tokens', type: 'int' },
  { name: 'cache_read_tokens', type: 'int' },
  { name: 'requests', type: 'int' },
  { name: 'cost_usd', type: 'double' },
  { name: 'cost_source', type: 'string' },
  { name: 'latency_ms', type: 'double' },
  { name: 'bucket_seconds', type: 'int' },
];

export function usageTable(records: readonly UsageRecord[], anon: Anonymizer): ExportTable {
  return {
    columns: USAGE_COLUMNS,
    rows: records.map((r) => [
      r.id,
      r.ts,
      r.source,
      r.provider,
      r.model,
      anon.label('project', r.project),
      anon.label('user', r.user),
      anon.label('session', r.session),
      anon.label('machine', r.machine),
      anon.label('api_key', r.api_key),
      anon.label('workspace', r.workspace),
      r.service_tier,
      r.input_tokens,
      r.output_tokens,
      r.cache_creation_tokens,
      r.cache_creation_1h_tokens,
      r.cache_read_tokens,
      r.requests,
      r.cost_usd,
      r.cost_source,
      r.latency_ms,
      r.bucket_seconds,
    ]),
  };
}

// ── daily ────────────────────────────────────────────────────────────────────────────────────

export const DAILY_COLUMNS: ColumnSpec[] = [
  { name: 'day', type: 'string' },
  { name: 'source', type: 'string' },
  { name: 'provider', type: 'string' },
  { name: 'model', type: 'string' },
  { name: 'project', type: 'string' },
  { name: 'user', type: 'string' },
  { name: 'machine', type: 'string' },
  { name: 'api_key', type: 'string' },
  { name: 'workspace', type: 'string' },
  { name: 'input_tokens', type: 'int' },
  { name: 'output_tokens', type: 'int' },
  { name: 'cache_creation_tokens', type: 'int' },
  { name: 'cache_read_tokens', type: 'int' },
  { name: 'total_tokens', type: 'int' },
  { name: 'requests', type: 'int' },
  { name: 'records', type: 'int' },
  { name: 'cost_usd', type: 'double' },
  { name: 'reported_cost_usd', type: 'double' },
  { name: 'unpriced_records', type: 'int' },
];

/**
 * Sums per local day (in the time zone) and group of the rollup rows given (already limited to
 * the period's hours). Costs are the rollups': re-priced with the table in force at analyze time.
 */
export function dailyTable(rows: ReadonlyArray<{ at: number; row: RollupRow }>, timeZone: string, anon: Anonymizer): ExportTable {
  const groups = new Map<string, { day: string; row: RollupRow; sums: UsageSums }>();
  for (const { at, row } of rows) {
    const day = localDay(new Date(at), timeZone);
    const labels = [row.source, row.provider, row.model, row.project, row.user, row.machine, row.api_key, row.workspace];
    const key = `${day}\u0000${labels.join('\u0000')}`;
    let g = groups.get(key);
    if (!g) {
      g = { day, row, sums: emptySums() };
      groups.set(key, g);
    }
    addSums(g.sums, row);
  }
  const ordered = [...groups.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : b.sums.cost_usd - a.sums.cost_usd));
  return {
    columns: DAILY_COLUMNS,
    rows: ordered.map(({ day, row, sums }) => [
      day,
      row.source,
      row.provider,
      row.model,
      anon.label('project', row.project),
      anon.label('user', row.user),
      anon.label('machine', row.machine),
      anon.label('api_key', row.api_key),
      anon.label('workspace', row.workspace),
      sums.input_tokens,
      sums.output_tokens,
      sums.cache_creation_tokens,
      sums.cache_read_tokens,
      totalTokens(sums),
      sums.requests,
      sums.records,
      // Unknown is null (an empty CSV cell), never 0: a group none of whose records has a price or a
      // reported cost has no cost; a partly priced one gives the known part and unpriced_records.
      sums.records > 0 && sums.unpriced_records >= sums.records ? null : sums.cost_usd,
      sums.reported_cost_usd,
      sums.unpriced_records,
    ]),
  };
}

// ── events ───────────────────────────────────────────────────────────────────────────────────

export const EVENT_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'string' },
  { name: 'ts', type: 'timestamp' },
  { name: 'event_type', type: 'string' },
  { name: 'family', type: 'string' },
  { name: 'entity_type', type: 'string' },
  { name: 'entity_id', type: 'string' },
  { name: 'attributes', type: 'json' },
  { name: 'metrics', type: 'json' },
  { name: 'source', type: 'string' },
  { name: 'received_at', type: 'timestamp' },
];

/** Anonymised fields apply to attributes of the same name and to entity ids of that entity type. */
export function eventsTable(events: readonly EventRecord[], anon: Anonymizer): ExportTable {
  return {
    columns: EVENT_COLUMNS,
    rows: events.map((e) => {
      const attributes: Record<string, unknown> = { ...e.attributes };
      for (const field of anon.fields) {
        const v = attributes[field];
        if (typeof v === 'string') attributes[field] = anon.label(field, v);
      }
      const entityField = anon.fields.has(e.entity_type as AnonymizableField) ? (e.entity_type as AnonymizableField) : null;
      return [
        e.id,
        e.ts,
        e.event_type,
        e.family,
        e.entity_type,
        entityField ? anon.label(entityField, e.entity_id) : e.entity_id,
        attributes,
        e.metrics,
        e.source,
        e.received_at,
      ];
    }),
  };
}
