// The lake line: one normalised usage record. This schema is the public contract that Athena,
// DuckDB and Spark read; every line carries every key (null when unknown), snake_case.
// Token counts are disjoint: input_tokens is UNCACHED input; cache writes and reads are separate.

import { createHash } from 'node:crypto';
import { z } from 'zod';

const tokenCount = z.int().nonnegative().max(Number.MAX_SAFE_INTEGER);
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
  ts: z.iso.datetime({ offset: false }),
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
  requests: tokenCount,
  /** USD; null when the model has no price and the source reported none. */
  cost_usd: z.number().nonnegative().finite().nullable(),
  cost_source: costSourceSchema,
  latency_ms: z.number().nonnegative().finite().nullable(),
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

/** A stable id: sha256 of the natural key parts, 32 hex chars. */
export function recordId(...parts: Array<string | number | null | undefined>): string {
  return createHash('sha256')
    .update(parts.map((p) => (p === null || p === undefined ? '' : String(p))).join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/** Of two copies of one record, the one to keep: the larger token total, then the later ts. */
export function preferredCopy(a: UsageRecord, b: UsageRecord): UsageRecord {
  const ta = totalTokens(a);
  const tb = totalTokens(b);
  if (ta !== tb) return ta > tb ? a : b;
  return b.ts > a.ts ? b : a;
}

/** Serialise with a fixed key order so identical records give identical bytes (and ETags). */
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
