// Daily rollups built: one record at a time into a DayRollupBuilder (a rebuild, a sync's own
// batch, or a fold into a stored rollup via its id index), finished into the contract of
// rollup-schema.ts. Pure; reading and writing rollups is rollup-store.ts. Importers find the
// contract and the store functions here too.

import { createHash } from 'node:crypto';
import type { StoredObject } from '../store/object-store.ts';
import { LatencySketch, type LatencySketchData } from './latency-sketch.ts';
import type { Pricer } from './pricing/price.ts';
import { preferredCopy, RECORD_LIMITS, totalTokens, type UsageRecord } from './record.ts';
import {
  addSums,
  DAY_SUM_LIMIT,
  emptySums,
  ROLLUP_SCHEMA_VERSION,
  type Rollup,
  type RollupRow,
  rowKey,
  type UsageIdIndex,
  type UsageSums,
} from './rollup-schema.ts';

export * from './rollup-schema.ts';
export * from './rollup-store.ts';

/** How many refused records a rollup names (all are counted). */
const MAX_REFUSED_LISTED = 20;

/** Keeps one record per id: the copy with the largest token total. */
/**
 * Adds one record to a row's sums (the daily rollup's rows and the session rollup's alike): its
 * tokens and requests, and its cost — a reported cost counts as the cost, with the priced one kept
 * beside it for reconciliation; else the priced cost; else the record counts as unpriced, with its
 * tokens. `priced` is null where no price applies, `total` the record's total tokens.
 */
export function addRecordToSums(row: UsageSums, r: UsageRecord, total: number, reported: boolean, priced: number | null): void {
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
}

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

interface RollupInput {
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
type AddOutcome = 'added' | 'duplicate' | 'refused' | 'conflict';

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
    addRecordToSums(row, r, total, reported, priced);
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
