// The price-table contract, USD per million tokens: one zod schema for a model's price and one for
// a dated table. The built-in table (built-in-table.ts) is generated from LiteLLM's price map
// (catalogue.generated.ts, never edited by hand, which takes its type from here); tables are dated by `valid_from`, so a price change prices each record
// with the table in force at its time. User files and tables fetched into the bucket add tables.

import { z } from 'zod';

const rate = z.number().nonnegative().finite();

/** The rates of one long-context tier: the whole request at these once its input passes the threshold. */
const longContextPriceSchema = z.object({
  input: rate,
  output: rate,
  cache_write_5m: rate.optional(),
  cache_write_1h: rate.optional(),
  cache_read: rate.optional(),
});
export type LongContextPrice = z.infer<typeof longContextPriceSchema>;

/**
 * One model's price, USD per million tokens.
 * @example {"provider":"anthropic","input":3,"output":15,"cache_write_5m":3.75,"cache_write_1h":6,"cache_read":0.3,
 *  "above_200k":{"input":6,"output":22.5,"cache_write_5m":7.5,"cache_write_1h":12,"cache_read":0.6}}
 */
const modelPriceSchema = z.object({
  /** Who bills it: anthropic, openai, bedrock, vertex_ai, azure, gemini (or any name in a user file). */
  provider: z.string().min(1),
  input: rate,
  output: rate,
  /** Cache write with 5-minute TTL (Anthropic) — OpenAI has no separate write price. */
  cache_write_5m: rate.optional(),
  cache_write_1h: rate.optional(),
  cache_read: rate.optional(),
  /** Output rate for reasoning tokens where the provider lists one apart (records carry no split yet). */
  reasoning: rate.optional(),
  /** Long-context tier (Anthropic, Gemini): the whole request at these rates once input > 200k tokens. */
  above_200k: longContextPriceSchema.optional(),
  /** Long-context tier (OpenAI gpt-5.4 and later): the whole request once input > 272k tokens. */
  above_272k: longContextPriceSchema.optional(),
  /** Per-service-tier replacement rates (OpenAI batch / flex / priority). */
  tiers: z.record(z.string(), z.object({ input: rate, output: rate, cache_read: rate.optional() })).optional(),
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** Where a generated table came from: the LiteLLM file it was converted from. */
const tableOriginSchema = z.object({
  repository: z.string(),
  path: z.string(),
  /** Git commit of the source file, when known (a download of the live file has none). */
  commit: z.string().nullable(),
  /** Day (or instant) the source file is from. */
  date: z.string(),
  /** sha256 (hex) of the source file's bytes as the generator read them. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  url: z.string().nullable(),
  etag: z.string().nullable(),
  fetched_at: z.string().nullable(),
  /** sha256 of the canonical JSON of `models`: a hand edit of the bundled table shows as a mismatch. */
  models_sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type TableOrigin = z.infer<typeof tableOriginSchema>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A UTC day ("2026-08-01": from its first instant) or an ISO instant with a zone (a fetched table
 * is valid from the fetch time); instants are normalised to toISOString form so they compare as
 * strings with record timestamps.
 */
const validFromSchema = z.string().transform((v, ctx) => {
  if (DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))) return v;
  if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  ctx.addIssue({ code: 'custom', message: `expected a day YYYY-MM-DD or an ISO instant with a zone, got "${v}"` });
  return z.NEVER;
});

/**
 * A dated price table.
 * @example {"version":"local-1","valid_from":"2026-08-01","models":{"acme-large-1":{"provider":"acme","input":2,"output":8}}}
 */
export const priceTableSchema = z.object({
  /** Version label recorded in rollups and analytics, e.g. "litellm-00035b69-7eff989a". */
  version: z.string().min(1),
  /** First day (UTC) or instant this table applies to. */
  valid_from: validFromSchema,
  source: z.string().optional(),
  origin: tableOriginSchema.optional(),
  models: z.record(z.string(), modelPriceSchema),
});
export type PriceTable = z.infer<typeof priceTableSchema>;
