// The expected answer every benchmark checks against: per UTC day, the unique messages (lake
// records), tokens by kind and cost in USD. The generators fill it from what they write; the
// comparisons below say exactly which day and field differ.

import { createPricer, type PricedUsage } from '../lib/usage/pricing/price.ts';

export interface DayTotals {
  /** Unique messages (claude-code) or lake records. */
  messages: number;
  input_tokens: number;
  output_tokens: number;
  /** All cache writes (5-minute + 1-hour). */
  cache_creation_tokens: number;
  cache_creation_1h_tokens: number;
  cache_read_tokens: number;
  /** USD at the built-in price table (lib/usage/pricing). */
  cost_usd: number;
}

/** Day (YYYY-MM-DD, UTC) → totals. */
export type DailyTotals = Record<string, DayTotals>;

export const TOKEN_FIELDS = ['input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens'] as const;

export function emptyDay(): DayTotals {
  return {
    messages: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_tokens: 0,
    cache_creation_1h_tokens: 0,
    cache_read_tokens: 0,
    cost_usd: 0,
  };
}

const pricer = createPricer();

/** The cost lib/usage/pricing gives one request; throws on a model the table lacks (generators only use priced models). */
export function priceOf(usage: PricedUsage): number {
  const cost = pricer.price(usage);
  if (cost === null) throw new Error(`bench: model ${usage.model} has no price`);
  return cost;
}

export function addUsage(totals: DailyTotals, day: string, usage: PricedUsage, cost: number): void {
  let d = totals[day];
  if (!d) {
    d = emptyDay();
    totals[day] = d;
  }
  d.messages += 1;
  d.input_tokens += usage.input_tokens;
  d.output_tokens += usage.output_tokens;
  d.cache_creation_tokens += usage.cache_creation_tokens;
  d.cache_creation_1h_tokens += usage.cache_creation_1h_tokens;
  d.cache_read_tokens += usage.cache_read_tokens;
  d.cost_usd += cost;
}

export function mergeTotals(...parts: DailyTotals[]): DailyTotals {
  const out: DailyTotals = {};
  for (const part of parts) {
    for (const [day, t] of Object.entries(part)) {
      const d = out[day] ?? emptyDay();
      out[day] = d;
      d.messages += t.messages;
      d.input_tokens += t.input_tokens;
      d.output_tokens += t.output_tokens;
      d.cache_creation_tokens += t.cache_creation_tokens;
      d.cache_creation_1h_tokens += t.cache_creation_1h_tokens;
      d.cache_read_tokens += t.cache_read_tokens;
      d.cost_usd += t.cost_usd;
    }
  }
  return sortedTotals(out);
}

export function sortedTotals(totals: DailyTotals): DailyTotals {
  return Object.fromEntries(Object.entries(totals).sort(([a], [b]) => a.localeCompare(b)));
}

export function grandTotal(totals: DailyTotals): DayTotals {
  return mergeTotals(...Object.values(totals).map((t) => ({ all: t }))).all ?? emptyDay();
}

export type TotalsField = keyof DayTotals;

/**
 * Differences between expected and actual daily totals, one line per (day, field). Integer fields
 * must be equal; cost must agree to the cent. A day present on one side only is a difference
 * unless all its compared fields are zero.
 */
export function compareDaily(
  expected: DailyTotals,
  actual: Partial<Record<string, Partial<DayTotals>>>,
  fields: readonly TotalsField[],
): string[] {
  const out: string[] = [];
  const days = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  for (const day of days) {
    const e = expected[day] ?? emptyDay();
    const a = actual[day] ?? {};
    for (const f of fields) {
      const ev = e[f];
      const av = a[f] ?? 0;
      const equal = f === 'cost_usd' ? Math.abs(ev - av) < 0.005 : ev === av;
      if (!equal) out.push(`${day} ${f}: expected ${ev}, got ${av}`);
    }
  }
  return out;
}
