// Daily rollups: one small object per UTC day holding hourly sums per group, latency sketches per
// model, and the ETags of the lake objects it was built from, so an unchanged day is never read
// again. Building one is pure; reading and writing them goes through the store.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Pricer } from '../pricing/price.ts';
import { usageIdsKey, usageRollupKey } from '../store/layout.ts';
import type { ObjectStore, StoredObject } from '../store/object-store.ts';
import { readStoredJson } from '../store/stored-json.ts';
import { LatencySketch, type LatencySketchData, latencySketchSchema } from './latency-sketch.ts';
import { preferredCopy, RECORD_LIMITS, totalTokens, type UsageRecord } from './record.ts';

export const ROLLUP_SCHEMA_VERSION = 1;

/**
 * A day's token and request sums stay below 2^43 (8.8 × 10^12): the sum of any 400 days then stays
 * an exact integer below 2^53, wherever it is added up. A record that would cross it is refused by
 * the rollup (counted and named in its stats) instead of turning every later sum into garbage.
 */
export const DAY_SUM_LIMIT = 2 ** 43;
/** How many refused records a rollup names (all are counted). */
const MAX_REFUSED_LISTED = 20;

const sum = z.number().nonnegative();
const count = z.int().nonnegative();

/** Token sums, requests and cost of a set of records. */
export const usageSumsSchema = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_creation_tokens: count,
  cache_read_tokens: count,
  requests: count,
  records: count,
  cost_usd: sum,
  /** The part of cost_usd that the provider reported (the rest was priced from the table). */
  reported_cost_usd: sum,
  /** What the reported records would cost at the price table (for reconciliation). */
  reported_priced_usd: sum,
  unpriced_records: count,
  unpriced_tokens: count,
});
export type UsageSums = z.infer<typeof usageSumsSchema>;

export const groupKeySchema = z.object({
  source: z.string(),
  provider: z.string(),
  model: z.string(),
  project: z.string().nullable(),
  user: z.string().nullable(),
  machine: z.string().nullable(),
  api_key: z.string().nullable(),
  workspace: z.string().nullable(),
});
export type GroupKey = z.infer<typeof groupKeySchema>;

export const rollupRowSchema = groupKeySchema.extend({
  /** UTC hour of the day, 0–23. */
  hour: z.int().min(0).max(23),
  ...usageSumsSchema.shape,
});
export type RollupRow = z.infer<typeof rollupRowSchema>;

export const latencyRowSchema = z.object({
  provider: z.string(),
  model: z.string(),
  sketch: latencySketchSchema,
  /** Output tokens and latency of the records that had a latency, for tokens per second. */
  output_tokens: count,
  latency_ms_sum: sum,
  /** Most single requests seen in one UTC minute of this day. */
  peak_rpm: count,
});

/**
 * A daily rollup.
 * @example {"schema_version":1,"day":"2026-01-31","built_at":"2026-02-01T00:05:00.000Z","price_table":"litellm-00035b69",
 *  "inputs":[{"key":"lake/usage/dt=2026-01-31/claude-code-ab12.jsonl","etag":"9b2c…","size":5120}],
 *  "rows":[{"hour":13,"source":"claude-code","provider":"anthropic","model":"claude-sonnet-4-5","project":"web","user":"alice",
 *   "machine":null,"api_key":null,"workspace":null,"input_tokens":1200,"output_tokens":340,"cache_creation_tokens":0,
 *   "cache_read_tokens":5100,"requests":1,"records":1,"cost_usd":0.01,"reported_cost_usd":0,"reported_priced_usd":0,
 *   "unpriced_records":0,"unpriced_tokens":0}],
 *  "latency":[],"stats":{"records":1,"duplicates":0,"invalid_lines":0,"quarantined_lines":0}}
 */
