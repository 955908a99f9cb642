// Prices a usage record as the provider bills it. Owns the billing rules (long-context tiers,
// 1-hour vs 5-minute cache writes, service tiers) and which table is in force when, not the
// numbers (the tables) nor id spelling (resolve.ts). An unknown model is never priced as 0: the
// answer is null and the caller counts it unpriced.

import type { UsageRecord } from '../record.ts';
import { builtInPriceTable } from './built-in-table.ts';
import type { LongContextPrice, ModelPrice, PriceTable } from './price-table.ts';
import { createModelResolver, type ResolvedModel } from './resolve.ts';

const PER_MILLION = 1_000_000;

export type PricedUsage = Pick<
  UsageRecord,
  | 'model'
  | 'provider'
  | 'ts'
  | 'service_tier'
  | 'input_tokens'
  | 'output_tokens'
  | 'cache_creation_tokens'
  | 'cache_creation_1h_tokens'
  | 'cache_read_tokens'
  | 'requests'
> & { bucket_seconds?: number | null };

export interface Pricer {
  /** USD, or null when the model is not in the table in force at `usage.ts`. */
  price(usage: PricedUsage): number | null;
  /**
   * The version label of the table(s) in force during the UTC day of `ts`; two tables in one day
   * (a table fetched at 14:00) read "a+b". Rollups record it, so a day is rebuilt only when the
   * tables that priced it change.
   */
  versionAt(ts: string): string;
  lookup(model: string, ts: string): ModelPrice | null;
  /** The table key and what the id tells (provider family, region) in the table in force at `ts`. */
  resolve(model: string, ts: string): ResolvedModel;
  /** The tables it prices with (plain data: a parser thread builds the same pricer from them). */
  readonly tables: readonly PriceTable[];
}

const resolvers = new WeakMap<PriceTable, (model: string) => ResolvedModel>();

/** The resolver of one table (built once per table: its key index, then a cache per id). */
function resolverFor(table: PriceTable): (model: string) => ResolvedModel {
  let r = resolvers.get(table);
  if (!r) {
    r = createModelResolver(new Map(Object.entries(table.models).map(([k, m]) => [k.toLowerCase(), m.provider])));
    resolvers.set(table, r);
  }
  return r;
}

/**
 * Resolves a model id against the built-in table: for sources that want the provider family and
 * region an id carries (a Bedrock ARN, a cross-region profile), e.g. to set a record's provider.
 */
export function resolveModel(model: string, table: PriceTable = builtInPriceTable): ResolvedModel {
  return resolverFor(table)(model);
}

/** The instant a table starts, as toISOString writes it (records' ts compare as strings): a day means its first millisecond (UTC). */
function startOf(validFrom: string): string {
  return validFrom.length === 10 ? `${validFrom}T00:00:00.000Z` : new Date(validFrom).toISOString();
}

export function createPricer(tables: PriceTable[] = [builtInPriceTable]): Pricer {
  const sorted = tables.map((table) => ({ table, start: startOf(table.valid_from) })).sort((a, b) => a.start.localeCompare(b.start));
  const tableAt = (ts: string): PriceTable | undefined => {
    let found: PriceTable | undefined;
    for (const t of sorted) if (t.start <= ts) found = t.table;
    return found ?? sorted[0]?.table;
  };
  const lowered = new Map<PriceTable, Record<string, ModelPrice>>();
  const modelsOf = (t: PriceTable) => {
    let m = lowered.get(t);
    if (!m) {
      m = Object.fromEntries(Object.entries(t.models).map(([k, v]) => [k.toLowerCase(), v]));
      lowered.set(t, m);
    }
    return m;
  };
  const resolve = (model: string, ts: string): ResolvedModel => {
    const table = tableAt(ts);
    return table ? resolverFor(table)(model) : { key: null, provider: null, region: null, geo: null };
  };
  const lookup = (model: string, ts: string): ModelPrice | null => {
    const table = tableAt(ts);
    if (!table) return null;
    const key = resolverFor(table)(model).key;
    return key === null ? null : (modelsOf(table)[key] ?? null);
  };
  return {
    tables,
    lookup,
    resolve,
    versionAt(ts) {
      const day = ts.slice(0, 10);
      const dayStart = `${day}T00:00:00.000Z`;
      const first = tableAt(dayStart);
      if (!first) return 'none';
      const versions = [first.version];
      for (const { table, start } of sorted) {
        if (start > dayStart && start.slice(0, 10) === day && !versions.includes(table.version)) versions.push(table.version);
      }
      return versions.join('+');
    },
    price(usage) {
      const p = lookup(usage.model, usage.ts);
      if (!p) return null;
      return costOf(usage, p);
    },
  };
}

