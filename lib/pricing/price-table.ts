// The built-in price table, USD per million tokens, transcribed from LiteLLM's
// model_prices_and_context_window.json (BerriAI/litellm @ 00035b69f416be24e2e323c13198d9b7d2d1bdf9,
// snapshot of late April 2026; see shared specs/prices.md). Tables are dated by `valid_from` so a
// price change prices each record with the table in force at its time. A user file may add tables.

import { z } from 'zod';

const rate = z.number().nonnegative().finite();

export const modelPriceSchema = z.object({
  provider: z.enum(['anthropic', 'openai']).or(z.string().min(1)),
  input: rate,
  output: rate,
  /** Cache write with 5-minute TTL (Anthropic) — OpenAI has no separate write price. */
  cache_write_5m: rate.optional(),
  cache_write_1h: rate.optional(),
  cache_read: rate.optional(),
  /** Long-context tier: the whole request at these rates once input > 200k tokens. */
  above_200k: z
    .object({
      input: rate,
      output: rate,
      cache_write_5m: rate.optional(),
      cache_write_1h: rate.optional(),
      cache_read: rate.optional(),
    })
    .optional(),
  /** Per-service-tier replacement rates (OpenAI batch / flex / priority). */
  tiers: z.record(z.string(), z.object({ input: rate, output: rate, cache_read: rate.optional() })).optional(),
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;

export const priceTableSchema = z.object({
  /** Version label shown in analytics, e.g. "litellm-00035b6". */
  version: z.string().min(1),
  /** First day (UTC) this table applies to. */
  valid_from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  source: z.string().optional(),
  models: z.record(z.string(), modelPriceSchema),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

/** Rates are decimal figures per million; rounding keeps 0.1 × 6 at 0.6, as the JSON has it. */
const per = (x: number) => Math.round(x * 1e6) / 1e6;

/** Anthropic rule: 5-minute write = 1.25× input, 1-hour write = 2× input, read = 0.1× input. */
function anthropic(input: number, output: number, longContext?: { input: number; output: number }): ModelPrice {
  const price: ModelPrice = {
    provider: 'anthropic',
    input,
    output,
    cache_write_5m: per(input * 1.25),
    cache_write_1h: per(input * 2),
    cache_read: per(input * 0.1),
  };
  if (longContext) {
    price.above_200k = {
      input: longContext.input,
      output: longContext.output,
      cache_write_5m: per(longContext.input * 1.25),
      cache_write_1h: per(longContext.input * 2),
      cache_read: per(longContext.input * 0.1),
    };
  }
  return price;
}

function openai(input: number, output: number, cacheRead: number | undefined, tiers: ModelPrice['tiers'] = undefined): ModelPrice {
  const price: ModelPrice = { provider: 'openai', input, output };
  if (cacheRead !== undefined) price.cache_read = cacheRead;
  if (tiers) price.tiers = tiers;
  return price;
}

const opus45 = anthropic(5, 25);
const opus41 = anthropic(15, 75);
const sonnet45 = anthropic(3, 15, { input: 6, output: 22.5 });
const sonnet46 = anthropic(3, 15);
const haiku45 = anthropic(1, 5);

const gpt5 = openai(1.25, 10, 0.125, {
  flex: { input: 0.625, output: 5, cache_read: 0.0625 },
  priority: { input: 2.5, output: 20, cache_read: 0.25 },
});
const gpt5mini = openai(0.25, 2, 0.025, {
  flex: { input: 0.125, output: 1, cache_read: 0.0125 },
  priority: { input: 0.45, output: 3.6, cache_read: 0.045 },
});
const gpt5nano = openai(0.05, 0.4, 0.005, { flex: { input: 0.025, output: 0.2, cache_read: 0.0025 } });
const gpt51 = openai(1.25, 10, 0.125, { priority: { input: 2.5, output: 20, cache_read: 0.25 } });
const gpt41 = openai(2, 8, 0.5, { batch: { input: 1, output: 4 }, priority: { input: 3.5, output: 14, cache_read: 0.875 } });
const gpt41mini = openai(0.4, 1.6, 0.1, {
  batch: { input: 0.2, output: 0.8 },
  priority: { input: 0.7, output: 2.8, cache_read: 0.175 },
});
const gpt4o = openai(2.5, 10, 1.25, { batch: { input: 1.25, output: 5 }, priority: { input: 4.25, output: 17, cache_read: 2.125 } });
const gpt4omini = openai(0.15, 0.6, 0.075, {
  batch: { input: 0.075, output: 0.3 },
  priority: { input: 0.25, output: 1, cache_read: 0.125 },
});
const o3 = openai(2, 8, 0.5, { flex: { input: 1, output: 4, cache_read: 0.25 }, priority: { input: 3.5, output: 14, cache_read: 0.875 } });
const o4mini = openai(1.1, 4.4, 0.275, {
  flex: { input: 0.55, output: 2.2, cache_read: 0.1375 },
  priority: { input: 2, output: 8, cache_read: 0.5 },
});

export const builtInPriceTable: PriceTable = {
  version: 'litellm-00035b69',
  valid_from: '2023-01-01',
  source: 'BerriAI/litellm model_prices_and_context_window.json @ 00035b69f416be24e2e323c13198d9b7d2d1bdf9',
  models: {
    'claude-opus-4-8': opus45,
    'claude-opus-4-7': opus45,
    'claude-opus-4-7-20260416': opus45,
    'claude-opus-4-6': opus45,
    'claude-opus-4-6-20260205': opus45,
    'claude-opus-4-5': opus45,
    'claude-opus-4-5-20251101': opus45,
    'claude-opus-4-1': opus41,
    'claude-opus-4-1-20250805': opus41,
    'claude-opus-4-20250514': opus41,
    'claude-4-opus-20250514': opus41,
    'claude-sonnet-5': anthropic(2, 10),
    'claude-fable-5': anthropic(10, 50),
    'claude-sonnet-4-6': sonnet46,
    'claude-sonnet-4-5': sonnet45,
    'claude-sonnet-4-5-20250929': sonnet45,
    'claude-sonnet-4-20250514': sonnet45,
    'claude-4-sonnet-20250514': sonnet45,
    'claude-haiku-4-5': haiku45,
    'claude-haiku-4-5-20251001': haiku45,
    'claude-3-7-sonnet-20250219': anthropic(3, 15),
    // The JSON's 1-hour fields for these two look like copy slips; the multipliers are used instead.
    'claude-3-opus-20240229': anthropic(15, 75),
    'claude-3-haiku-20240307': {
      provider: 'anthropic',
      input: 0.25,
      output: 1.25,
      cache_write_5m: 0.3,
      cache_write_1h: 0.5,
      cache_read: 0.03,
    },
    'gpt-5': gpt5,
    'gpt-5-2025-08-07': gpt5,
    'gpt-5-mini': gpt5mini,
    'gpt-5-mini-2025-08-07': gpt5mini,
    'gpt-5-nano': gpt5nano,
    'gpt-5-nano-2025-08-07': gpt5nano,
    // gpt-5-codex (Codex CLI's default model) is priced like gpt-5 in LiteLLM's map; it is not in
    // the snapshot checked in specs/prices.md, so verify it when the snapshot is refreshed.
    'gpt-5-codex': gpt5,
    'gpt-5.1': gpt51,
    'gpt-5.1-2025-11-13': gpt51,
    'gpt-4.1': gpt41,
    'gpt-4.1-2025-04-14': openai(2, 8, 0.5, { batch: { input: 1, output: 4 } }),
    'gpt-4.1-mini': gpt41mini,
    'gpt-4.1-mini-2025-04-14': openai(0.4, 1.6, 0.1, { batch: { input: 0.2, output: 0.8 } }),
    'gpt-4o': gpt4o,
    'gpt-4o-2024-11-20': openai(2.5, 10, 1.25, { batch: { input: 1.25, output: 5 } }),
    'gpt-4o-2024-08-06': openai(2.5, 10, 1.25, { batch: { input: 1.25, output: 5 } }),
    'gpt-4o-2024-05-13': openai(5, 15, undefined, { batch: { input: 2.5, output: 7.5 } }),
    'gpt-4o-mini': gpt4omini,
    'gpt-4o-mini-2024-07-18': openai(0.15, 0.6, 0.075, { batch: { input: 0.075, output: 0.3 } }),
    o3,
    'o3-2025-04-16': openai(2, 8, 0.5),
    'o4-mini': o4mini,
    'o4-mini-2025-04-16': openai(1.1, 4.4, 0.275),
    'text-embedding-3-small': openai(0.02, 0, undefined, { batch: { input: 0.01, output: 0 } }),
    'text-embedding-3-large': openai(0.13, 0, undefined, { batch: { input: 0.065, output: 0 } }),
  },
};