export const rollupSchema = z.object({
  schema_version: z.literal(ROLLUP_SCHEMA_VERSION),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  built_at: z.string(),
  price_table: z.string(),
  inputs: z.array(z.object({ key: z.string(), etag: z.string(), size: z.number() })),
  rows: z.array(rollupRowSchema),
  latency: z.array(latencyRowSchema),
  stats: z.object({
    /** Unique records after de-duplication. */
    records: count,
    /** Extra copies of an id dropped (the largest copy is kept). */
    duplicates: count,
    /** Lake lines that no longer validate (never trusted). */
    invalid_lines: count,
    /** Lines quarantined by sources on this day. */
    quarantined_lines: count,
    /**
     * Valid records left out because the day's sums would have crossed DAY_SUM_LIMIT (absent in
     * rollups written before the limit existed: read as 0, so they need no rebuild).
     */
    refused_records: count.optional(),
    /** The first of them, with the reason. */
    refused: z.array(z.object({ id: z.string(), reason: z.string() })).optional(),
  }),
});
export type Rollup = z.infer<typeof rollupSchema>;

export function emptySums(): UsageSums {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_tokens: 0,
    cache_read_tokens: 0,
    requests: 0,
    records: 0,
    cost_usd: 0,
    reported_cost_usd: 0,
    reported_priced_usd: 0,
    unpriced_records: 0,
    unpriced_tokens: 0,
  };
}

export function addSums(into: UsageSums, from: UsageSums): void {
  into.input_tokens += from.input_tokens;
  into.output_tokens += from.output_tokens;
  into.cache_creation_tokens += from.cache_creation_tokens;
  into.cache_read_tokens += from.cache_read_tokens;
  into.requests += from.requests;
  into.records += from.records;
  into.cost_usd += from.cost_usd;
  into.reported_cost_usd += from.reported_cost_usd;
  into.reported_priced_usd += from.reported_priced_usd;
  into.unpriced_records += from.unpriced_records;
  into.unpriced_tokens += from.unpriced_tokens;
}

/** Keeps one record per id: the copy with the largest token total. */
export function dedupeRecords(records: Iterable<UsageRecord>): { unique: UsageRecord[]; duplicates: number } {
  const byId = new Map<string, UsageRecord>();
  let duplicates = 0;
  for (const r of records) {
    const seen = byId.get(r.id);
    if (seen) {
      duplicates++;
      byId.set(r.id, preferredCopy(seen, r));
    } else byId.set(r.id, r);
  }
  return { unique: [...byId.values()], duplicates };
}

export interface RollupInput {
  day: string;
  builtAt: string;
  pricer: Pricer;
  inputs: StoredObject[];
  records: UsageRecord[];
  invalidLines: number;
  quarantinedLines: number;
}

/**
 * Builds a day's rollup. Costs are re-priced from the table in force at each record's time unless
 * the source reported them, so a price fix or a newly priced model corrects the past on rebuild.
 */
export function buildDailyRollup(input: RollupInput): Rollup {
  return buildDay(input).rollup;
}

/** A day's rollup and the id index that lets later objects be folded into it. */
export function buildDay(input: RollupInput): { rollup: Rollup; index: UsageIdIndex } {
  const { unique, duplicates } = dedupeRecords(input.records);
  const builder = new DayRollupBuilder(input.day, input.pricer);
  for (const r of unique) builder.add(r);
  builder.duplicates += duplicates;
  builder.invalidLines += input.invalidLines;
  builder.quarantinedLines += input.quarantinedLines;
  return builder.finish(input.builtAt, input.inputs);
}

// ── the id index beside a rollup ─────────────────────────────────────────────────────────────

/**
 * The ids a day's rollup counted, with each one's token total, and the requests per minute per
 * model (for peak_rpm): what it takes to fold a new lake object into the rollup without reading
 * the day's other objects. Tied to the rollup by the fingerprint of the inputs it was built from.
 * @example {"v":1,"day":"2026-01-31","inputs":"3f9a…","ids":["9f2c…"],"totals":[6640],
 *  "minutes":[["anthropic","claude-sonnet-4-5","13:07",2]]}
 */
