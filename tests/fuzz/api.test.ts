// Property test of the api's single entry point: generated paths, query strings, headers and
// bodies never get a 5xx or a stack trace back, and every answer is one the OpenAPI document declares.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../../lib/api/all-routes.ts';
import { entryForPlainKey } from '../../lib/api/auth.ts';
import { toApiRequest } from '../../lib/api/http.ts';
import { buildOpenApiDocument } from '../../lib/api/openapi.ts';
import { type ApiDeps, createRouter } from '../../lib/api/router.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { runAnalyze } from '../../lib/pipeline/analyze.ts';
import { demoDay } from '../../lib/sources/demo/index.ts';
import { serializeUsageObject } from '../../lib/usage/lake.ts';
import { createPricer } from '../../lib/usage/pricing/price.ts';
import { createContractChecker } from '../support/api-contract.ts';
import { MemoryStore } from '../support/memory-store.ts';

const KEY = 'fuzz-key-0123456789abcdef';
const runs = Number(process.env.FUZZ_RUNS ?? 150);
const route = createRouter(allRoutes);
const contract = createContractChecker(buildOpenApiDocument(allRoutes, { title: 'fuzz', version: '1' }));
let deps: ApiDeps;

beforeAll(async () => {
  const store = new MemoryStore();
  for (const day of ['2026-03-08', '2026-03-09', '2026-03-10']) {
    await store.put(`lake/usage/dt=${day}/demo-x.jsonl`, serializeUsageObject(demoDay(day)));
  }
  const now = () => new Date('2026-03-10T12:00:00Z');
  const analysis = { store, pricer: createPricer(), now, timeZone: 'UTC', log: silentLogger };
  await runAnalyze(analysis);
  deps = { store, keys: [entryForPlainKey(KEY)], now, log: silentLogger, timeZone: 'UTC', analysis, exportInlineLimitBytes: 50_000 };
});

const paths = allRoutes.map((r) => r.path);
const knownParams = [
  'from',
  'to',
  'window',
  'metric',
  'granularity',
  'entity_type',
  'entity_id',
  'limit',
  'cursor',
  'group_by',
  'format',
  'dataset',
  'fields',
  'anonymize',
];
const valueArb = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '7d',
    '30d',
    '2026-03-01',
    '2026-03-10T00:00:00Z',
    '2026-02-30',
    '-1',
    '1e309',
    'model',
    'csv',
    'parquet',
    'focus',
    'cost',
    'day',
    '%00',
    '../../etc',
    '',
  ),
);
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
  path: fc.oneof(
    fc
      .constantFrom(...paths)
      .chain((p) => fc.string({ maxLength: 12 }).map((seg) => p.replace(/\{\w+\}/g, encodeURIComponent(seg) || 'x'))),
    fc.webPath(),
  ),
  query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...knownParams), fc.string({ maxLength: 8 })), valueArb), { maxLength: 6 }),
  auth: fc.constantFrom(`Bearer ${KEY}`, 'Bearer nope', '', 'Basic abc', `bearer ${KEY}`),
  contentType: fc.constantFrom('application/json', 'text/plain', '', 'application/json; charset=utf-8'),
  body: fc.oneof(fc.constant(undefined), fc.json(), fc.string()),
});

describe('fuzzing the api', () => {
  it('never answers 5xx or leaks a stack trace, whatever the request', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const rawQueryString = r.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const headers: Record<string, string> = {};
        if (r.auth) headers.authorization = r.auth;
        if (r.contentType) headers['content-type'] = r.contentType;
        const event = {
          version: '2.0',
          routeKey: '$default',
          rawPath: r.path,
          rawQueryString,
          headers,
          requestContext: { http: { method: r.method, path: r.path }, requestId: 'fuzz' },
          body: r.body,
          isBase64Encoded: false,
        };
        // biome-ignore lint/suspicious/noExplicitAny: a generated API Gateway v2 event
        const request = toApiRequest(event as any);
        const res = await route(request, deps);
        expect(res.statusCode, `${r.method} ${r.path}?${rawQueryString}`).toBeLessThan(500);
        expect(String(res.body ?? '')).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
        const exchange = {
          method: r.method,
          url: `${request.path}?${rawQueryString}`,
          status: res.statusCode ?? 200,
          headers: new Headers(Object.entries(res.headers ?? {}).map(([k, v]): [string, string] => [k, String(v)])),
          body: Buffer.from(res.body ?? '', res.isBase64Encoded ? 'base64' : 'utf8'),
        };
        expect(contract.check(exchange)).toEqual([]);
      }),
      { numRuns: runs, seed: 42 },
    );
  });
});
