// Adversarial: the HTTP edge of the local stack. Malformed percent-encoding anywhere in a request
// (every route, path parameters, fixed segments, the query, the local download path, a request
// target that is no URL) is a 4xx, never a 500. A flood of wrong bearer keys is logged — in a few
// lines, with request ids, never a key — and the address is refused with 429 + Retry-After
// (whatever key it sends meanwhile) until the window passes; each answer is one the OpenAPI
// document declares.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../../lib/api/all-routes.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { createLogger } from '../../lib/core/log.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { type ContractChecker, createContractChecker, createRecorder } from '../support/api-contract.ts';

let clock = new Date('2026-11-23T10:00:00.000Z');
let data: string;
let stack: LocalStack;
let contract: ContractChecker;
const logLines: Array<Record<string, unknown>> = [];
const recorder = createRecorder((url) => !url.pathname.startsWith('/_local/'));

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'tl-adv-http-'));
  const config = parseConfig({ TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', PORT: '0' });
  const log = createLogger({ level: 'debug', write: (line) => logLines.push(JSON.parse(line)) });
  stack = await startLocalStack({ config, now: () => clock, log, schedule: false });
  await stack.syncNow();
  contract = createContractChecker((await (await fetch(`${stack.url}/openapi.json`)).json()) as Record<string, unknown>);
});

afterAll(async () => {
  await stack?.stop();
  if (data) rmSync(data, { recursive: true, force: true });
});

