// Adversarial: inputs that once stalled or froze the pipeline. Each block is a class of attack
// (docs/reliability.md has the table): periods at the calendar's edges and far past them, labels
// named after Object.prototype's properties, values that are valid alone but overflow together,
// and a day whose rollup cannot be built. The assertion is always the same shape: a clear answer
// (2xx or a 400 naming the field), and analytics keeps counting what comes after.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

const NOW = new Date('2026-11-23T10:00:00.000Z');
let data: string;
let stack: LocalStack;

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // exports answer CSV, Parquet…
  }
  return { status: res.status, json: (json ?? {}) as Record<string, unknown>, text };
}

async function analytics(): Promise<Analytics> {
  await stack.idle();
  const res = await call('GET', '/v1/analytics');
  expect(res.status).toBe(200);
  return res.json as unknown as Analytics;
}

let usageSeq = 0;
/** One llm.usage event with a unique id; `over` replaces attributes / metrics. */
function usageEvent(over: { attributes?: Record<string, unknown>; metrics?: Record<string, unknown>; ts?: string } = {}) {
  usageSeq++;
  return {
    event_type: 'llm.usage',
    ts: over.ts ?? '2026-11-23T09:00:00Z',
    event_id: `adv-${usageSeq}`,
    attributes: { provider: 'openai', model: 'gpt-5', ...over.attributes },
    metrics: { input_tokens: 100, output_tokens: 10, cost_usd: 0.5, ...over.metrics },
  };
}

/** Posts a legitimate event with a fresh project and proves analytics counts it. */
async function pipelineStillCounts(): Promise<void> {
  const project = `canary-${usageSeq + 1}`;
  const posted = await call('POST', '/v1/events', [usageEvent({ attributes: { project }, metrics: { cost_usd: 1.25 } })]);
  expect(posted.status).toBe(200);
  const a = await analytics();
  const row = a.windows['7d'].by_project.find((p) => p.key === project);
  expect(row?.cost_usd).toBeCloseTo(1.25, 9);
  expect(row?.input_tokens).toBe(100);
}

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'tl-adversarial-'));
  const config = parseConfig({ TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', PORT: '0' });
  stack = await startLocalStack({ config, now: () => NOW, log: silentLogger, sources: [], schedule: false });
});

afterAll(async () => {
  await stack?.stop();
  if (data) rmSync(data, { recursive: true, force: true });
});