export const usageIdIndexSchema = z.object({
  v: z.literal(1),
  day: z.string(),
  /** inputsFingerprint() of the rollup's inputs. */
  inputs: z.string(),
  ids: z.array(z.string()),
  /** Token total of each id, same order. */
  totals: z.array(z.number().nonnegative()),
  /** [provider, model, "HH:MM", requests] of single-request records. */
  minutes: z.array(z.tuple([z.string(), z.string(), z.string(), z.int().nonnegative()])),
});
export type UsageIdIndex = z.infer<typeof usageIdIndexSchema>;

/** A stable digest of the objects a rollup was built from (key and ETag, in key order). */
export function inputsFingerprint(inputs: ReadonlyArray<{ key: string; etag: string }>): string {
  const h = createHash('sha1');
  for (const i of [...inputs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) h.update(`${i.key}\u0000${i.etag}\n`);
  return h.digest('hex');
}

/** A DayRollupBuilder as plain, structured-clone-friendly data. */
export interface BuilderSnapshot {
  day: string;
  rows: Array<[string, RollupRow]>;
  latency: Array<{
    provider: string;
    model: string;
    sketch: LatencySketchData;
    output_tokens: number;
    latency_ms_sum: number;
    minutes: Array<[string, number]>;
  }>;
  /** Ids joined by newlines (one string crosses threads far cheaper than an array of them). */
  ids: string;
  totals: Float64Array;
  /** daySum, counted, refused, duplicates, invalid lines, quarantined lines. */
  counters: [number, number, number, number, number, number];
  refused: Array<{ id: string; reason: string }>;
  conflicted: boolean;
}

/** What adding one record did. */
export type AddOutcome = 'added' | 'duplicate' | 'refused' | 'conflict';

interface LatencyAcc {
  provider: string;
  model: string;
  sketch: LatencySketch;
  output_tokens: number;
  latency_ms_sum: number;
  minutes: Map<string, number>;
}

/**
 * A day's rollup built one record at a time: from nothing (a rebuild, or what one sync wrote), or
 * continuing a stored rollup and its id index (a fold). `add` keeps one copy per id; a later copy
 * with more tokens than the one counted answers 'conflict' — the counted copy cannot be taken
 * back out of the sums, so the caller rebuilds the day from the lake instead.
 */
export class DayRollupBuilder {
  private readonly rows = new Map<string, RollupRow>();
  private readonly latency = new Map<string, LatencyAcc>();
  /** id → token total of every record seen (counted or refused). */
  private readonly ids = new Map<string, number>();
  private daySum = 0;
  private counted = 0;
  private refusedCount = 0;
  private readonly refused: Array<{ id: string; reason: string }> = [];
  duplicates = 0;
  invalidLines = 0;
  quarantinedLines = 0;
  /** Set once a conflict was met: this builder no longer describes the day. */
  conflicted = false;

  /**
   * @param recordsPricedByPricer the records' `priced` / `unpriced` costs were set by this very
   *   pricer (a sync's own batch), so they need not be priced again.
   */
  constructor(
    readonly day: string,
    private readonly pricer: Pricer,
    private readonly recordsPricedByPricer = false,
  ) {}

  /** A builder that continues a stored rollup, given the index written with it. */
  static resume(rollup: Rollup, index: UsageIdIndex, pricer: Pricer): DayRollupBuilder {
    const b = new DayRollupBuilder(rollup.day, pricer);
    for (const row of rollup.rows) {
      b.rows.set(rowKey(row.hour, row), { ...row });
      b.daySum += row.input_tokens + row.output_tokens + row.cache_creation_tokens + row.cache_read_tokens + row.requests;
    }
    for (const l of rollup.latency) {
      b.latency.set(`${l.provider}\u0000${l.model}`, {
        provider: l.provider,
        model: l.model,
        sketch: LatencySketch.from(l.sketch),
        output_tokens: l.output_tokens,
        latency_ms_sum: l.latency_ms_sum,
        minutes: new Map(),
      });
    }
    for (const [provider, model, minute, n] of index.minutes) {
      b.latencyOf(provider, model).minutes.set(minute, n);
    }
    for (let i = 0; i < index.ids.length; i++) b.ids.set(index.ids[i]!, index.totals[i]!);
    b.counted = rollup.stats.records;
    b.duplicates = rollup.stats.duplicates;
    b.invalidLines = rollup.stats.invalid_lines;
    b.quarantinedLines = rollup.stats.quarantined_lines;
    b.refusedCount = rollup.stats.refused_records ?? 0;
    b.refused.push(...(rollup.stats.refused ?? []));
    return b;
  }

  get records(): number {
    return this.counted;
  }

  private latencyOf(provider: string, model: string): LatencyAcc {
    const key = `${provider}\u0000${model}`;
    let l = this.latency.get(key);
    if (!l) {
      l = { provider, model, sketch: new LatencySketch(), output_tokens: 0, latency_ms_sum: 0, minutes: new Map() };
      this.latency.set(key, l);
    }
    return l;
  }

  private refuse(id: string, reason: string): void {
    this.refusedCount++;
    if (this.refused.length < MAX_REFUSED_LISTED) this.refused.push({ id, reason });
  }

  add(r: UsageRecord): AddOutcome {
    const total = totalTokens(r);
    const seen = this.ids.get(r.id);
    if (seen !== undefined) {
      if (total > seen) {
        this.conflicted = true;
        return 'conflict';
      }
      this.duplicates++;
      return 'duplicate';
    }
    this.ids.set(r.id, total);
    const weight = total + r.requests;
    if (this.daySum + weight > DAY_SUM_LIMIT) {
      this.refuse(r.id, `the day's token and request sums would exceed ${DAY_SUM_LIMIT} (${weight} more)`);
      return 'refused';
    }
    const reported = r.cost_source === 'reported' && r.cost_usd !== null;
    let priced =
      this.recordsPricedByPricer && r.cost_source === 'priced'
        ? r.cost_usd
        : this.recordsPricedByPricer && r.cost_source === 'unpriced'
          ? null
          : this.pricer.price(r);
    // A price table with an absurd rate must not turn the day's cost into Infinity: a priced record
    // over the per-record cap is refused; a reported one keeps its cost and loses the comparison.
    if (priced !== null && !(priced <= RECORD_LIMITS.cost_usd)) {
      if (!reported) {
        this.refuse(r.id, `priced at ${priced} USD, above the per-record cap of ${RECORD_LIMITS.cost_usd}`);
        return 'refused';
      }
      priced = null;
    }
    this.daySum += weight;
    this.counted++;
    const hour = Number(r.ts.slice(11, 13));
    const key = rowKey(hour, r);
    let row = this.rows.get(key);
    if (!row) {
      row = {
        hour,
        source: r.source,
        provider: r.provider,
        model: r.model,
        project: r.project,
        user: r.user,
        machine: r.machine,
        api_key: r.api_key,
        workspace: r.workspace,
        ...emptySums(),
      };
      this.rows.set(key, row);
    }
    row.input_tokens += r.input_tokens;
    row.output_tokens += r.output_tokens;
    row.cache_creation_tokens += r.cache_creation_tokens;
    row.cache_read_tokens += r.cache_read_tokens;
    row.requests += r.requests;
    row.records += 1;
    if (reported && r.cost_usd !== null) {
      row.cost_usd += r.cost_usd;
      row.reported_cost_usd += r.cost_usd;
      if (priced !== null) row.reported_priced_usd += priced;
    } else if (priced !== null) {
      row.cost_usd += priced;
    } else {
      row.unpriced_records += 1;
      row.unpriced_tokens += total;
    }
    const l = this.latencyOf(r.provider, r.model);
    if (r.latency_ms !== null) {
      l.sketch.add(r.latency_ms);
      l.output_tokens += r.output_tokens;
      l.latency_ms_sum += r.latency_ms;
    }
    if (r.bucket_seconds === null) {
      const minute = r.ts.slice(11, 16);
      l.minutes.set(minute, (l.minutes.get(minute) ?? 0) + r.requests);
    }
    return 'added';
  }

  /** The builder as plain data (for a parser thread to hand it to the main thread). */
  snapshot(): BuilderSnapshot {
    return {
      day: this.day,
      rows: [...this.rows.entries()],
      latency: [...this.latency.values()].map((l) => ({
        provider: l.provider,
        model: l.model,
        sketch: l.sketch.toJSON(),
        output_tokens: l.output_tokens,
        latency_ms_sum: l.latency_ms_sum,
        minutes: [...l.minutes],
      })),
      ids: [...this.ids.keys()].join('\n'),
      totals: Float64Array.from(this.ids.values()),
      counters: [this.daySum, this.counted, this.refusedCount, this.duplicates, this.invalidLines, this.quarantinedLines],
      refused: [...this.refused],
      conflicted: this.conflicted,
    };
  }

  static fromSnapshot(s: BuilderSnapshot, pricer: Pricer): DayRollupBuilder {
    const b = new DayRollupBuilder(s.day, pricer);
    for (const [key, row] of s.rows) b.rows.set(key, row);
    for (const l of s.latency) {
      b.latency.set(`${l.provider}\u0000${l.model}`, {
        provider: l.provider,
        model: l.model,
        sketch: LatencySketch.from(l.sketch),
        output_tokens: l.output_tokens,
        latency_ms_sum: l.latency_ms_sum,
        minutes: new Map(l.minutes),
      });
    }
    const ids = s.ids === '' ? [] : s.ids.split('\n');
    for (let i = 0; i < ids.length; i++) b.ids.set(ids[i]!, s.totals[i]!);
    [b.daySum, b.counted, b.refusedCount, b.duplicates, b.invalidLines, b.quarantinedLines] = s.counters;
    b.refused.push(...s.refused);
    b.conflicted = s.conflicted;
    return b;
  }

  /**
   * Adds what another builder of the same day saw (another part of the same sync). Their ids must
   * be disjoint and neither may have refused a record (refusals depend on the order records came
   * in): otherwise this builder is marked conflicted and the day is read back instead.
   */
  absorb(other: DayRollupBuilder): void {
    if (this.conflicted) return;
    if (other.conflicted || other.refusedCount > 0 || this.refusedCount > 0 || this.daySum + other.daySum > DAY_SUM_LIMIT) {
      this.conflicted = true;
      return;
    }
    for (const id of other.ids.keys()) {
      if (this.ids.has(id)) {
        this.conflicted = true;
        return;
      }
    }
    for (const [id, total] of other.ids) this.ids.set(id, total);
    for (const [key, row] of other.rows) {
      const mine = this.rows.get(key);
      if (mine) addSums(mine, row);
      else this.rows.set(key, { ...row });
    }
    for (const l of other.latency.values()) {
      const mine = this.latencyOf(l.provider, l.model);
      mine.sketch.merge(l.sketch);
      mine.output_tokens += l.output_tokens;
      mine.latency_ms_sum += l.latency_ms_sum;
      for (const [minute, n] of l.minutes) mine.minutes.set(minute, (mine.minutes.get(minute) ?? 0) + n);
    }
    this.daySum += other.daySum;
    this.counted += other.counted;
    this.duplicates += other.duplicates;
    this.invalidLines += other.invalidLines;
    this.quarantinedLines += other.quarantinedLines;
  }

  /** The rollup of everything added, built at `builtAt` from `inputs`, and its id index. */
  finish(builtAt: string, inputs: readonly StoredObject[]): { rollup: Rollup; index: UsageIdIndex } {
    const rollup: Rollup = {
      schema_version: ROLLUP_SCHEMA_VERSION,
      day: this.day,
      built_at: builtAt,
      price_table: this.pricer.versionAt(`${this.day}T12:00:00.000Z`),
      inputs: inputs.map((o) => ({ key: o.key, etag: o.etag, size: o.size })),
      // Fully ordered, so the same records give the same bytes whatever order they came in.
      rows: [...this.rows.entries()]
        .sort(([ka, a], [kb, b]) => a.hour - b.hour || b.cost_usd - a.cost_usd || (ka < kb ? -1 : ka > kb ? 1 : 0))
        .map(([, row]) => row),
      latency: [...this.latency.values()].sort(byProviderModel).map((l) => ({
        provider: l.provider,
        model: l.model,
        sketch: l.sketch.toJSON(),
        output_tokens: l.output_tokens,
        latency_ms_sum: l.latency_ms_sum,
        peak_rpm: Math.max(0, ...l.minutes.values()),
      })),
      stats: {
        records: this.counted,
        duplicates: this.duplicates,
        invalid_lines: this.invalidLines,
        quarantined_lines: this.quarantinedLines,
        refused_records: this.refusedCount,
        refused: [...this.refused],
      },
    };
    const minutes: UsageIdIndex['minutes'] = [];
    for (const l of [...this.latency.values()].sort(byProviderModel)) {
      for (const [minute, n] of [...l.minutes].sort(([a], [b]) => (a < b ? -1 : 1))) minutes.push([l.provider, l.model, minute, n]);
    }
    const ids = [...this.ids.keys()].sort();
    const index: UsageIdIndex = {
      v: 1,
      day: this.day,
      inputs: inputsFingerprint(rollup.inputs),
      ids,
      totals: ids.map((id) => this.ids.get(id)!),
      minutes,
    };
    return { rollup, index };
  }
}

/**
 * What a sync hands over for a day it wrote: the objects (key → ETag) and a builder that has seen
 * every record of them and nothing else. When these are all of the day's lake objects and the day
 * has no rollup yet (a first sync), analyze finishes the rollup from it without reading the lake.
 */
export interface FreshDay {
  objects: Map<string, string>;
  builder: DayRollupBuilder;
}

function byProviderModel(a: { provider: string; model: string }, b: { provider: string; model: string }): number {
  return a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : a.model < b.model ? -1 : a.model > b.model ? 1 : 0;
}

function rowKey(hour: number, r: GroupKey): string {
  return `${hour}\u0000${r.source}\u0000${r.provider}\u0000${r.model}\u0000${r.project}\u0000${r.user}\u0000${r.machine}\u0000${r.api_key}\u0000${r.workspace}`;
}

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
  if (typeof v !== 'object' || v === null || v.v !== 1 || typeof v.day !== 'string' || typeof v.inputs !== 'string') return false;
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
const SUM_FIELDS = ['cost_usd', 'reported_cost_usd', 'reported_priced_usd'] as const;
const COUNT_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_creation_tokens',
  'cache_read_tokens',
  'requests',
  'records',
  'unpriced_records',
  'unpriced_tokens',
] as const;

function isRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null) return false;
  const r = row as Record<string, unknown>;
  if (!(Number.isSafeInteger(r.hour) && (r.hour as number) >= 0 && (r.hour as number) <= 23)) return false;
  if (typeof r.source !== 'string' || typeof r.provider !== 'string' || typeof r.model !== 'string') return false;
  if (!isNullableString(r.project) || !isNullableString(r.user) || !isNullableString(r.machine)) return false;
  if (!isNullableString(r.api_key) || !isNullableString(r.workspace)) return false;
  for (const f of SUM_FIELDS) if (!isNonNegative(r[f])) return false;
  for (const f of COUNT_FIELDS) if (!isWhole(r[f])) return false;
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
 * decides, with its reason. tests/lib/rollup.test.ts holds the two to the same answers.
 */
export function parseRollupFast(value: unknown): Rollup | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  if (r.schema_version !== ROLLUP_SCHEMA_VERSION || typeof r.day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(r.day)) return null;
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
