// The vertical slice end to end on real parts: Claude Code logs → sync → the plain-file lake
// (the files DuckDB globs) → ObjectCreated → analyze → analytics.json → real HTTP GET; DuckDB reads the lake.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { assistantLine, userLine, writeLog } from '../support/claude-logs.ts';

const SONNET = 'claude-sonnet-4-5-20250929';
const HAIKU = 'claude-haiku-4-5-20251001';
const OPUS = 'claude-opus-4-7';
const KEY = 'test-key-0123456789abcdef';

let logs: string;
let data: string;
let stack: LocalStack;

async function get(path: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) {
  const res = await fetch(`${stack.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: res.status === 304 ? null : await res.json() };
}

async function lakeKeys(): Promise<string[]> {
  return (await stack.runtime.store.list('lake/')).map((o) => o.key);
}

async function duckdb(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(sql);
  const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
  connection.closeSync();
  return rows;
}

function lakeGlob() {
  return join(data, 'tokenlake', 'lake', 'usage', '*', '*.jsonl');
}

beforeAll(async () => {
  logs = mkdtempSync(join(tmpdir(), 'tl-logs-'));
  data = mkdtempSync(join(tmpdir(), 'tl-data-'));
  writeLog(logs, '-home-alice-code-web/s1.jsonl', [
    userLine('2026-03-01T09:59:00.000Z'),
    assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', model: SONNET, input: 100, output: 10, cacheRead: 1000 }),
    assistantLine({
      ts: '2026-03-01T10:00:01.000Z',
      msgId: 'm1',
      requestId: 'r1',
      model: SONNET,
      input: 100,
      output: 200,
      cacheRead: 1000,
    }),
    assistantLine({
      ts: '2026-03-01T10:05:00.000Z',
      msgId: 'm2',
      requestId: 'r2',
      model: HAIKU,
      input: 50,
      output: 20,
      cacheWrite: 1000,
      cacheWrite1h: 400,
    }),
    '{"type":"assistant","message":{"usage":{"input_tokens":', // cut off mid-line
    assistantLine({
      ts: '2026-03-02T09:00:00.000Z',
      msgId: 'm3',
      requestId: 'r3',
      model: OPUS,
      input: 10,
      output: 1000,
      cacheRead: 50_000,
    }),
  ]);
  writeLog(logs, '-home-alice-code-api/s2.jsonl', [
    assistantLine({
      ts: '2026-03-01T10:00:02.000Z',
      msgId: 'm1',
      requestId: 'r1',
      model: SONNET,
      input: 100,
      output: 200,
      cacheRead: 1000,
      session: 's2',
      cwd: '/home/alice/code/api',
    }),
    assistantLine({
      ts: '2026-03-01T15:00:00.000Z',
      msgId: 'm4',
      requestId: 'r4',
      model: SONNET,
      input: 300,
      output: 400,
      session: 's2',
      cwd: '/home/alice/code/api',
    }),
    assistantLine({ ts: '2026-03-01T15:01:00.000Z', msgId: 'm9', requestId: 'r9', model: '<synthetic>', session: 's2' }),
    assistantLine({ ts: '2026-03-01T15:02:00.000Z', msgId: 'm8', requestId: 'r8', model: SONNET, input: -3, output: 4, session: 's2' }),
  ]);
  writeLog(logs, '-home-alice-code-api/s2/subagents/agent-1.jsonl', [
    assistantLine({
      ts: '2026-03-02T08:00:00.000Z',
      msgId: 'm5',
      requestId: 'r5',
      model: HAIKU,
      input: 5,
      output: 5,
      session: 's2',
      cwd: '/home/alice/code/api',
    }),
  ]);
  const config = parseConfig({
    TOKENLAKE_DATA_DIR: data,
    CLAUDE_CONFIG_DIR: logs,
    TOKENLAKE_SOURCES: 'claude-code',
    TOKENLAKE_API_KEY: KEY,
    TOKENLAKE_USER: 'alice',
    TOKENLAKE_MACHINE: 'laptop',
    PORT: '0',
  });
  stack = await startLocalStack({ config, now: () => new Date('2026-03-02T12:00:00Z'), log: silentLogger, schedule: false });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(logs, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
});

describe('the vertical slice', () => {
  let first: Analytics;
  let firstKeys: string[];

  it('syncs the logs and serves exact per-model totals over HTTP', async () => {
    const summary = await stack.syncNow();
    expect(summary.sources).toEqual([{ source: 'claude-code', ok: true, error: null, records: 5, duplicates: 2, quarantined: 2 }]);
    const { status, body, headers } = await get('/v1/analytics');
    expect(status).toBe(200);
    expect(headers.get('etag')).toBeTruthy();
    first = body as Analytics;
    const w = first.windows['7d'];
    const byModel = Object.fromEntries(
      w.by_model.map((m) => [m.key, [m.input_tokens, m.output_tokens, m.cache_creation_tokens, m.cache_read_tokens, m.requests]]),
    );
    expect(byModel).toEqual({
      [SONNET]: [400, 600, 0, 1000, 2],
      [HAIKU]: [55, 25, 1000, 0, 2],
      [OPUS]: [10, 1000, 0, 50_000, 1],
    });
    const cost = Object.fromEntries(w.by_model.map((m) => [m.key, m.cost_usd]));
    // Sonnet 4.5: 400×3 + 600×15 + 1000×0.3; Haiku 4.5: 55×1 + 25×5 + 600×1.25 + 400×2; Opus 4.7: 10×5 + 1000×25 + 50000×0.5
    expect(cost[SONNET]).toBeCloseTo(0.0105, 12);
    expect(cost[HAIKU]).toBeCloseTo(0.00173, 12);
    expect(cost[OPUS]).toBeCloseTo(0.05005, 12);
    expect(w.totals.cost_usd).toBeCloseTo(0.06228, 12);
    expect(w.by_project.map((p) => p.key).sort()).toEqual(['api', 'web']);
    expect(first.data_quality.quarantined_lines).toBe(2);
    expect(first.data_quality.sources).toMatchObject([{ source: 'claude-code', ok: true }]);
    firstKeys = await lakeKeys();
    expect(firstKeys.every((k) => /^lake\/usage\/dt=2026-03-0[12]\/claude-code-[0-9a-f]{20}\.jsonl$/.test(k))).toBe(true);
  });

  it('answers the analytics ETag with 304, and guards every route but health', async () => {
    const { headers } = await get('/v1/analytics');
    const again = await get('/v1/analytics', { authorization: `Bearer ${KEY}`, 'if-none-match': headers.get('etag')! });
    expect(again.status).toBe(304);
    expect((await get('/v1/analytics', {})).status).toBe(401);
    expect((await get('/v1/analytics', { authorization: 'Bearer wrong-key-0000000000' })).status).toBe(401);
    expect((await get('/health', {})).status).toBe(200);
    const bad = await get('/v1/windows/8d');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'invalid path parameters', details: [{ field: 'window', reason: 'expected one of 7d, 30d, 90d' }] });
    expect((await get('/v1/nope')).status).toBe(404);
    const win = await get('/v1/windows/30d');
    expect(win.body.totals.cost_usd).toBeCloseTo(0.06228, 12);
  });

  it('changes nothing when the same logs are synced again', async () => {
    const summary = await stack.syncNow();
    expect(summary.sources[0]?.records).toBe(0);
    expect(await lakeKeys()).toEqual(firstKeys);
    const { body } = await get('/v1/analytics');
    expect(body.windows['7d'].totals).toEqual(first.windows['7d'].totals);
  });

  it('lets DuckDB read the lake as Athena would, with the same sums', async () => {
    const rows = await duckdb(
      `SELECT model, sum(input_tokens)::BIGINT AS input, sum(output_tokens)::BIGINT AS output, sum(cost_usd) AS cost, count(DISTINCT dt)::INT AS days
       FROM read_json('${lakeGlob()}', format='newline_delimited', hive_partitioning=true) GROUP BY model ORDER BY model`,
    );
    const fromAnalytics = first.windows['7d'].by_model;
    expect(rows.map((r) => r.model)).toEqual([...fromAnalytics.map((m) => m.key)].sort());
    for (const r of rows) {
      const m = fromAnalytics.find((x) => x.key === r.model)!;
      expect(Number(r.input)).toBe(m.input_tokens);
      expect(Number(r.output)).toBe(m.output_tokens);
      expect(r.cost as number).toBeCloseTo(m.cost_usd, 12);
    }
  });

  it('adds only appended lines, and keeps the larger copy when a response reaches the lake twice', async () => {
    writeLog(
      logs,
      '-home-alice-code-web/s1.jsonl',
      [
        assistantLine({ ts: '2026-03-02T10:00:00.000Z', msgId: 'm6', requestId: 'r6', model: SONNET, input: 1000, output: 0 }),
        assistantLine({
          ts: '2026-03-02T09:00:05.000Z',
          msgId: 'm3',
          requestId: 'r3',
          model: OPUS,
          input: 10,
          output: 1500,
          cacheRead: 50_000,
        }),
      ],
      { append: true },
    );
    const summary = await stack.syncNow();
    expect(summary.sources[0]?.records).toBe(2);
    const { body } = await get('/v1/analytics');
    const a = body as Analytics;
    const sonnet = a.windows['7d'].by_model.find((m) => m.key === SONNET)!;
    const opus = a.windows['7d'].by_model.find((m) => m.key === OPUS)!;
    expect([sonnet.input_tokens, sonnet.requests]).toEqual([1400, 3]);
    expect(sonnet.cost_usd).toBeCloseTo(0.0135, 12);
    expect([opus.output_tokens, opus.requests]).toEqual([1500, 1]);
    expect(opus.cost_usd).toBeCloseTo(0.06255, 12);
    expect(a.data_quality.duplicates_dropped).toBe(1);

    // DuckDB sees both copies in the lake; keeping the largest per id gives analytics' numbers.
    const rows = await duckdb(
      `SELECT model, sum(output_tokens)::BIGINT AS output FROM (
         SELECT *, row_number() OVER (PARTITION BY id ORDER BY input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens DESC) AS rn
         FROM read_json('${lakeGlob()}', format='newline_delimited', hive_partitioning=true)) WHERE rn = 1 GROUP BY model`,
    );
    expect(Number(rows.find((r) => r.model === OPUS)?.output)).toBe(1500);
  });
});