/** The long-context tier a request falls in: the highest threshold its total input passes. */
function longContextTier(p: ModelPrice, totalInput: number): LongContextPrice | undefined {
  if (p.above_272k && totalInput > 272_000) return p.above_272k;
  if (p.above_200k && totalInput > 200_000) return p.above_200k;
  return undefined;
}

/** The cost of one record at a given model price, in USD. */
export function costOf(usage: PricedUsage, p: ModelPrice): number {
  const cache1h = Math.min(usage.cache_creation_1h_tokens, usage.cache_creation_tokens);
  const cache5m = usage.cache_creation_tokens - cache1h;
  const totalInput = usage.input_tokens + usage.cache_creation_tokens + usage.cache_read_tokens;
  // Long context is decided per request (the whole request is billed at the tier, as Anthropic,
  // OpenAI and Google bill it); a provider's bucket of many requests cannot be judged, so only
  // single-request records (no bucket) get the tier.
  const single = (usage.bucket_seconds ?? null) === null && usage.requests <= 1;
  const long = single ? longContextTier(p, totalInput) : undefined;
  let rates = {
    input: p.input,
    output: p.output,
    cache_write_5m: p.cache_write_5m ?? p.input,
    cache_write_1h: p.cache_write_1h ?? p.cache_write_5m ?? p.input,
    cache_read: p.cache_read ?? p.input,
  };
  if (long) {
    rates = {
      input: long.input,
      output: long.output,
      cache_write_5m: long.cache_write_5m ?? long.input * 1.25,
      cache_write_1h: long.cache_write_1h ?? long.input * 2,
      cache_read: long.cache_read ?? long.input * 0.1,
    };
  } else if (usage.service_tier && p.tiers?.[usage.service_tier]) {
    const t = p.tiers[usage.service_tier]!;
    rates = { ...rates, input: t.input, output: t.output, cache_read: t.cache_read ?? rates.cache_read };
  }
  return (
    (usage.input_tokens * rates.input +
      usage.output_tokens * rates.output +
      cache5m * rates.cache_write_5m +
      cache1h * rates.cache_write_1h +
      usage.cache_read_tokens * rates.cache_read) /
    PER_MILLION
  );
}

/**
 * The tables in force over time when user tables override base tables (the bundled one and those
 * fetched into the bucket): at every instant, the base table then in force with the user table
 * then in force laid over it model by model, labelled "base+user". A user's price for a private
 * model therefore survives a fetched table taking effect.
 */
export function composePriceTables(base: readonly PriceTable[], overrides: readonly PriceTable[]): PriceTable[] {
  if (overrides.length === 0) return [...base];
  const at = (list: readonly PriceTable[], instant: string) => {
    let found: PriceTable | undefined;
    for (const t of list) if (startOf(t.valid_from) <= instant) found = t;
    return found;
  };
  const byStart = (a: PriceTable, b: PriceTable) => startOf(a.valid_from).localeCompare(startOf(b.valid_from));
  const bases = [...base].sort(byStart);
  const users = [...overrides].sort(byStart);
  const points = [...new Set([...bases, ...users].map((t) => startOf(t.valid_from)))].sort();
  const out: PriceTable[] = [];
  for (const point of points) {
    const b = at(bases, point) ?? bases[0];
    const u = at(users, point);
    if (!b) {
      if (u) out.push({ ...u, valid_from: point });
      continue;
    }
    out.push(
      u
        ? { version: `${b.version}+${u.version}`, valid_from: point, source: b.source ?? b.version, models: { ...b.models, ...u.models } }
        : { ...b, valid_from: point },
    );
  }
  return out;
}
