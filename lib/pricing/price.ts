// Prices a usage record as the provider bills it. Owns the billing rules (long-context tier,
// 1-hour vs 5-minute cache writes, service tiers), not the numbers (price-table.ts).
// An unknown model is never priced as 0: the answer is null and the caller counts it unpriced.

import type { UsageRecord } from '../record.ts';
import { builtInPriceTable, type ModelPrice, type PriceTable } from './price-table.ts';

const LONG_CONTEXT_THRESHOLD = 200_000;
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
  /** The table version used for a given instant. */
  versionAt(ts: string): string;
  lookup(model: string, ts: string): ModelPrice | null;
}

/** Candidate table keys for a model id as logs and APIs spell it. */
export function modelKeyCandidates(model: string): string[] {
  const out: string[] = [];
  const push = (m: string) => {
    if (m && !out.includes(m)) out.push(m);
  };
  let m = model.trim().toLowerCase();
  push(m);
  // Provider prefixes: "anthropic/claude-…", "openai/gpt-…", Bedrock "anthropic.claude-…-v1:0".
  m = m.replace(/^(anthropic|openai|us|eu|apac|global)[./]/, '').replace(/^anthropic\./, '');
  push(m);
  m = m.replace(/-v\d+(:\d+)?$/, '').replace(/@(\d{8})$/, '-$1');
  push(m);
  // Dated ids fall back to their undated family: claude-…-20250929, gpt-…-2025-08-07.
  push(m.replace(/-\d{8}$/, ''));
  push(m.replace(/-\d{4}-\d{2}-\d{2}$/, ''));
  // "[1m]"-style suffixes some tools append.
  push(m.replace(/\[.*\]$/, ''));
  return out;
}

export function createPricer(tables: PriceTable[] = [builtInPriceTable]): Pricer {
  const sorted = [...tables].sort((a, b) => a.valid_from.localeCompare(b.valid_from));
  const tableAt = (ts: string): PriceTable | undefined => {
    const day = ts.slice(0, 10);
    let found: PriceTable | undefined;
    for (const t of sorted) if (t.valid_from <= day) found = t;
    return found ?? sorted[0];
  };
  // Resolving a model id runs several regexes; analyze prices millions of records of a few models.
  const resolved = new Map<string, ModelPrice | null>();
  const lookup = (model: string, ts: string): ModelPrice | null => {
    const table = tableAt(ts);
    if (!table) return null;
    const cacheKey = `${table.version}\u0000${table.valid_from}\u0000${model}`;
    const cached = resolved.get(cacheKey);
    if (cached !== undefined) return cached;
    let found: ModelPrice | null = null;
    for (const key of modelKeyCandidates(model)) {
      // A model name is data: `constructor` must not find Object's constructor.
      const price = Object.hasOwn(table.models, key) ? table.models[key] : undefined;
      if (price) {
        found = price;
        break;
      }
    }
    if (resolved.size > 10_000) resolved.clear();
    resolved.set(cacheKey, found);
    return found;
  };
  return {
    lookup,
    versionAt: (ts) => tableAt(ts)?.version ?? 'none',
    price(usage) {
      const p = lookup(usage.model, usage.ts);
      if (!p) return null;
      return costOf(usage, p);
    },
  };
}

/** The cost of one record at a given model price, in USD. */
export function costOf(usage: PricedUsage, p: ModelPrice): number {
  const cache1h = Math.min(usage.cache_creation_1h_tokens, usage.cache_creation_tokens);
  const cache5m = usage.cache_creation_tokens - cache1h;
  const totalInput = usage.input_tokens + usage.cache_creation_tokens + usage.cache_read_tokens;
  // Long context is decided per request; a provider's bucket of many requests cannot be judged,
  // so only single-request records (no bucket) get the tier.
  const longContext = p.above_200k && (usage.bucket_seconds ?? null) === null && usage.requests <= 1 && totalInput > LONG_CONTEXT_THRESHOLD;
  let rates = {
    input: p.input,
    output: p.output,
    cache_write_5m: p.cache_write_5m ?? p.input,
    cache_write_1h: p.cache_write_1h ?? p.cache_write_5m ?? p.input,
    cache_read: p.cache_read ?? p.input,
  };
  if (longContext && p.above_200k) {
    const l = p.above_200k;
    rates = {
      input: l.input,
      output: l.output,
      cache_write_5m: l.cache_write_5m ?? l.input * 1.25,
      cache_write_1h: l.cache_write_1h ?? l.input * 2,
      cache_read: l.cache_read ?? l.input * 0.1,
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
