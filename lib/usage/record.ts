// The lake line: one normalised usage record. This schema is the public contract that Athena,
// DuckDB and Spark read; every line carries every key (null when unknown), snake_case.
// Token counts are disjoint: input_tokens is UNCACHED input; cache writes and reads are separate.

import { hash } from 'node:crypto';
import { z } from 'zod';
import { FIRST_DAY, isInCalendar, isValidDay, LAST_DAY } from '../core/calendar.ts';

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

const tokenCount = z.int().nonnegative().max(RECORD_LIMITS.tokens, `at most ${RECORD_LIMITS.tokens} (10^12) tokens per record`);
const label = z.string().min(1).max(512).nullable();

export const costSourceSchema = z.enum(['reported', 'priced', 'unpriced']);
export type CostSource = z.infer<typeof costSourceSchema>;

/**
 * One usage record (a request, or a provider's bucket × group).
 * @example
 * {"id":"9f2c…","ts":"2026-01-31T01:17:33.120Z","source":"claude-code","provider":"anthropic",
 *  "model":"claude-sonnet-4-5","project":"web","user":"alice","session":"3b1…","machine":null,
 *  "api_key":null,"workspace":null,"service_tier":"standard","input_tokens":1200,"output_tokens":340,
 *  "cache_creation_tokens":0,"cache_creation_1h_tokens":0,"cache_read_tokens":5100,"requests":1,
 *  "cost_usd":0.01234,"cost_source":"priced","latency_ms":null,"bucket_seconds":null}
 */
export const usageRecordSchema = z.object({
  /** Deterministic from the source's natural key, so a re-read yields the same id. */
  id: z.string().min(8).max(128),
  /** Instant of the request (or start of the provider bucket), ISO 8601 UTC. */
  ts: z.iso.datetime({ offset: false }).refine((ts) => isInCalendar(ts.slice(0, 10)), `must lie between ${FIRST_DAY} and ${LAST_DAY}`),
  source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  provider: z.string().min(1).max(64),
  model: z.string().min(1).max(256),
  project: label,
  user: label,
  session: label,
  machine: label,
  api_key: label,
  workspace: label,
  service_tier: label,
  /** Uncached input tokens. */
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  /** All cache writes (5-minute + 1-hour). */
  cache_creation_tokens: tokenCount,
  /** The 1-hour part of cache_creation_tokens (billed at 2× input instead of 1.25×). */
  cache_creation_1h_tokens: tokenCount,
  cache_read_tokens: tokenCount,
  requests: z.int().nonnegative().max(RECORD_LIMITS.requests, `at most ${RECORD_LIMITS.requests} (10^9) requests per record`),
  /** USD; null when the model has no price and the source reported none. */
  cost_usd: z.number().nonnegative().max(RECORD_LIMITS.cost_usd, 'at most $1,000,000 per record').nullable(),
  cost_source: costSourceSchema,
  latency_ms: z.number().nonnegative().max(RECORD_LIMITS.latency_ms, `at most ${RECORD_LIMITS.latency_ms} ms per record`).nullable(),
  /** Width of a provider's aggregation bucket; null for single requests. */
  bucket_seconds: z.int().positive().nullable(),
});
export type UsageRecord = z.infer<typeof usageRecordSchema>;

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
export function serializeRecord(r: UsageRecord): string {
  return JSON.stringify({
    id: r.id,
    ts: r.ts,
    source: r.source,
    provider: r.provider,
    model: r.model,
    project: r.project,
    user: r.user,
    session: r.session,
    machine: r.machine,
    api_key: r.api_key,
    workspace: r.workspace,
    service_tier: r.service_tier,
    input_tokens: r.input_tokens,
    output_tokens: r.output_tokens,
    cache_creation_tokens: r.cache_creation_tokens,
    cache_creation_1h_tokens: r.cache_creation_1h_tokens,
    cache_read_tokens: r.cache_read_tokens,
    requests: r.requests,
    cost_usd: r.cost_usd,
    cost_source: r.cost_source,
    latency_ms: r.latency_ms,
    bucket_seconds: r.bucket_seconds,
  });
}

