import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SourceError } from '../../../lib/core/errors.ts';
import {
  buildQueryString,
  createProviderClient,
  fetchAllPages,
  type ProviderHttpOptions,
  ProviderResponseError,
  parseRetryAfter,
} from '../../../lib/sources/provider-http.ts';
import { type MockServer, startMockServer } from '../../mocks/mock-http.ts';

const KEY = 'sk-ant-admin01-SECRET-abcdef';
const docSchema = z.looseObject({ value: z.int() });
const pageSchema = z.looseObject({ items: z.array(z.int()), has_more: z.boolean(), next_page: z.string().nullable() });

let server: MockServer;
let answers: Array<{ status: number; body: unknown }>;
let sleeps: number[];

beforeAll(async () => {
  server = await startMockServer(() => answers.shift() ?? { status: 200, body: { value: 7 } });
});
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  answers = [];
  sleeps = [];
});

function client(overrides: Partial<ProviderHttpOptions> = {}) {
  return createProviderClient({
    source: 'anthropic',
    baseUrl: server.url,
    headers: { 'x-api-key': KEY },
    secrets: [KEY],
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    baseDelayMs: 100,
    ...overrides,
  });
}

describe('provider http client', () => {
  it('sends the headers and the query, and returns the parsed document', async () => {
    const doc = await client().getJson(
      '/v1/x',
      [
        ['group_by[]', 'model'],
        ['group_by[]', 'workspace_id'],
      ],
      docSchema,
    );
    expect(doc.value).toBe(7);
    expect(server.requests[0]!.headers['x-api-key']).toBe(KEY);
    expect(server.requests[0]!.query.getAll('group_by[]')).toEqual(['model', 'workspace_id']);
  });

  it('waits as long as retry-after says on a 429, then succeeds', async () => {
    server.fail({ status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'slow down' } } });
    const doc = await client().getJson('/v1/x', [], docSchema);
    expect(doc.value).toBe(7);
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
  });

  it('retries 5xx with exponential backoff and full jitter (random 0.5 of a doubling ceiling)', async () => {
    server.fail({ status: 500, times: 2 });
    server.fail({ status: 529 });
    const doc = await client().getJson('/v1/x', [], docSchema);
    expect(doc.value).toBe(7);
    // ceilings 100, 200, 400 ms → waits 50, 100, 200.
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('gives up after maxAttempts with the last status', async () => {
    server.fail({ status: 503, times: 3 });
    const error = await client({ maxAttempts: 3 })
      .getJson('/v1/x', [], docSchema)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toBe('anthropic: /v1/x: HTTP 503: injected fault (gave up after 3 attempts)');
    expect(server.requests).toHaveLength(3);
  });

  it('stops when the next wait would exceed the total retry budget', async () => {
    server.fail({ status: 429, headers: { 'retry-after': '120' } });
    const error = await client({ maxTotalWaitMs: 60_000 })
      .getJson('/v1/x', [], docSchema)
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('retry budget of 60000 ms spent');
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('answers 401/403 with "admin key rejected" at once and never shows the key', async () => {
    server.fail({ status: 401, body: { error: { message: `invalid x-api-key ${KEY}` } } });
    const error = await client()
      .getJson('/v1/x', [], docSchema)
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('anthropic: admin key rejected (HTTP 401)');
    expect(server.requests).toHaveLength(1);
    server.fail({ status: 403 });
    await expect(client().getJson('/v1/x', [], docSchema)).rejects.toThrow('admin key rejected (HTTP 403)');
  });

  it('redacts the key from a provider message it echoes on another error', async () => {
    server.fail({ status: 400, body: { error: { message: `bad key ${KEY} in request` } } });
    const error = await client()
      .getJson('/v1/x', [], docSchema)
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('anthropic: /v1/x: HTTP 400: bad key [redacted] in request');
  });

  it('throws ProviderResponseError with the reason and the raw body when the schema fails', async () => {
    answers.push({ status: 200, body: { value: 'seven' } });
    const error = await client()
      .getJson('/v1/x', [['a', '1']], docSchema)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderResponseError);
    const e = error as ProviderResponseError;
    expect(e.reason).toBe('value: Invalid input: expected number, received string');
    expect(e.origin).toBe('GET /v1/x?a=1');
    expect(e.raw).toBe('{"value":"seven"}');
    answers.push({ status: 200, body: 'not json' });
    await expect(client().getJson('/v1/x', [], docSchema)).rejects.toThrow(/not JSON/);
  });

  it('retries a timed-out request and a network error', async () => {
    let calls = 0;
    const fetchStub: typeof fetch = (_url, init) => {
      calls++;
      if (calls === 1) {
        // Never answers: only the per-request timeout ends it.
        return new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
      }
      if (calls === 2) return Promise.reject(new TypeError('fetch failed'));
      return Promise.resolve(new Response(JSON.stringify({ value: 3 }), { status: 200 }));
    };
    const doc = await client({ fetch: fetchStub, timeoutMs: 20 }).getJson('/v1/x', [], docSchema);
    expect(doc.value).toBe(3);
    expect(calls).toBe(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('follows next_page as page until has_more is false', async () => {
    answers.push(
      { status: 200, body: { items: [1, 2], has_more: true, next_page: 'p2' } },
      { status: 200, body: { items: [3], has_more: true, next_page: 'p3' } },
      { status: 200, body: { items: [4], has_more: false, next_page: null } },
    );
    const pages = await fetchAllPages(client(), '/v1/list', [['limit', '2']], pageSchema);
    expect(pages.flatMap((p) => p.items)).toEqual([1, 2, 3, 4]);
    expect(server.requests.map((r) => r.query.get('page'))).toEqual([null, 'p2', 'p3']);
    expect(server.requests.every((r) => r.query.get('limit') === '2')).toBe(true);
  });

  it('stops a pagination whose cursor repeats', async () => {
    answers.push(
      { status: 200, body: { items: [1], has_more: true, next_page: 'same' } },
      { status: 200, body: { items: [2], has_more: true, next_page: 'same' } },
    );
    await expect(fetchAllPages(client(), '/v1/list', [], pageSchema)).rejects.toThrow('pagination did not end');
  });

  it('drops a trailing /v1 from the base URL since paths carry it', async () => {
    await client({ baseUrl: `${server.url}/v1/` }).getJson('/v1/x', [], docSchema);
    expect(server.requests[0]!.path).toBe('/v1/x');
  });
});

describe('retry-after and query helpers', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter(null, 0)).toBeNull();
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });

  it('keeps array brackets literal and encodes values', () => {
    expect(
      buildQueryString([
        ['group_by[]', 'model'],
        ['starting_at', '2026-03-01T00:00:00Z'],
      ]),
    ).toBe('group_by[]=model&starting_at=2026-03-01T00%3A00%3A00Z');
  });
});