async function call(method: string, path: string, key: string | null = stack.apiKey, headers: Record<string, string> = {}) {
  const res = await recorder.fetch(`${stack.url}${path}`, {
    method,
    headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Raw request line, for targets fetch would fix or refuse to send. */
function rawGet(target: string): Promise<number> {
  const port = Number(new URL(stack.url).port);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let got = '';
    socket.on('data', (d) => {
      got += d.toString();
    });
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

/** Escapes decodeURIComponent refuses: truncated, not hex, overlong, surrogate, past U+10FFFF, %u. */
const BAD_ESCAPES = ['%', '%E0%A4%A', '%zz', '%%', 'a%2', '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%u0041', '%E2%82'];

describe('malformed percent-encoding', () => {
  it('is a 400 naming the parameter in every path parameter of every route, keyed or not', async () => {
    const templated = allRoutes.filter((r) => r.path.includes('{'));
    expect(templated.map((r) => r.path).sort()).toEqual(['/assets/{name}', '/v1/windows/{window}']);
    for (const route of templated) {
      for (const bad of BAD_ESCAPES) {
        const path = route.path.replace(/\{\w+\}/g, bad);
        const res = await call(route.method, path);
        expect(res.status, `${route.method} ${path}`).toBe(400);
        expect(JSON.parse(res.text).details[0].field, path).toBe(route.path.match(/\{(\w+)\}/)![1]);
      }
    }
  });

  it('is a 4xx in fixed segments of every route and never a 5xx in its query, with and without a key', async () => {
    for (const route of allRoutes) {
      const base = route.path.replace(/\{\w+\}/g, '7d');
      for (const bad of BAD_ESCAPES) {
        for (const key of [stack.apiKey, null]) {
          for (const path of [`${base}${bad}`, `${base}/${bad}`, `/${bad}${base}`]) {
            const res = await call(route.method, path, key);
            expect(res.status, `${route.method} ${path} key=${key !== null}`).toBeGreaterThanOrEqual(400);
            expect(res.status, `${route.method} ${path} key=${key !== null}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
          }
          // A query is read leniently (a bad escape stays literal): the route refuses the value or ignores it.
          for (const path of [`${base}?window=${bad}`, `${base}?${bad}=1`]) {
            const res = await call(route.method, path, key);
            expect(res.status, `${route.method} ${path} key=${key !== null}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
          }
        }
      }
    }
  });

  it('is a 4xx on the local download path and for request targets that are not URLs', async () => {
    for (const bad of BAD_ESCAPES) {
      expect(await rawGet(`/_local/objects/exports/${bad}?expires=1&name=x&signature=00`), bad).toBe(400);
    }
    for (const target of ['http://[bad/v1/analytics', 'http://x:99999/v1/analytics', 'http://%zz/']) {
      expect(await rawGet(target), target).toBe(400);
    }
    // `//host/path` is a path, not a host: no route, not a redirect to another origin.
    expect(await rawGet('//evil.example/v1/analytics')).toBe(404);
  });

  it('leaves every recorded answer as the OpenAPI document declares it', () => {
    const problems = recorder.exchanges.flatMap((e) =>
      contract.operationOf(e) ? contract.check(e).map((p) => `${e.method} ${e.url}: ${p}`) : [],
    );
    expect(problems).toEqual([]);
  });
});

describe('a flood of wrong bearer keys', () => {
  const wrongKeys = (key: string) => [
    `${key}x`,
    key.slice(0, -1),
    key.toUpperCase(),
    'tl_0000000000000000000000000000000000',
    'x',
    `${key} ${key}`,
    '"quoted"',
    `${key}%00`,
    'null',
    '\u00e9t\u00e9-unicode-key',
  ];

  it('does not count requests without a key: they are not guesses', async () => {
    for (let i = 0; i < 25; i++) expect((await call('GET', '/v1/analytics', null)).status).toBe(401);
    expect((await call('GET', '/v1/analytics')).status).toBe(200);
    expect(logLines.filter((l) => String(l.message).includes('bearer key'))).toEqual([]);
  });

  it('answers 401 ten times, then 429 with Retry-After to any key from that address, and logs two lines', async () => {
    const start = recorder.exchanges.length;
    const statuses: number[] = [];
    const requestIds: string[] = [];
    for (const wrong of wrongKeys(stack.apiKey)) {
      // A forwarded-for header does not make another address: the socket's address counts.
      const res = await call('GET', '/v1/summary?metric=cost', wrong, { 'x-forwarded-for': `198.51.100.${statuses.length}` });
      statuses.push(res.status);
      requestIds.push(res.headers.get('x-request-id') ?? '');
    }
    expect(statuses).toEqual(Array(10).fill(401));
    // Now every keyed route refuses the address, the right key included (no oracle), and says when to come back.
    for (const route of allRoutes.filter((r) => r.scope)) {
      for (const key of [stack.apiKey, 'still-guessing-0000000000']) {
        const res = await call(route.method, route.path.replace(/\{\w+\}/g, '7d'), key);
        expect(res.status, `${route.method} ${route.path}`).toBe(429);
        expect(res.headers.get('retry-after')).toBe('60');
      }
    }
    // Routes without a key still answer.
    expect((await call('GET', '/health', null)).status).toBe(200);
    expect((await call('GET', '/openapi.json', null)).status).toBe(200);

    const lines = logLines.filter((l) => String(l.message).includes('bearer key'));
    expect(lines.map((l) => [l.message, l.request_id, l.failures_in_window])).toEqual([
      ['invalid bearer key', requestIds[0], 1],
      ['too many failed bearer keys: refusing this address', requestIds[9], 10],
    ]);
    expect(lines.every((l) => l.source_ip === '127.0.0.1' && l.route === 'GET /v1/summary')).toBe(true);
    const logged = JSON.stringify(lines);
    for (const wrong of wrongKeys(stack.apiKey)) if (wrong.length >= 8) expect(logged).not.toContain(wrong);
    expect(logged).not.toContain(stack.apiKey);

    const problems = recorder.exchanges.slice(start).flatMap((e) => contract.check(e).map((p) => `${e.method} ${e.url}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('lets the address in again once the window has passed (the clock is moved, not waited for)', async () => {
    clock = new Date(clock.getTime() + 59_000);
    expect((await call('GET', '/v1/analytics')).headers.get('retry-after')).toBe('1');
    clock = new Date(clock.getTime() + 1_000);
    expect((await call('GET', '/v1/analytics')).status).toBe(200);
  });
});
