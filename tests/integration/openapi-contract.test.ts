// The API's contract as third-party tools see it, over real HTTP on the local stack: Redocly's
// recommended rules find nothing in GET /openapi.json; a client generated from it by
// openapi-typescript compiles, refuses a mistyped batch, and records events; every operation is
// called and every answer matches the document; and the declaration mechanism carries a binary,
// compressed, rate-limited ingest route (the shape of an OTLP receiver) into the document.

import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { entryForPlainKey } from '../../lib/api/auth.ts';
import { binaryBody, defineRoute, jsonBody, jsonResponse, type Route } from '../../lib/api/contract.ts';
import { toApiRequest } from '../../lib/api/http.ts';
import { createRouter } from '../../lib/api/router.ts';
import { createOpenApiRoute } from '../../lib/api/routes/openapi.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { HttpError } from '../../lib/core/errors.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { startHttpAdapter } from '../../local/http-adapter.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { createContractChecker, createRecorder } from '../support/api-contract.ts';
import { MemoryStore } from '../support/memory-store.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const NOW = new Date('2026-03-15T12:00:00.000Z');

let dir: string;
let work: string;
let stack: LocalStack;
// biome-ignore lint/suspicious/noExplicitAny: the served document, read field by field.
let document: any;
const api = createRecorder((url) => url.origin === new URL(stack.url).origin);

