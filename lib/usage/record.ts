// The lake line: one normalised usage record. This schema is the public contract that Athena,
// DuckDB and Spark read; every line carries every key (null when unknown), snake_case.
// Token counts are disjoint: input_tokens is UNCACHED input; cache writes and reads are separate.

import { hash } from 'node:crypto';
import { z } from 'zod';
import { FIRST_DAY, isInCalendar, isValidDay, LAST_DAY } from '../core/calendar.ts';
import { compileFieldwise } from '../core/fieldwise.ts';

/**
 * Per-record caps. Far above any real request or provider bucket (a trillion tokens, a million
 * dollars), and low enough that the sums of a day's records stay exact and finite: one absurd but
 * well-formed record can be refused with its reason instead of breaking every sum it joins.
 */
export const RECORD_LIMITS = {
  tokens: 1e12,
  requests: 1e9,
  cost_usd: 1e6,
  /** About 11.6 days. */
  latency_ms: 1e9,
} as const;

const COST_SOURCES = ['reported', 'priced', 'unpriced'] as const;
const costSourceSchema = z.enum(COST_SOURCES);
type CostSource = z.infer<typeof costSourceSchema>;

const TS_SHAPE = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?Z$/;
const SOURCE_SHAPE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const validDays = new Map<string, boolean>();

/** A real calendar day inside the accepted calendar (cached: records repeat few days). */
function isRealDay(day: string): boolean {
  let ok = validDays.get(day);
  if (ok === undefined) {
    ok = isValidDay(day) && isInCalendar(day);
    if (validDays.size > 100_000) validDays.clear();
    validDays.set(day, ok);
  }
  return ok;
}

/** Whether a string is a UTC instant the schemas accept (`2026-03-01T10:00:00.123Z`, a real day in the calendar). */
export function isUtcInstant(ts: string): boolean {
  return TS_SHAPE.test(ts) && isRealDay(ts.slice(0, 10));
}

/**
 * One field of the lake line: its zod rule, the same rule as a plain check for the hot path (it
 * must accept exactly what the zod rule accepts: tests/lib/usage/record.test.ts holds the two to
 * the same answers), and the value makeRecord fills in when a source does not state it.
 */
interface FieldRule<S extends z.ZodType> {
  schema: S;
  accepts: (v: unknown) => boolean;
  fallback?: z.output<S>;
}

// Each builder states a rule's parameters once and derives both forms from them.
const text = (min: number, max: number): FieldRule<z.ZodString> => ({
  schema: z.string().min(min).max(max),
  accepts: (v) => typeof v === 'string' && v.length >= min && v.length <= max,
});
const isLabel = (v: unknown): boolean => v === null || (typeof v === 'string' && v.length >= 1 && v.length <= 512);
const label = (): FieldRule<z.ZodNullable<z.ZodString>> => ({
  schema: z.string().min(1).max(512).nullable(),
  accepts: isLabel,
  fallback: null,
});
const count = (max: number, message: string, fallback = 0): FieldRule<z.ZodInt> => ({
  schema: z.int().nonnegative().max(max, message),
  accepts: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max,
  fallback,
});
const tokenCount = () => count(RECORD_LIMITS.tokens, `at most ${RECORD_LIMITS.tokens} (10^12) tokens per record`);
const amount = (max: number, message: string): FieldRule<z.ZodNullable<z.ZodNumber>> => ({
  schema: z.number().nonnegative().max(max, message).nullable(),
  // NaN and ±Infinity fail both comparisons, as z.number() refuses them.
  accepts: (v) => v === null || (typeof v === 'number' && v >= 0 && v <= max),
  fallback: null,
});

/**
 * The lake line's fields, in the order every line writes them: the one list the schema, the
 * serialiser, the hot-path check and makeRecord's defaults are derived from.
 */
const RECORD_FIELDS = {
  /** Deterministic from the source's natural key, so a re-read yields the same id. */
  id: text(8, 128),
  /** Instant of the request (or start of the provider bucket), ISO 8601 UTC. */
  ts: {
    schema: z.iso
      .datetime({ offset: false })
      .refine((ts) => isInCalendar(ts.slice(0, 10)), `must lie between ${FIRST_DAY} and ${LAST_DAY}`),
    accepts: (v: unknown) => typeof v === 'string' && isUtcInstant(v),
  },
  source: { schema: z.string().regex(SOURCE_SHAPE), accepts: (v: unknown) => typeof v === 'string' && SOURCE_SHAPE.test(v) },
  provider: text(1, 64),
  model: text(1, 256),
  project: label(),
  user: label(),
  session: label(),
  machine: label(),
  api_key: label(),
  workspace: label(),
  service_tier: label(),
  /** Uncached input tokens. */
  input_tokens: tokenCount(),
  output_tokens: tokenCount(),
  /** All cache writes (5-minute + 1-hour). */
  cache_creation_tokens: tokenCount(),
  /** The 1-hour part of cache_creation_tokens (billed at 2× input instead of 1.25×). */
  cache_creation_1h_tokens: tokenCount(),
  cache_read_tokens: tokenCount(),
  requests: count(RECORD_LIMITS.requests, `at most ${RECORD_LIMITS.requests} (10^9) requests per record`, 1),
  /** USD; null when the model has no price and the source reported none. */
  cost_usd: amount(RECORD_LIMITS.cost_usd, 'at most $1,000,000 per record'),
  cost_source: {
    schema: costSourceSchema,
    accepts: (v: unknown) => v === 'reported' || v === 'priced' || v === 'unpriced',
    fallback: 'unpriced' as CostSource,
  },
  latency_ms: amount(RECORD_LIMITS.latency_ms, `at most ${RECORD_LIMITS.latency_ms} ms per record`),
  /** Width of a provider's aggregation bucket; null for single requests. */
  bucket_seconds: {
    schema: z.int().positive().nullable(),
    accepts: (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= Number.MAX_SAFE_INTEGER),
    fallback: null,
  },
} satisfies Record<string, FieldRule<z.ZodType>>;