describe('periods at and past the edges of the accepted calendar', () => {
  const routes = [
    '/v1/summary?metric=cost',
    '/v1/usage?entity_type=model',
    '/v1/costs?group_by=model',
    '/v1/performance?group_by=model',
    '/v1/export?format=csv&dataset=usage',
    '/v1/export?format=ndjson&dataset=daily',
    '/v1/export?format=json&dataset=events',
  ];
  const outside: Array<[string, string, string]> = [
    ['9999-12-30', '9999-12-31', 'from'],
    ['2026-11-01', '9999-12-31', 'to'],
    ['2101-01-01', '2101-01-02', 'from'],
    ['1999-12-31', '2000-01-02', 'from'],
    ['2026-11-01', '2026-11-02T00:00:00+14:00', 'to'],
    ['9999-12-31T00:00:00Z', '9999-12-31T01:00:00Z', 'from'],
    ['0001-01-01T00:00:00Z', '2026-01-01', 'from'],
  ];

  it('answers 400 naming the field for every period outside 2000-01-01 … 2100-12-31, on every period route', async () => {
    for (const route of routes) {
      for (const [from, to, field] of outside) {
        if (field === 'to' && to.startsWith('2026-11-02T')) continue; // that one is inside: checked below
        const res = await call('GET', `${route}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
        expect(res.status, `${route} ${from}…${to}`).toBe(400);
        const fields = (res.json.details as Array<{ field: string }>).map((d) => d.field);
        expect(fields, `${route} ${from}…${to}`).toContain(field);
      }
    }
  });

  it('answers the calendar edges themselves (within the 400-day cap) with 200', async () => {
    for (const route of routes) {
      for (const [from, to] of [
        ['2000-01-01', '2000-01-31'],
        ['2100-12-01', '2100-12-31'],
        ['2100-12-31T00:00:00Z', '2100-12-31T23:00:00Z'],
      ]) {
        const res = await call('GET', `${route}&from=${from}&to=${to}`);
        expect(res.status, `${route} ${from}…${to}: ${res.text.slice(0, 200)}`).toBe(200);
      }
    }
  });

  it('refuses an aggregate past the calendar with 400, and one in range with 200', async () => {
    const far = await call('POST', '/v1/aggregate?from=9999-12-30&to=9999-12-31');
    expect(far.status).toBe(400);
    expect((far.json.details as Array<{ field: string }>).map((d) => d.field)).toContain('from');
    const ok = await call('POST', '/v1/aggregate?from=2026-11-20&to=2026-11-23');
    expect(ok.status).toBe(200);
  });

  it('refuses events dated outside the calendar and keeps the rest of the batch', async () => {
    const res = await call('POST', '/v1/events', [usageEvent({ ts: '9999-12-31T00:00:00Z' }), usageEvent({ ts: '2026-11-23T08:00:00Z' })]);
    expect(res.status).toBe(207);
    const rejected = res.json.rejected as Array<{ index: number; field: string }>;
    expect(rejected.map((r) => [r.index, r.field])).toEqual([[0, 'ts']]);
    await pipelineStillCounts();
  });
});

/** Every property of Object.prototype, and `__proto__`, which JSON can carry as a key. */
const prototypeNames = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

describe('labels named after Object.prototype properties', () => {
  it('counts a model, project, user, provider and tool of each such name, and keeps counting after them', async () => {
    const batch = prototypeNames.flatMap((name) => [
      usageEvent({ attributes: { model: name, project: name, user: name }, metrics: { cost_usd: 0.01 } }),
      usageEvent({ attributes: { provider: name, model: `m-${name}` }, metrics: { cost_usd: 0.01 } }),
      { event_type: 'tool.completed', ts: '2026-11-23T09:30:00Z', attributes: { tool: name }, metrics: { duration_ms: 10 } },
    ]);
    const posted = await call('POST', '/v1/events', batch);
    expect(posted.status, posted.text.slice(0, 500)).toBe(200);
    const a = await analytics();
    const w = a.windows['7d'];
    for (const name of prototypeNames) {
      expect(w.by_model.find((m) => m.key === name)?.records, `model ${name}`).toBe(1);
      expect(w.by_project.find((m) => m.key === name)?.records, `project ${name}`).toBe(1);
      expect(w.by_user.find((m) => m.key === name)?.records, `user ${name}`).toBe(1);
      expect(w.by_provider.find((m) => m.key === name)?.records, `provider ${name}`).toBe(1);
      expect(w.events.tool_calls.find((t) => t.tool === name)?.calls, `tool ${name}`).toBe(1);
      const day = w.daily.find((d) => d.day === '2026-11-23')!;
      expect(day.cost_by_model.find((c) => c.model === name)?.cost_usd, `daily cost of ${name}`).toBeCloseTo(0.01, 9);
    }
    await pipelineStillCounts();
  });

  it('answers every query and export grouped by those labels', async () => {
    for (const type of ['model', 'project', 'user', 'provider']) {
      for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        const res = await call('GET', `/v1/usage?entity_type=${type}&entity_id=${encodeURIComponent(name)}&window=7d`);
        expect(res.status, `${type}=${name}: ${res.text.slice(0, 300)}`).toBe(200);
        expect((res.json.totals as { records: number }).records, `${type}=${name}`).toBe(1);
      }
    }
    for (const path of [
      '/v1/costs?group_by=model',
      '/v1/costs?group_by=project',
      '/v1/performance?group_by=model',
      '/v1/summary?metric=cost',
    ]) {
      expect((await call('GET', `${path}&window=7d`)).status, path).toBe(200);
    }
    for (const format of ['csv', 'json', 'ndjson', 'parquet', 'focus']) {
      for (const dataset of format === 'focus' ? ['usage'] : ['usage', 'daily', 'events']) {
        const res = await call('GET', `/v1/export?format=${format}&dataset=${dataset}&window=7d`);
        expect(res.status, `${format}/${dataset}: ${res.text.slice(0, 300)}`).toBe(200);
      }
    }
    const csv = await call('GET', '/v1/export?format=csv&dataset=usage&window=7d');
    for (const name of prototypeNames) expect(csv.text, name).toContain(`,${name},`);
  });

  it('takes query parameters named after them as parameters, not as object magic', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const res = await call('GET', `/v1/summary?metric=cost&window=7d&${name}=1`);
      // Unknown parameters are either ignored or named; never a 5xx, never a "repeated" confusion.
      expect([200, 400], name).toContain(res.status);
      if (res.status === 400) expect(JSON.stringify(res.json)).toContain(name);
    }
  });

  it('refuses an attribute or metric named __proto__ / constructor with a reason, or counts it', async () => {
    const proto = JSON.parse('[{"event_type":"task.completed","ts":"2026-11-23T09:00:00Z","attributes":{"__proto__":"x"}}]');
    const res = await call('POST', '/v1/events', proto);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain('__proto__');
    const ctor = await call('POST', '/v1/events', [
      { event_type: 'task.completed', ts: '2026-11-23T09:00:00Z', event_id: 'ctor-1', metrics: { constructor: 5 } },
      { event_type: 'task.completed', ts: '2026-11-23T09:01:00Z', event_id: 'ctor-2', metrics: { constructor: 7 } },
    ]);
    expect(ctor.status).toBe(200);
    const a = await analytics();
    const completed = a.windows['7d'].events.by_type.find((t) => t.event_type === 'task.completed');
    expect(completed?.metrics.constructor).toEqual({ sum: 12, count: 2, mean: 6, min: 5, max: 7 });
    await pipelineStillCounts();
  });
});

describe('values that are valid alone and overflow together', () => {
  it('refuses counts, costs and latencies beyond the per-record caps, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ input_tokens: 9007199254740991 }, 'metrics.input_tokens'],
      [{ output_tokens: 1e12 + 1 }, 'metrics.output_tokens'],
      [{ cost_usd: 1e308 }, 'metrics.cost_usd'],
      [{ latency_ms: 1e308 }, 'metrics'],
      [{ duration_ms: 1e300 }, 'metrics'],
    ];
    for (const [metrics, field] of cases) {
      const res = await call('POST', '/v1/events', [usageEvent({ metrics }), usageEvent({ metrics })]);
      expect(res.status, JSON.stringify(metrics)).toBe(400);
      const fields = (res.json.rejected as Array<{ field: string }>).map((r) => r.field);
      expect(
        fields.every((f) => f.startsWith(field)),
        `${JSON.stringify(metrics)} → ${fields}`,
      ).toBe(true);
    }
    await pipelineStillCounts();
  });

  it('counts records at the caps exactly, refuses (and names) the one that would overflow the day, and goes on', async () => {
    // 2^43 / (10^12 + 10^12 + 1) = 4.39…: four such records fit in a day, the fifth is refused.
    const big = Array.from({ length: 5 }, () =>
      usageEvent({
        ts: '2026-11-21T12:00:00Z',
        attributes: { project: 'big' },
        metrics: { input_tokens: 1e12, output_tokens: 1e12, cost_usd: 1e6 },
      }),
    );
    expect((await call('POST', '/v1/events', big)).status).toBe(200);
    const a = await analytics();
    const row = a.windows['7d'].by_project.find((p) => p.key === 'big');
    expect(row?.records).toBe(4);
    expect(row?.input_tokens).toBe(4e12);
    expect(row?.cost_usd).toBe(4e6);
    expect(a.data_quality.refused_records).toBe(1);
    await pipelineStillCounts();
  });

  it('keeps event metric sums finite at the largest accepted value', async () => {
    const res = await call(
      'POST',
      '/v1/events',
      [1, 2, 3].map((i) => ({
        event_type: 'job.completed',
        ts: '2026-11-23T09:00:00Z',
        event_id: `huge-${i}`,
        metrics: { duration_ms: 1e15 },
      })),
    );
    expect(res.status).toBe(200);
    const a = await analytics();
    const jobs = a.windows['7d'].events.by_type.find((t) => t.event_type === 'job.completed');
    expect(jobs?.metrics.duration_ms?.sum).toBe(3e15);
    await pipelineStillCounts();
  });
});