beforeAll(async () => {
  dir = join(tmpdir(), `tokenlake-contract-${process.pid}`);
  // Inside the project, so the generated client resolves typescript's lib and @types/node.
  work = join(root, 'test-output', `openapi-contract-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const config = parseConfig({ TOKENLAKE_DATA_DIR: dir, TOKENLAKE_SOURCES: 'demo', PORT: '0' });
  stack = await startLocalStack({ config, now: () => NOW, log: silentLogger, schedule: false });
  await stack.syncNow();
  document = await (await api.fetch(`${stack.url}/openapi.json`)).json();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What this test uses of the generated client (its own types are checked by tsc above). */
interface GeneratedClient {
  batch: unknown;
  postEvents(fetcher: typeof fetch, base: string, key: string, batch: unknown): Promise<unknown>;
  getCosts(
    fetcher: typeof fetch,
    base: string,
    key: string,
    query: Record<string, string>,
  ): Promise<{ totals: { cost_usd: number }; items: Array<{ key: string; cost_usd: number; total_tokens: number; records: number }> }>;
}

/** `redocly lint` with the repository's config (recommended rules), offline; its JSON report. */
async function redoclyLint(
  doc: unknown,
  name: string,
): Promise<{ totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string }> }> {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(doc));
  const cli = join(root, 'node_modules/@redocly/cli/bin/cli.js');
  const result = await run(process.execPath, [cli, 'lint', '--config', join(root, 'redocly.yaml'), '--format=json', file], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return JSON.parse(result.stdout);
}

/** tsc --noEmit over files of the work folder; its diagnostics (empty when they compile). */
async function typecheck(...files: string[]): Promise<string> {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const args = ['--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'ES2022', '--module', 'NodeNext'];
  args.push('--moduleResolution', 'NodeNext', '--allowImportingTsExtensions', '--lib', 'ES2023,DOM', '--types', 'node');
  const result = await run(process.execPath, [tsc, ...args, ...files.map((f) => join(work, f))], { cwd: work }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? 'tsc failed without output' }),
  );
  return result.stdout.trim();
}

describe('GET /openapi.json under Redocly (recommended rules)', () => {
  it('has no error and no warning', async () => {
    const report = await redoclyLint(document, 'served');
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('is what the lint judges: a document without servers is an error', async () => {
    const { servers: _servers, ...withoutServers } = document;
    const report = await redoclyLint(withoutServers, 'no-servers');
    expect(report.totals.errors).toBeGreaterThan(0);
    expect(report.problems.map((p) => p.ruleId)).toContain('no-empty-servers');
  });
});

describe('a client generated from /openapi.json by openapi-typescript', () => {
  /** tsc's first line of each diagnostic, `file(line,col): error …`. */
  let diagnostics: string[] = [];

  beforeAll(async () => {
    writeFileSync(join(work, 'api.ts'), astToString(await openapiTS(document)));
    writeFileSync(
      join(work, 'client.ts'),
      `import type { paths } from './api.ts';

type PostEvents = paths['/v1/events']['post'];
export type EventBatch = PostEvents['requestBody']['content']['application/json'];
export type EventBatchResult = PostEvents['responses'][200]['content']['application/json'];
export type Costs = paths['/v1/costs']['get']['responses'][200]['content']['application/json'];
type CostsQuery = NonNullable<paths['/v1/costs']['get']['parameters']['query']>;

export async function postEvents(fetcher: typeof fetch, base: string, key: string, batch: EventBatch) {
  const res = await fetcher(\`\${base}/v1/events\`, {
    method: 'POST',
    headers: { authorization: \`Bearer \${key}\`, 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  });
  if (res.status !== 200) throw new Error(\`POST /v1/events answered \${res.status}: \${await res.text()}\`);
  return (await res.json()) as EventBatchResult;
}

export async function getCosts(fetcher: typeof fetch, base: string, key: string, query: CostsQuery) {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const res = await fetcher(\`\${base}/v1/costs?\${params}\`, { headers: { authorization: \`Bearer \${key}\` } });
  return (await res.json()) as Costs;
}

export const batch: EventBatch = {
  events: [
    { event_type: 'task.completed', ts: '2026-03-15T10:00:00Z', event_id: 'client-task-1', metrics: { duration_ms: 1200 } },
    {
      event_type: 'llm.usage',
      ts: '2026-03-15T10:05:00Z',
      event_id: 'client-usage-1',
      attributes: { provider: 'openai', model: 'gpt-5', project: 'client-test' },
      metrics: { input_tokens: 1000, output_tokens: 200, cost_usd: 0.5 },
    },
  ],
};
`,
    );
    writeFileSync(
      join(work, 'wrong.ts'),
      `import type { EventBatch } from './client.ts';
export const noTs: EventBatch = [{ event_type: 'task.completed' }];
export const tsNotAString: EventBatch = [{ event_type: 'task.completed', ts: 1773568800 }];
export const unknownField: EventBatch = [{ event_type: 'task.completed', ts: '2026-03-15T10:00:00Z', metric: { a: 1 } }];
`,
    );
    // One compiler run for both files: the client must compile, the wrong batches must not.
    diagnostics = (await typecheck('client.ts', 'wrong.ts')).split('\n').filter((l) => /^\S+\.ts\(/.test(l));
  }, 60_000);

  it('compiles with a typed call', () => {
    expect(diagnostics.filter((l) => !l.startsWith('wrong.ts('))).toEqual([]);
  });

  it('refuses a batch that breaks the contract, naming each mistake', () => {
    const lines = diagnostics.filter((l) => l.startsWith('wrong.ts('));
    expect(lines.map((l) => Number(/^wrong\.ts\((\d+),/.exec(l)?.[1]))).toEqual([2, 3, 4]);
  });

  it('records a typed batch and reads the cost it added back', async () => {
    const client = (await import(pathToFileURL(join(work, 'client.ts')).href)) as GeneratedClient;
    const before = await client.getCosts(api.fetch, stack.url, stack.apiKey, { group_by: 'project', from: '2026-03-15', to: '2026-03-15' });

    const result = await client.postEvents(api.fetch, stack.url, stack.apiKey, client.batch);
    await stack.idle();
    const after = await client.getCosts(api.fetch, stack.url, stack.apiKey, { group_by: 'project', from: '2026-03-15', to: '2026-03-15' });

    expect(result).toEqual({ accepted: 2, duplicates: 0, usage_records: 1, rejected: [] });
    expect(before.items.find((i) => i.key === 'client-test')).toBeUndefined();
    expect(after.items.find((i) => i.key === 'client-test')).toMatchObject({ cost_usd: 0.5, total_tokens: 1200, records: 1 });
    expect(after.totals.cost_usd).toBeCloseTo(before.totals.cost_usd + 0.5, 9);
  });
});

describe('every operation of the document', () => {
  it('is called, and each answer matches its declaration', async () => {
    const key = { authorization: `Bearer ${stack.apiKey}` };
    const get = (path: string, headers: Record<string, string> = key) => api.fetch(`${stack.url}${path}`, { headers });
    const page = await (await get('/', {})).text();
    const asset = /\.\/assets\/([^"]+\.js)"/.exec(page)?.[1];
    expect(asset).toBeDefined();
    await get(`/assets/${asset}`, {});
    await get('/assets/no-such-asset.js', {});
    await get('/health', {});
    const analytics = await get('/v1/analytics');
    await get('/v1/analytics', { ...key, 'if-none-match': analytics.headers.get('etag') ?? '' });
    await get('/v1/analytics', {});
    await get('/v1/windows/30d');
    await get('/v1/windows/14d');
    await get('/v1/summary?window=7d');
    await get('/v1/usage?entity_type=model');
    await get('/v1/usage?entity_type=project&entity_id=web');
    await get('/v1/performance?group_by=provider');
    await get('/v1/costs?group_by=day&window=7d');
    await get('/v1/report?by=month&breakdown=true&window=90d');
    await get('/v1/report?by=session&window=7d');
    await get('/v1/window?from=2026-03-01&to=2026-03-15');
    await get('/v1/window?from=2026-03-15&to=2026-03-01');
    await get('/v1/export?format=ndjson&window=7d&fields=id,ts');
    await get('/v1/export?format=parquet&window=7d');
    await get('/v1/budgets');
    const budgets = { budgets: [{ id: 'team', monthly_usd: 100 }] };
    await api.fetch(`${stack.url}/v1/budgets`, {
      method: 'PUT',
      headers: { ...key, 'content-type': 'application/json' },
      body: JSON.stringify(budgets),
    });
    await api.fetch(`${stack.url}/v1/budgets`, { method: 'PUT', headers: { ...key, 'content-type': 'text/plain' }, body: 'x' });
    await api.fetch(`${stack.url}/v1/aggregate?from=2026-03-14&to=2026-03-15`, { method: 'POST', headers: key });
    await api.fetch(`${stack.url}/v1/aggregate?from=2026-03-14&to=2026-03-15`, { method: 'POST', headers: key, body: 'unexpected' });
    await api.fetch(`${stack.url}/v1/events`, {
      method: 'POST',
      headers: { ...key, 'content-type': 'application/json' },
      body: JSON.stringify([{ event_type: 'Bad', ts: 'x' }]),
    });
    for (const signal of ['logs', 'metrics', 'traces']) {
      const otlp = (body: string) =>
        api.fetch(`${stack.url}/v1/otlp/v1/${signal}`, { method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body });
      await otlp('{}');
      await otlp('not json');
    }
    await get('/v1/nothing-here');

    const checker = createContractChecker(document);
    const called = new Set(api.exchanges.map((e) => checker.operationOf(e)));
    expect(checker.operations.filter((op) => !called.has(op))).toEqual([]);
    const statuses = new Set(api.exchanges.map((e) => `${checker.operationOf(e)} ${e.status}`));
    for (const expected of ['GET /v1/analytics 304', 'GET /v1/analytics 401', 'GET /v1/windows/{window} 400', 'PUT /v1/budgets 415']) {
      expect(statuses).toContain(expected);
    }
    expect(api.exchanges.flatMap((e) => checker.check(e))).toEqual([]);
  });
});

describe('the contract checker', () => {
  it('reports an undeclared status, media type, missing header and a body off its schema', () => {
    const checker = createContractChecker(document);
    const answer = (status: number, headers: Record<string, string>, body: string) => ({
      method: 'GET',
      url: '/v1/analytics',
      status,
      headers: new Headers(headers),
      body: Buffer.from(body),
    });
    const json = { 'content-type': 'application/json; charset=utf-8' };
    expect(checker.check(answer(418, json, '{}'))).toEqual([expect.stringMatching(/status not declared/)]);
    expect(checker.check(answer(200, { 'content-type': 'text/plain', etag: '"a"' }, 'x'))).toEqual([
      expect.stringMatching(/media type text\/plain not declared/),
    ]);
    const problems = checker.check(answer(200, json, '{"schema_version":1}'));
    expect(problems).toEqual([
      expect.stringMatching(/required header etag missing/),
      expect.stringMatching(/body: .*must have required property/),
    ]);
    expect(checker.check(answer(400, json, '{"error":"x","details":[{"field":"w"}]}'))).toEqual([expect.stringMatching(/body: .*reason/)]);
    expect(checker.check(answer(400, json, '{"error":"x","details":[]}'))).toEqual([]);
  });
});

describe('a route declared like an OTLP receiver', () => {
  const resourceLogs = z.looseObject({ resourceLogs: z.array(z.unknown()) });
  const received = z.object({ partialSuccess: z.object({ rejectedLogRecords: z.int(), errorMessage: z.string() }).optional() });
  const retryAfter = { 'retry-after': { description: 'Seconds to wait.', schema: z.string().regex(/^\d+$/), required: true } };
  const otlpLogs = defineRoute({
    method: 'POST',
    path: '/v1/otlp/v1/logs',
    scope: 'ingest',
    tag: 'ingest',
    summary: 'Receive OTLP logs.',
    body: {
      description: 'An ExportLogsServiceRequest.',
      content: {
        'application/x-protobuf': binaryBody('Protobuf-encoded.'),
        'application/json': jsonBody(resourceLogs, { name: 'OtlpLogs' }),
      },
      maxBytes: 4096,
      encodings: ['gzip'],
    },
    responses: {
      200: jsonResponse('Received; partialSuccess lists what was not.', received, { name: 'OtlpReceived' }),
    },
    errors: {
      413: 'Over 4 KiB once decoded.',
      415: 'Another media type or encoding.',
      429: { description: 'Too many requests.', headers: retryAfter },
      503: { description: 'Storage unavailable.', headers: retryAfter },
    },
  }).handle(({ body }) => {
    if (body.mediaType === 'application/json') return { status: 200, body: {} };
    // The test's stand-in for "throttled": a first byte of 0xff.
    if (body.bytes[0] === 0xff) throw new HttpError(429, 'slow down', [], { headers: { 'retry-after': '7' } });
    return { status: 200, body: { partialSuccess: { rejectedLogRecords: body.bytes.length, errorMessage: 'test: one per byte' } } };
  });

  let server: { url: string; stop(): Promise<void> };
  const otlp = createRecorder((url) => url.origin === new URL(server.url).origin);

  beforeAll(async () => {
    const routes: Route[] = [otlpLogs];
    routes.push(createOpenApiRoute(() => routes));
    const route = createRouter(routes);
    const deps = {
      store: new MemoryStore(),
      keys: [entryForPlainKey('otlp-key-0123456789abcdef')],
      now: () => NOW,
      log: silentLogger,
      timeZone: 'UTC',
    };
    server = await startHttpAdapter(async (event) => route(toApiRequest(event), deps), { port: 0 });
  });

  afterAll(async () => {
    await server?.stop();
  });

  const post = (headers: Record<string, string>, body: Buffer | string) =>
    otlp.fetch(`${server.url}/v1/otlp/v1/logs`, {
      method: 'POST',
      headers: { authorization: 'Bearer otlp-key-0123456789abcdef', ...headers },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });

  it('takes exact bytes, gzip, several media types, and answers 413, 415 and 429 with Retry-After', async () => {
    // Not valid UTF-8: the bytes must arrive as sent.
    const bytes = Buffer.from([0x0a, 0x80, 0xfe, 0x00, 0x12]);
    const asBytes = await post({ 'content-type': 'application/x-protobuf' }, bytes);
    const gzipped = await post({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, gzipSync(bytes));
    const json = await post({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync('{"resourceLogs":[]}'));
    const bomb = await post({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, gzipSync(Buffer.alloc(1_000_000)));
    const brotli = await post({ 'content-type': 'application/x-protobuf', 'content-encoding': 'br' }, bytes);
    const text = await post({ 'content-type': 'text/plain' }, 'logs');
    const badJson = await post({ 'content-type': 'application/json' }, '{"resourceLogs":{}}');
    const throttled = await post({ 'content-type': 'application/x-protobuf' }, Buffer.from([0xff, 1]));

    expect(await asBytes.json()).toEqual({ partialSuccess: { rejectedLogRecords: 5, errorMessage: 'test: one per byte' } });
    expect(await gzipped.json()).toEqual({ partialSuccess: { rejectedLogRecords: 5, errorMessage: 'test: one per byte' } });
    expect([json.status, await json.json()]).toEqual([200, {}]);
    expect(bomb.status).toBe(413);
    expect(brotli.status).toBe(415);
    expect(text.status).toBe(415);
    expect([badJson.status, (await badJson.json()).details[0].field]).toEqual([400, 'resourceLogs']);
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '7']);
  });

  it('is documented with both media types, its errors and Retry-After, and every answer matches', async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    const operation = doc.paths['/v1/otlp/v1/logs'].post;
    expect(Object.keys(operation.requestBody.content)).toEqual(['application/x-protobuf', 'application/json']);
    expect(Object.keys(operation.responses)).toEqual(['200', '400', '401', '403', '413', '415', '429', '500', '503']);
    expect(operation.responses['429'].headers['retry-after']).toMatchObject({ required: true, schema: { type: 'string' } });
    expect(operation.requestBody.description).toMatch(/gzip/);
    const checker = createContractChecker(doc);
    expect(otlp.exchanges).toHaveLength(8);
    expect(otlp.exchanges.flatMap((e) => checker.check(e))).toEqual([]);
    expect((await redoclyLint(doc, 'otlp')).totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