type RecordShape = { [K in keyof typeof RECORD_FIELDS]: (typeof RECORD_FIELDS)[K]['schema'] };

/** The lake line's keys, in written order. */
const RECORD_KEYS = Object.keys(RECORD_FIELDS) as Array<keyof typeof RECORD_FIELDS>;

/**
 * One usage record (a request, or a provider's bucket × group).
 * @example
 * {"id":"9f2c…","ts":"2026-01-31T01:17:33.120Z","source":"claude-code","provider":"anthropic",
 *  "model":"claude-sonnet-4-5","project":"web","user":"alice","session":"3b1…","machine":null,
 *  "api_key":null,"workspace":null,"service_tier":"standard","input_tokens":1200,"output_tokens":340,
 *  "cache_creation_tokens":0,"cache_creation_1h_tokens":0,"cache_read_tokens":5100,"requests":1,
 *  "cost_usd":0.01234,"cost_source":"priced","latency_ms":null,"bucket_seconds":null}
 */
export const usageRecordSchema = z.object(Object.fromEntries(RECORD_KEYS.map((k) => [k, RECORD_FIELDS[k].schema])) as RecordShape);
export type UsageRecord = z.infer<typeof usageRecordSchema>;

/** A function over one record compiled from RECORD_KEYS (see lib/core/fieldwise.ts for why). */
function fieldwise<F>(params: string, body: string, context: unknown = null): F {
  return compileFieldwise<F>(RECORD_KEYS, params, body, context);
}

/** The fields a source must state; makeRecord fills in every other from its rule's fallback. */
type StatedFields = 'id' | 'ts' | 'source' | 'provider' | 'model';
const DEFAULTED_KEYS = RECORD_KEYS.filter((k) => 'fallback' in RECORD_FIELDS[k]);
const RECORD_DEFAULTS = Object.fromEntries(DEFAULTED_KEYS.map((k) => [k, (RECORD_FIELDS[k] as FieldRule<z.ZodType>).fallback])) as Omit<
  UsageRecord,
  StatedFields
>;

/** Total tokens of every kind. */
export function totalTokens(
  r: Pick<UsageRecord, 'input_tokens' | 'output_tokens' | 'cache_creation_tokens' | 'cache_read_tokens'>,
): number {
  return r.input_tokens + r.output_tokens + r.cache_creation_tokens + r.cache_read_tokens;
}

/**
 * A stable id: sha256 of the natural key parts, 32 hex chars. The one-shot `hash` gives the same
 * digest as createHash at half the cost (a first sync computes one per line).
 */
export function recordId(...parts: Array<string | number | null | undefined>): string {
  return hash('sha256', parts.map((p) => (p === null || p === undefined ? '' : String(p))).join('\u0000')).slice(0, 32);
}

/** Of two copies of one record, the one to keep: the larger token total, then the later ts. */
export function preferredCopy(a: UsageRecord, b: UsageRecord): UsageRecord {
  const ta = totalTokens(a);
  const tb = totalTokens(b);
  if (ta !== tb) return ta > tb ? a : b;
  return b.ts > a.ts ? b : a;
}

/**
 * Serialise with a fixed key order so identical records give identical bytes (and ETags). One
 * JSON.stringify of an ordered literal: a hand-built template measured faster per line but
 * slower once the object's body is flattened for writing (V8 keeps `+` results as ropes).
 */
export const serializeRecord: (r: UsageRecord) => string = fieldwise(
  'r',
  `return JSON.stringify({ ${RECORD_KEYS.map((k) => `${k}: r.${k}`).join(', ')} });`,
);

/** Defaults for the optional labels so sources only state what they know. */
export function makeRecord(fields: Pick<UsageRecord, StatedFields> & Partial<UsageRecord>): UsageRecord {
  return withDefaults(RECORD_DEFAULTS, fields);
}

// A literal, not a spread of RECORD_DEFAULTS (built by Object.fromEntries): records then share the
// fast object shape the serialiser reads (spreading it measured 3× slower to serialise).
const withDefaults: (defaults: Omit<UsageRecord, StatedFields>, fields: Partial<UsageRecord>) => UsageRecord = fieldwise(
  'd, fields',
  `return { ${DEFAULTED_KEYS.map((k) => `${k}: d.${k}`).join(', ')}, ...fields };`,
);

/**
 * The lake line check on the hot path (analyze reads every line of a rebuilt day; sync checks
 * every record it writes): accepts only what `usageRecordSchema` accepts, about ten times
 * faster; anything it does not accept is false and the caller asks the schema, which gives the
 * reason. tests/lib/usage/record.test.ts holds the two to the same answers on generated input.
 */
export function isUsageRecordFast(value: unknown): value is UsageRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return fieldsAccepted(value);
}

const fieldsAccepted: (v: object) => boolean = fieldwise(
  'v',
  `return ${RECORD_KEYS.map((k, i) => `c${i}(v.${k})`).join(' && ')};`,
  RECORD_KEYS.map((k) => RECORD_FIELDS[k].accepts),
);

const copyFields: (v: UsageRecord) => UsageRecord = fieldwise('v', `return { ${RECORD_KEYS.map((k) => `${k}: v.${k}`).join(', ')} };`);

/** isUsageRecordFast, then a copy holding exactly the contract's fields (as the schema returns). */
export function parseUsageRecordFast(value: unknown): UsageRecord | null {
  return isUsageRecordFast(value) ? copyFields(value) : null;
}
