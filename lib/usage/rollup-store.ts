// Rollups and id indexes in the store: their stored form (serialisers), the hand-written checks
// that read them fast (each held to its zod schema by a property test), and the reads and writes.

import { isInCalendar, isValidDay } from '../core/calendar.ts';
import { usageIdsKey, usageRollupKey } from '../store/layout.ts';
import type { ObjectStore, StoredObject } from '../store/object-store.ts';
import { readStoredJson } from '../store/stored-json.ts';
import {
  GROUP_KEY_KEYS,
  GROUP_KEY_KINDS,
  ROLLUP_SCHEMA_VERSION,
  type Rollup,
  rollupSchema,
  USAGE_SUM_KEYS,
  USAGE_SUM_KINDS,
  type UsageIdIndex,
  usageIdIndexSchema,
} from './rollup-schema.ts';

/** The id index of a day, or null when it is missing or unreadable (the day is then rebuilt). */
export async function readUsageIdIndex(store: ObjectStore, day: string): Promise<UsageIdIndex | null> {
  const got = await store.getText(usageIdsKey(day));
  if (!got) return null;
  let json: unknown;
  try {
    json = JSON.parse(got.text);
  } catch {
    return null;
  }
  // Checked by hand first: a day of 100 k ids takes zod tens of milliseconds.
  const quick = isUsageIdIndex(json) ? json : null;
  if (quick) return quick;
  const parsed = usageIdIndexSchema.safeParse(json);
  return parsed.success && parsed.data.ids.length === parsed.data.totals.length ? parsed.data : null;
}

function isUsageIdIndex(value: unknown): value is UsageIdIndex {
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || v.v !== 1 || !isUtcDay(v.day) || typeof v.inputs !== 'string') return false;
  const { ids, totals, minutes } = v;
  if (!Array.isArray(ids) || !Array.isArray(totals) || !Array.isArray(minutes) || ids.length !== totals.length) return false;
  for (const id of ids) if (typeof id !== 'string') return false;
  for (const t of totals) if (typeof t !== 'number' || !(t >= 0)) return false;
  for (const m of minutes) {
    if (!Array.isArray(m) || m.length !== 4 || typeof m[0] !== 'string' || typeof m[1] !== 'string' || typeof m[2] !== 'string')
      return false;
    if (!(Number.isSafeInteger(m[3]) && m[3] >= 0)) return false;
  }
  return true;
}

export async function writeUsageIdIndex(store: ObjectStore, index: UsageIdIndex): Promise<void> {
  await store.put(usageIdsKey(index.day), serializeUsageIdIndex(index));
}

/** The stored form of an id index (a rollup thread serialises with it too: the same bytes either way). */
export function serializeUsageIdIndex(index: UsageIdIndex): string {
  return JSON.stringify(index);
}

/** Reads a rollup; a corrupt or outdated one is reported as such so the caller rebuilds it. */
export async function readRollup(store: ObjectStore, day: string): Promise<Rollup | null> {
  return (await readStoredJson(store, usageRollupKey(day), rollupSchema, parseRollupFast))?.value ?? null;
}

/** Throws unless the rollup meets its contract (the fast check first: zod takes long on big days). */
export function checkRollup(rollup: Rollup): void {
  if (parseRollupFast(rollup) === null) rollupSchema.parse(rollup);
}

/** Writes a rollup the caller has checked (checkRollup). */
export async function writeRollup(store: ObjectStore, rollup: Rollup): Promise<void> {
  await store.put(usageRollupKey(rollup.day), serializeRollup(rollup));
}

/** The stored form of a rollup (a rollup thread serialises with it too: the same bytes either way). */
export function serializeRollup(rollup: Rollup): string {
  return JSON.stringify(rollup);
}

/** True when the rollup was built from exactly these objects with the same price table. */
export function rollupIsCurrent(rollup: Rollup, inputs: readonly StoredObject[], priceTable: string): boolean {
  return rollup.price_table === priceTable && sameInputs(rollup.inputs, inputs);
}

