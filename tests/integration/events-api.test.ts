// Pushed events end to end: real HTTP POST /v1/events → the api handler → embedded S3 (real S3
// protocol) → ObjectCreated under lake/usage/ → analyze → analytics.json read back over HTTP.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { contractViolations, createRecorder } from '../support/api-contract.ts';

const NOW = new Date('2026-11-23T10:00:00.000Z');
/** The stack's clock; moved forward before the replay so a rewrite would show in the bytes. */
let clock = NOW;
let data: string;
let stack: LocalStack;
const api = createRecorder((url) => url.origin === new URL(stack.url).origin);

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await api.fetch(`${stack.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function lakeObjects(): Promise<Array<[string, string]>> {
  return (await stack.runtime.store.list('lake/')).map((o) => [o.key, o.etag]);
}

async function linesOf(key: string): Promise<Array<Record<string, unknown>>> {
  const got = await stack.runtime.store.getText(key);
  return got!.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

async function analytics(): Promise<Analytics> {
  const res = await api.fetch(`${stack.url}/v1/analytics`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Analytics;
}

const mixedBatch = [
  {
    event_type: 'task.completed',
    ts: '2026-11-23T09:00:00Z',
    event_id: 'job-1/task-1',
    entity_type: 'task',
    entity_id: 'task-1',
    metrics: { duration_ms: 1200 },
  },
  { event_type: 'task.completed', ts: 'yesterday' },
  {
    event_type: 'llm.usage',
    ts: '2026-11-23T09:05:00+01:00',
    event_id: 'u-1',
    attributes: { provider: 'openai', model: 'gpt-5', project: 'agents' },
    metrics: { input_tokens: 1000, output_tokens: 200, cost_usd: 0.0123, duration_ms: 900 },
  },
  { event_type: 'task.failed', ts: '2026-11-23T09:10:00Z', metric: { duration_ms: 5 } },
  { event_type: 'tool.completed', ts: '2026-11-23T09:15:00Z', attributes: { tool: 'grep' }, metrics: { duration_ms: 40 } },
  {
    event_type: 'llm.usage',
    ts: '2026-11-23T09:20:00Z',
    attributes: { provider: 'openai', model: 'gpt-5' },
    metrics: { input_tokens: 1.5 },
  },
  { event_type: 'task.completed', ts: '2026-11-23T09:00:00Z', event_id: 'job-1/task-1' },
];

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'tl-events-'));
  const config = parseConfig({ TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', PORT: '0' });
  stack = await startLocalStack({ config, now: () => clock, log: silentLogger, sources: [], schedule: false });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(data, { recursive: true, force: true });
});

describe('POST /v1/events', () => {
  let firstObjects: Array<[string, string]>;
  let firstBody: Record<string, unknown>;

  it('keeps the good events of a mixed batch, lists the bad ones, and stores exactly the good ones', async () => {
    const { status, body } = await post(JSON.stringify({ events: mixedBatch }));
    expect(status).toBe(207);
    expect(body).toMatchObject({ accepted: 4, duplicates: 1, usage_records: 1 });
    expect((body.rejected as Array<{ index: number; field: string }>).map((r) => [r.index, r.field])).toEqual([
      [1, 'ts'],
      [3, 'metric'],
      [5, 'metrics.input_tokens'],
    ]);
    firstBody = body;

    firstObjects = await lakeObjects();
    const keys = firstObjects.map(([k]) => k);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^lake\/events\/dt=2026-11-23\/events-[0-9a-f]{20}\.jsonl$/);
    expect(keys[1]).toMatch(/^lake\/usage\/dt=2026-11-23\/events-[0-9a-f]{20}\.jsonl$/);

    const events = await linesOf(keys[0]!);
    expect(events.map((e) => [e.id, e.ts, e.event_type])).toEqual([
      ['u-1', '2026-11-23T08:05:00.000Z', 'llm.usage'],
      ['job-1/task-1', '2026-11-23T09:00:00.000Z', 'task.completed'],
      [expect.stringMatching(/^h-[0-9a-f]{32}$/), '2026-11-23T09:15:00.000Z', 'tool.completed'],
    ]);
    expect(events[1]).toEqual({
      id: 'job-1/task-1',
      ts: '2026-11-23T09:00:00.000Z',
      event_type: 'task.completed',
      family: 'task',
      entity_type: 'task',
      entity_id: 'task-1',
      attributes: {},
      metrics: { duration_ms: 1200 },
      source: 'api',
      received_at: '2026-11-23T10:00:00.000Z',
    });

    const usage = await linesOf(keys[1]!);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({
      ts: '2026-11-23T08:05:00.000Z',
      source: 'events',
      provider: 'openai',
      model: 'gpt-5',
      project: 'agents',
      input_tokens: 1000,
      output_tokens: 200,
      requests: 1,
      cost_usd: 0.0123,
      cost_source: 'reported',
      latency_ms: 900,
    });
  });

  it('counts the usage-bearing event in analytics once analyze has run', async () => {
    await stack.idle();
    const w = (await analytics()).windows['7d'];
    expect(w.by_source).toEqual([
      expect.objectContaining({ key: 'events', input_tokens: 1000, output_tokens: 200, requests: 1, records: 1 }),
    ]);
    expect(w.totals.cost_usd).toBeCloseTo(0.0123, 12);
    expect(w.totals.reported_cost_usd).toBeCloseTo(0.0123, 12);
  });

  it('a replayed batch gets the same answer and changes nothing in the lake', async () => {
    const analyticsBefore = await stack.runtime.store.head('analytics/analytics.json');
    clock = new Date('2026-11-23T11:00:00.000Z');
    const { status, body } = await post(JSON.stringify({ events: mixedBatch }));
    expect(status).toBe(207);
    expect(body).toEqual(firstBody);
    expect(await lakeObjects()).toEqual(firstObjects);
    // No object was written, so analyze did not run again (it would stamp the new clock).
    await stack.idle();
    expect((await stack.runtime.store.head('analytics/analytics.json'))?.etag).toBe(analyticsBefore?.etag);
  });

  it('the same event_id in a new batch is stored again but counted once', async () => {
    const u2 = {
      event_type: 'llm.usage',
      ts: '2026-11-23T09:40:00Z',
      event_id: 'u-2',
      attributes: { provider: 'openai', model: 'gpt-5' },
      metrics: { input_tokens: 10, output_tokens: 5, cost_usd: 0.001 },
    };
    const { status, body } = await post(
      JSON.stringify([mixedBatch[2], u2, { event_type: 'job.started', ts: '2026-11-23T09:30:00Z', event_id: 'job-2' }]),
    );
    expect(status).toBe(200);
    expect(body).toEqual({ accepted: 3, duplicates: 0, usage_records: 2, rejected: [] });
    // A new events object and a new usage object, both holding u-1 a second time.
    const objects = await lakeObjects();
    expect(objects).toHaveLength(4);
    const usageKeys = objects.map(([k]) => k).filter((k) => k.startsWith('lake/usage/'));
    const usageIds = (await Promise.all(usageKeys.map(linesOf))).flat().map((l) => l.id);
    expect(usageIds).toHaveLength(3);
    expect(new Set(usageIds).size).toBe(2);

    await stack.idle();
    const a = await analytics();
    expect(a.windows['7d'].totals).toMatchObject({ input_tokens: 1010, output_tokens: 205, records: 2 });
    expect(a.windows['7d'].totals.cost_usd).toBeCloseTo(0.0133, 12);
    expect(a.data_quality.duplicates_dropped).toBe(1);
  });

  it('answers 400, 401, 413 and 415 without storing anything', async () => {
    const before = await lakeObjects();
    const none = await post(JSON.stringify([{ event_type: 'Bad', ts: '2026-11-23T09:00:00Z' }]));
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({
      accepted: 0,
      rejected: [{ index: 0, field: 'event_type' }],
      details: [{ field: 'events.0.event_type' }],
    });

    const noKey = await api.fetch(`${stack.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(noKey.status).toBe(401);

    const tooBig = await post(
      `[${JSON.stringify({ event_type: 'task.completed', ts: '2026-11-23T09:00:00Z' })}${' '.repeat(1024 * 1024)}]`,
    );
    expect(tooBig.status).toBe(413);

    const text = await post(JSON.stringify(mixedBatch), { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(await lakeObjects()).toEqual(before);
  });
});

describe('the OpenAPI document', () => {
  it('allows every answer given above: status, media type, headers and body schema', async () => {
    expect(api.exchanges.length).toBeGreaterThan(5);
    expect(await contractViolations(stack.url, api.exchanges)).toEqual([]);
  });
});
