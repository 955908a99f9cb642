// The lake layout: Hive-partitioned JSONL keyed by the UTC day of each record, deterministic
// object keys (a retried write overwrites, never duplicates), and the quarantine beside it.
// Only sync, ingest and the events route write here; analyze only reads.

import { createHash } from 'node:crypto';
import { utcDay } from '../core/calendar.ts';
import { type Redact, redactKeyShapes } from '../core/redact.ts';
import { type LineReject, parseJsonl } from '../store/jsonl.ts';
import { datasetPrefix, dayOfPartition, partitionPrefix, quarantineKey } from '../store/layout.ts';
import type { ObjectStore, StoredObject } from '../store/object-store.ts';
import { parseUsageRecordFast, serializeRecord, type UsageRecord, usageRecordSchema } from './record.ts';

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
    // Lake timestamps are ISO UTC ('…Z'): the day is their first ten characters.
    const day = r.ts.length >= 20 && r.ts.charCodeAt(10) === 84 && r.ts.endsWith('Z') ? r.ts.slice(0, 10) : utcDay(r.ts);
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

/**
 * Writes rejected lines with their reasons. Every text field passes the redaction step: `redact`
 * (built with the configured secrets, and the key shapes) when the caller has them, the key shapes otherwise — a quarantined
 * line is whatever a source or a client sent, and may hold a key.
 */
export async function writeQuarantine(
  store: ObjectStore,
  day: string,
  source: string,
  batch: string,
  entries: readonly QuarantineEntry[],
  redact: Redact = redactKeyShapes,
): Promise<string | null> {
  if (entries.length === 0) return null;
  const key = quarantineKey(day, source, batch);
  let body = '';
  for (const e of entries)
    body += `${JSON.stringify({ source: e.source, origin: redact(e.origin), line: e.line, reason: redact(e.reason), raw: redact(e.raw) })}\n`;
  await store.put(key, body);
  return key;
}

export function listUsageDay(store: ObjectStore, day: string): Promise<StoredObject[]> {
  return store.list(partitionPrefix('usage', day));
}

interface LakeObjectContent {
  key: string;
  records: UsageRecord[];
  rejects: LineReject[];
}

/** Reads and validates one lake object; lines that no longer validate are reported, not trusted. */
export async function readUsageObject(store: ObjectStore, key: string): Promise<LakeObjectContent> {
  const got = await store.getText(key);
  if (!got) return { key, records: [], rejects: [] };
  return parseUsageObject(key, got.text);
}

/** Validates the text of one lake object (read here, or handed to a rollup thread as bytes). */
export function parseUsageObject(key: string, text: string): LakeObjectContent {
  const { values, rejects } = parseJsonl(text, usageRecordSchema, parseUsageRecordFast);
  return { key, records: values, rejects };
}

/** The days that have a usage partition, ascending. */
export async function listUsageDays(store: ObjectStore): Promise<string[]> {
  const prefixes = await store.listPrefixes(datasetPrefix('usage'));
  return prefixes
    .map(dayOfPartition)
    .filter((d): d is string => d !== null)
    .sort();
}