/** Whether the objects a rollup was built from (key and ETag) are exactly the ones there now. */
export function sameInputs(recorded: ReadonlyArray<{ key: string; etag: string }>, inputs: readonly StoredObject[]): boolean {
  if (recorded.length !== inputs.length) return false;
  const byKey = new Map(recorded.map((i) => [i.key, i.etag]));
  return inputs.every((o) => byKey.get(o.key) === o.etag);
}

const isNonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isWhole = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isNullableString = (v: unknown) => v === null || typeof v === 'string';
/** A day as utcDaySchema accepts it: YYYY-MM-DD, a real day inside the calendar. */
const isUtcDay = (v: unknown): boolean => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && isValidDay(v) && isInCalendar(v);
const AMOUNT_KEYS = USAGE_SUM_KEYS.filter((k) => USAGE_SUM_KINDS[k] === 'amount');
const COUNT_KEYS = USAGE_SUM_KEYS.filter((k) => USAGE_SUM_KINDS[k] === 'count');
const TEXT_KEYS = GROUP_KEY_KEYS.filter((k) => GROUP_KEY_KINDS[k] === 'text');
const LABEL_KEYS = GROUP_KEY_KEYS.filter((k) => GROUP_KEY_KINDS[k] === 'label');

function isRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null) return false;
  const r = row as Record<string, unknown>;
  if (!(Number.isSafeInteger(r.hour) && (r.hour as number) >= 0 && (r.hour as number) <= 23)) return false;
  for (const f of TEXT_KEYS) if (typeof r[f] !== 'string') return false;
  for (const f of LABEL_KEYS) if (!isNullableString(r[f])) return false;
  for (const f of AMOUNT_KEYS) if (!isNonNegative(r[f])) return false;
  for (const f of COUNT_KEYS) if (!isWhole(r[f])) return false;
  return true;
}

function isLatencyRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null) return false;
  const l = row as Record<string, unknown>;
  if (typeof l.provider !== 'string' || typeof l.model !== 'string') return false;
  if (!isWhole(l.output_tokens) || !isNonNegative(l.latency_ms_sum) || !isWhole(l.peak_rpm)) return false;
  const s = l.sketch as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null || s.a !== 0.01 || !isWhole(s.n) || !isNonNegative(s.sum) || !isWhole(s.zeros)) return false;
  if (!(s.min === null || Number.isFinite(s.min)) || !(s.max === null || Number.isFinite(s.max))) return false;
  if (!Array.isArray(s.b)) return false;
  for (const pair of s.b) {
    if (!Array.isArray(pair) || pair.length !== 2 || !Number.isSafeInteger(pair[0]) || !(Number.isSafeInteger(pair[1]) && pair[1] > 0))
      return false;
  }
  return true;
}

/**
 * The rollup check on the read path (analytics reads up to 90 of them per run, the API many):
 * accepts only what `rollupSchema` accepts, ~10× faster; anything else returns null and the schema
 * decides, with its reason. tests/lib/usage/rollup.test.ts holds the two to the same answers.
 */
export function parseRollupFast(value: unknown): Rollup | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  if (r.schema_version !== ROLLUP_SCHEMA_VERSION || !isUtcDay(r.day)) return null;
  if (typeof r.built_at !== 'string' || typeof r.price_table !== 'string') return null;
  if (!Array.isArray(r.inputs) || !Array.isArray(r.rows) || !Array.isArray(r.latency)) return null;
  for (const i of r.inputs) {
    const o = i as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || typeof o.key !== 'string' || typeof o.etag !== 'string' || !Number.isFinite(o.size))
      return null;
  }
  for (const row of r.rows) if (!isRow(row)) return null;
  for (const l of r.latency) if (!isLatencyRow(l)) return null;
  const st = r.stats as Record<string, unknown> | null;
  if (typeof st !== 'object' || st === null) return null;
  if (!isWhole(st.records) || !isWhole(st.duplicates) || !isWhole(st.invalid_lines) || !isWhole(st.quarantined_lines)) return null;
  if (st.refused_records !== undefined && !isWhole(st.refused_records)) return null;
  if (st.refused !== undefined && !Array.isArray(st.refused)) return null;
  for (const x of (st.refused ?? []) as unknown[]) {
    const o = x as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || typeof o.id !== 'string' || typeof o.reason !== 'string') return null;
  }
  return value as Rollup;
}