/** Defaults for the optional labels so sources only state what they know. */
export function makeRecord(fields: Pick<UsageRecord, 'id' | 'ts' | 'source' | 'provider' | 'model'> & Partial<UsageRecord>): UsageRecord {
  return {
    project: null,
    user: null,
    session: null,
    machine: null,
    api_key: null,
    workspace: null,
    service_tier: null,
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_tokens: 0,
    cache_creation_1h_tokens: 0,
    cache_read_tokens: 0,
    requests: 1,
    cost_usd: null,
    cost_source: 'unpriced',
    latency_ms: null,
    bucket_seconds: null,
    ...fields,
  };
}

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

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= RECORD_LIMITS.tokens;
const isLabel = (v: unknown): v is string | null => v === null || (typeof v === 'string' && v.length >= 1 && v.length <= 512);
const isAmount = (v: unknown, max: number): v is number | null => v === null || (typeof v === 'number' && v >= 0 && v <= max);

/** Whether a string is a UTC instant the schemas accept (`2026-03-01T10:00:00.123Z`, a real day in the calendar). */
export function isUtcInstant(ts: string): boolean {
  return TS_SHAPE.test(ts) && isRealDay(ts.slice(0, 10));
}

/**
 * The lake line check on the hot path (analyze reads every line of a rebuilt day; sync checks
 * every record it writes): accepts only what `usageRecordSchema` accepts, about ten times
 * faster; anything it does not accept is false and the caller asks the schema, which gives the
 * reason. tests/lib/record.test.ts holds the two to the same answers on generated input.
 */
export function isUsageRecordFast(value: unknown): value is UsageRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const { id, ts, source, provider, model, cost_source } = v;
  if (typeof id !== 'string' || id.length < 8 || id.length > 128) return false;
  if (typeof ts !== 'string' || !isUtcInstant(ts)) return false;
  if (typeof source !== 'string' || !SOURCE_SHAPE.test(source)) return false;
  if (typeof provider !== 'string' || provider.length < 1 || provider.length > 64) return false;
  if (typeof model !== 'string' || model.length < 1 || model.length > 256) return false;
  if (cost_source !== 'reported' && cost_source !== 'priced' && cost_source !== 'unpriced') return false;
  if (!isLabel(v.project) || !isLabel(v.user) || !isLabel(v.session) || !isLabel(v.machine)) return false;
  if (!isLabel(v.api_key) || !isLabel(v.workspace) || !isLabel(v.service_tier)) return false;
  if (!isCount(v.input_tokens) || !isCount(v.output_tokens) || !isCount(v.cache_creation_tokens)) return false;
  if (!isCount(v.cache_creation_1h_tokens) || !isCount(v.cache_read_tokens)) return false;
  if (!isCount(v.requests) || v.requests > RECORD_LIMITS.requests) return false;
  if (!isAmount(v.cost_usd, RECORD_LIMITS.cost_usd) || !isAmount(v.latency_ms, RECORD_LIMITS.latency_ms)) return false;
  const bucket = v.bucket_seconds;
  if (bucket !== null && !(typeof bucket === 'number' && Number.isInteger(bucket) && bucket > 0 && bucket <= Number.MAX_SAFE_INTEGER))
    return false;
  return true;
}

/** isUsageRecordFast, then a copy holding exactly the contract's fields (as the schema returns). */
export function parseUsageRecordFast(value: unknown): UsageRecord | null {
  if (!isUsageRecordFast(value)) return null;
  const v = value;
  const { id, ts, source, provider, model, cost_source } = v;
  const bucket = v.bucket_seconds;
  return {
    id,
    ts,
    source,
    provider,
    model,
    project: v.project,
    user: v.user,
    session: v.session,
    machine: v.machine,
    api_key: v.api_key,
    workspace: v.workspace,
    service_tier: v.service_tier,
    input_tokens: v.input_tokens,
    output_tokens: v.output_tokens,
    cache_creation_tokens: v.cache_creation_tokens,
    cache_creation_1h_tokens: v.cache_creation_1h_tokens,
    cache_read_tokens: v.cache_read_tokens,
    requests: v.requests,
    cost_usd: v.cost_usd,
    cost_source,
    latency_ms: v.latency_ms,
    bucket_seconds: bucket,
  };
}
