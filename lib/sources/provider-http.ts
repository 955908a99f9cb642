// HTTP for the provider usage APIs: JSON GETs with per-request timeouts, retries (exponential
// backoff with full jitter, `retry-after` honoured) under a bounded total wait, and pagination.
// It owns how a provider is asked, not what the answer means. Secrets never reach a message, a
// log or the quarantine: error texts are built from the path and status, and anything the
// provider sends back (a 200 page kept for quarantine, a 4xx/5xx message) passes the redaction
// step with the admin key — whole or any piece of it — and the key shapes (lib/core/redact.ts).

import type { z } from 'zod';
import { SourceError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { createRedactor, type Redact } from '../core/redact.ts';
import { describeIssues, MAX_RAW_CHARS } from '../store/jsonl.ts';

/** Query parameters in order; a repeated key is a repeated pair (`group_by[]=a&group_by[]=b`). */
export type QueryPairs = ReadonlyArray<readonly [string, string]>;

export interface ProviderHttpTuning {
  fetch?: typeof fetch;
  /** Waits between attempts; tests pass one that records the delay and returns at once. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** 0 ≤ x < 1, for the jitter. */
  random?: () => number;
  /** Per request, ms. */
  timeoutMs?: number;
  /** Attempts per request, the first included. */
  maxAttempts?: number;
  /** First backoff ceiling, ms; doubles per retry up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Total time a request may spend waiting between attempts, ms; past it the error is final. */
  maxTotalWaitMs?: number;
}

export interface ProviderHttpOptions extends ProviderHttpTuning {
  /** Source name, for error messages. */
  source: string;
  /** Scheme + host (+ optional path prefix); a trailing `/v1` is dropped since paths carry it. */
  baseUrl: string;
  headers: Record<string, string>;
  /** Header values that must never appear in a message, a log or the quarantine (the admin key). */
  secrets: string[];
  signal?: AbortSignal;
  log?: Logger;
}

/** A response that does not match its schema: quarantined with `reason`, and the source stops. */
export class ProviderResponseError extends SourceError {
  constructor(
    source: string,
    /** `GET /path?query` (no secrets in it). */
    readonly origin: string,
    readonly reason: string,
    /** The body, cut to MAX_RAW_CHARS and redacted. */
    readonly raw: string,
  ) {
    super(source, `unexpected response from ${origin.split('?')[0]}: ${reason}`);
    this.name = 'ProviderResponseError';
  }
}

interface ProviderClient {
  readonly source: string;
  /** GET a JSON document and check it against `schema`. */
  getJson<S extends z.ZodType>(path: string, query: QueryPairs, schema: S): Promise<z.infer<S>>;
}

interface Page {
  has_more: boolean;
  next_page?: string | null | undefined;
}

/** Sent on every request (Anthropic asks integrations to identify themselves). */
export const USER_AGENT = 'tokenlake/0.1.0 (usage sync)';

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504, 529]);
const MAX_PAGES = 1000;

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** `retry-after` as seconds or an HTTP date → ms; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export function buildQueryString(query: QueryPairs): string {
  // Brackets of array keys stay literal (`group_by[]`), as the providers' own examples write them.
  return query.map(([k, v]) => `${encodeURIComponent(k).replace(/%5B%5D$/, '[]')}=${encodeURIComponent(v)}`).join('&');
}

export function createProviderClient(options: ProviderHttpOptions): ProviderClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const maxTotalWaitMs = options.maxTotalWaitMs ?? 120_000;
  const base = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const redact = createRedactor(options.secrets);
  const fail = (message: string, cause?: unknown) =>
    new SourceError(options.source, redact(message), cause === undefined ? undefined : { cause });

  return {
    source: options.source,
    async getJson(path, query, schema) {
      const qs = buildQueryString(query);
      const origin = `GET ${path}${qs ? `?${qs}` : ''}`;
      const url = `${base}${path}${qs ? `?${qs}` : ''}`;
      let waited = 0;
      for (let attempt = 1; ; attempt++) {
        if (options.signal?.aborted) throw fail(`${path}: aborted`, options.signal.reason);
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
        let problem: string;
        let retryAfterMs: number | null = null;
        try {
          const response = await doFetch(url, { method: 'GET', headers: options.headers, signal });
          const body = await response.text();
          if (response.ok) return parseBody(options.source, origin, body, schema, redact);
          if (response.status === 401 || response.status === 403) {
            // Never the provider's message: some echo part of the key they were given.
            throw fail(`admin key rejected (HTTP ${response.status})`);
          }
          problem = `HTTP ${response.status}${providerMessage(body)}`;
          if (!RETRYABLE_STATUS.has(response.status)) throw fail(`${path}: ${problem}`);
          retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        } catch (error) {
          if (error instanceof SourceError) throw error;
          if (options.signal?.aborted) throw fail(`${path}: aborted`, error);
          problem = timeout.aborted ? `no answer within ${timeoutMs} ms` : `network error: ${(error as Error).message}`;
        }
        if (attempt >= maxAttempts) throw fail(`${path}: ${problem} (gave up after ${attempt} attempts)`);
        // Full jitter: a random wait up to an exponentially growing ceiling spreads retrying clients.
        const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        const delay = retryAfterMs ?? Math.floor(random() * ceiling);
        if (waited + delay > maxTotalWaitMs) {
          throw fail(`${path}: ${problem} (gave up after ${attempt} attempts; retry budget of ${maxTotalWaitMs} ms spent)`);
        }
        options.log?.warn('provider request retried', { path, attempt, problem: redact(problem), delay_ms: delay });
        waited += delay;
        await sleep(delay, options.signal);
      }
    },
  };
}

function parseBody<S extends z.ZodType>(source: string, origin: string, body: string, schema: S, redact: Redact): z.infer<S> {
  // A page that does not parse is kept in quarantine: whatever it echoes (the key, in a 200) is
  // redacted first. The reason may quote the body (JSON.parse does), so it is redacted too.
  const refuse = (reason: string) => new ProviderResponseError(source, origin, redact(reason), redact(body.slice(0, MAX_RAW_CHARS)));
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw refuse(`not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw refuse(describeIssues(parsed.error.issues));
  return parsed.data;
}

/** `: <message>` from `{"error":{"message"}}` (both providers use it), cut short; '' otherwise. */
function providerMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' && message !== '' ? `: ${message.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/**
 * Every page of a paginated report: the previous answer's `next_page` goes back as `page` until
 * `has_more` is false. A cursor seen twice is an error rather than an endless loop.
 */
export async function fetchAllPages<S extends z.ZodType<Page>>(
  client: ProviderClient,
  path: string,
  query: QueryPairs,
  schema: S,
): Promise<Array<z.infer<S>>> {
  const pages: Array<z.infer<S>> = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (;;) {
    const page: z.infer<S> = await client.getJson(path, cursor === null ? query : [...query, ['page', cursor]], schema);
    pages.push(page);
    const next = page.next_page ?? null;
    if (!page.has_more || next === null) return pages;
    if (seen.has(next) || pages.length >= MAX_PAGES) {
      throw new SourceError(client.source, `${path}: pagination did not end (cursor repeated or over ${MAX_PAGES} pages)`);
    }
    seen.add(next);
    cursor = next;
  }
}
