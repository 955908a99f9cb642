// The daily rollup contract: one small object per UTC day holding hourly sums per group, latency
// sketches per model, and the ETags of the lake objects it was built from; and the id index beside
// it. The sums and the group key are field lists, the one source for their schemas, their plain
// checks (rollup-store.ts) and their arithmetic.

import { z } from 'zod';
import { utcDaySchema } from '../core/calendar-schema.ts';
import { compileFieldwise } from '../core/fieldwise.ts';
import { latencySketchSchema } from './latency-sketch.ts';

export const ROLLUP_SCHEMA_VERSION = 1;

/**
 * A day's token and request sums stay below 2^43 (8.8 × 10^12): the sum of any 400 days then stays
 * an exact integer below 2^53, wherever it is added up. A record that would cross it is refused by
 * the rollup (counted and named in its stats) instead of turning every later sum into garbage.
 */
export const DAY_SUM_LIMIT = 2 ** 43;

const sum = z.number().nonnegative();
const count = z.int().nonnegative();

/**
 * The sums of a set of records, in written order: `count` is a whole number, `amount` a
 * non-negative USD amount. reported_cost_usd is the part of cost_usd the provider reported (the
 * rest was priced from the table); reported_priced_usd what those reported records would cost at
 * the price table (for reconciliation).
 */
export const USAGE_SUM_KINDS = {
  input_tokens: 'count',
  output_tokens: 'count',
  cache_creation_tokens: 'count',
  cache_read_tokens: 'count',
  requests: 'count',
  records: 'count',
  cost_usd: 'amount',
  reported_cost_usd: 'amount',
  reported_priced_usd: 'amount',
  unpriced_records: 'count',
  unpriced_tokens: 'count',
} as const;
type SumKinds = typeof USAGE_SUM_KINDS;
export const USAGE_SUM_KEYS = Object.keys(USAGE_SUM_KINDS) as Array<keyof SumKinds>;

/** Token sums, requests and cost of a set of records. */
export const usageSumsSchema = z.object(
  Object.fromEntries(USAGE_SUM_KEYS.map((k) => [k, USAGE_SUM_KINDS[k] === 'count' ? count : sum])) as {
    [K in keyof SumKinds]: SumKinds[K] extends 'count' ? typeof count : typeof sum;
  },
);
export type UsageSums = z.infer<typeof usageSumsSchema>;

/**
 * The group a rollup row sums: `text` is a string, `label` a string or null (what the record did
 * not say). In rowKey order.
 */
export const GROUP_KEY_KINDS = {
  source: 'text',
  provider: 'text',
  model: 'text',
  project: 'label',
  user: 'label',
  machine: 'label',
  api_key: 'label',
  workspace: 'label',
} as const;
type GroupKinds = typeof GROUP_KEY_KINDS;
export const GROUP_KEY_KEYS = Object.keys(GROUP_KEY_KINDS) as Array<keyof GroupKinds>;

export const groupKeySchema = z.object(
  Object.fromEntries(GROUP_KEY_KEYS.map((k) => [k, GROUP_KEY_KINDS[k] === 'text' ? z.string() : z.string().nullable()])) as {
    [K in keyof GroupKinds]: GroupKinds[K] extends 'text' ? z.ZodString : z.ZodNullable<z.ZodString>;
  },
);
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
  day: utcDaySchema,
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

/** Sums of nothing (a literal compiled from USAGE_SUM_KEYS: rows built from it keep one fast shape). */
export const emptySums: () => UsageSums = compileFieldwise(
  USAGE_SUM_KEYS,
  '',
  `return { ${USAGE_SUM_KEYS.map((k) => `${k}: 0`).join(', ')} };`,
);

/** Adds `from` into `into`, field by field. */
export const addSums: (into: UsageSums, from: UsageSums) => void = compileFieldwise(
  USAGE_SUM_KEYS,
  'into, from',
  USAGE_SUM_KEYS.map((k) => `into.${k} += from.${k};`).join(' '),
);

/** The key of a row's hour and group: the group's fields joined by NUL. */
export const rowKey: (hour: number, r: GroupKey) => string = compileFieldwise(
  GROUP_KEY_KEYS,
  'hour, r',
  `return \`\${hour}${GROUP_KEY_KEYS.map((k) => `\\u0000\${r.${k}}`).join('')}\`;`,
);

/**
 * The ids a day's rollup counted, with each one's token total, and the requests per minute per
 * model (for peak_rpm): what it takes to fold a new lake object into the rollup without reading
 * the day's other objects. Tied to the rollup by the fingerprint of the inputs it was built from.
 * @example {"v":1,"day":"2026-01-31","inputs":"3f9a…","ids":["9f2c…"],"totals":[6640],
 *  "minutes":[["anthropic","claude-sonnet-4-5","13:07",2]]}
 */
export const usageIdIndexSchema = z.object({
  v: z.literal(1),
  day: utcDaySchema,
  /** inputsFingerprint() of the rollup's inputs. */
  inputs: z.string(),
  ids: z.array(z.string()),
  /** Token total of each id, same order. */
  totals: z.array(z.number().nonnegative()),
  /** [provider, model, "HH:MM", requests] of single-request records. */
  minutes: z.array(z.tuple([z.string(), z.string(), z.string(), z.int().nonnegative()])),
});
export type UsageIdIndex = z.infer<typeof usageIdIndexSchema>;
