// The lake layout: Hive-partitioned JSONL keyed by the UTC day of each record, deterministic
// object keys (a retried write overwrites, never duplicates), and the quarantine beside it.
// Only sync, ingest and the events route write here; analyze only reads.

import { createHash } from 'node:crypto';
import { utcDay } from './calendar.ts';
import { type LineReject, parseJsonl } from './jsonl.ts';
import { parseUsageRecordFast, serializeRecord, type UsageRecord, usageRecordSchema } from './record.ts';
import type { ObjectStore, StoredObject } from './storage.ts';

export const LAKE_PREFIX = 'lake/';
export const USAGE_PREFIX = 'lake/usage/';
export const EVENTS_PREFIX = 'lake/events/';
export const QUARANTINE_PREFIX = 'quarantine/';

export type Dataset = 'usage' | 'events';

export function partitionPrefix(dataset: Dataset, day: string): string {
  return `lake/${dataset}/dt=${day}/`;
}

export function lakeObjectKey(dataset: Dataset, day: string, source: string, batchId: string): string {
  return `${partitionPrefix(dataset, day)}${source}-${batchId}.jsonl`;
}

export function quarantineKey(day: string, source: string, batchId: string): string {
  return `${QUARANTINE_PREFIX}dt=${day}/${source}-${batchId}.jsonl`;
}

/** `lake/usage/dt=2026-01-31/x.jsonl` → { dataset, day }; null for anything else. */
export function parseLakeKey(key: string): { dataset: Dataset; day: string } | null {
  const m = /^lake\/(usage|events)\/dt=(\d{4}-\d{2}-\d{2})\/[^/]+\.jsonl$/.exec(key);
  return m ? { dataset: m[1] as Dataset, day: m[2]! } : null;
}

export function parseQuarantineKey(key: string): { day: string } | null {
  const m = /^quarantine\/dt=(\d{4}-\d{2}-\d{2})\/[^/]+\.jsonl$/.exec(key);
  return m ? { day: m[1]! } : null;
}

/** A short stable id for a batch from the parts that identify its input. */
export function batchId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 20);
}

export interface QuarantineEntry extends LineReject {
  source: string;
  /** Where the line came from (file path, API page, request). */
  origin: string;
}

export function groupByDay(records: readonly UsageRecord[]): Map<string, UsageRecord[]> {
  const byDay = new Map<string, UsageRecord[]>();
  for (const r of records) {
    const day = utcDay(r.ts);
    let list = byDay.get(day);
    if (!list) {
      list = [];
      byDay.set(day, list);
    }
    list.push(r);
  }
  return byDay;
}

function recordOrder(a: UsageRecord, b: UsageRecord): number {
  return a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function serializeUsageObject(records: readonly UsageRecord[]): string {
  let out = '';
  for (const r of [...records].sort(recordOrder)) out += `${serializeRecord(r)}\n`;
  return out;
}

export async function writeQuarantine(
  store: ObjectStore,
  day: string,
  source: string,
  batch: string,
  entries: readonly QuarantineEntry[],
): Promise<string | null> {
  if (entries.length === 0) return null;
  const key = quarantineKey(day, source, batch);
  let body = '';
  for (const e of entries)
    body += `${JSON.stringify({ source: e.source, origin: e.origin, line: e.line, reason: e.reason, raw: e.raw })}\n`;
  await store.put(key, body);
  return key;
}

export function listUsageDay(store: ObjectStore, day: string): Promise<StoredObject[]> {
  return store.list(partitionPrefix('usage', day));
}

export interface LakeObjectContent {
  key: string;
  records: UsageRecord[];
  rejects: LineReject[];
}

/** Reads and validates one lake object; lines that no longer validate are reported, not trusted. */
export async function readUsageObject(store: ObjectStore, key: string): Promise<LakeObjectContent> {
  const got = await store.getText(key);
  if (!got) return { key, records: [], rejects: [] };
  const { values, rejects } = parseJsonl(got.text, usageRecordSchema, parseUsageRecordFast);
  return { key, records: values, rejects };
}

/** The days that have a usage partition, ascending. */
export async function listUsageDays(store: ObjectStore): Promise<string[]> {
  const prefixes = await store.listPrefixes(USAGE_PREFIX);
  return prefixes
    .map((p) => /dt=(\d{4}-\d{2}-\d{2})\/$/.exec(p)?.[1])
    .filter((d): d is string => d !== undefined)
    .sort();
}
