// The query and export routes over real HTTP on the local stack (embedded S3, demo source, a fixed
// clock). Every number is recomputed here from the lake lines themselves (read through the store,
// deduplicated by id, priced with the runtime's pricer), never from the rollups the routes use.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api.ts';
import { allRoutes } from '../../lib/api/all-routes.ts';
import { createApiKey } from '../../lib/api/api-keys.ts';
import { entryForPlainKey } from '../../lib/api/auth.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { FOCUS_COLUMNS, focusMetadata } from '../../lib/export/focus.ts';
import { ANONYMIZATION_KEY_KEY, datasetPrefix } from '../../lib/store/layout.ts';
import { pseudonym } from '../../lib/usage/anonymize.ts';
import { readUsageObject } from '../../lib/usage/lake.ts';
import { totalTokens, type UsageRecord, usageRecordSchema } from '../../lib/usage/record.ts';
import { dedupeRecords } from '../../lib/usage/rollup.ts';
import { startHttpAdapter } from '../../local/http-adapter.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { contractViolations, createRecorder } from '../support/api-contract.ts';
import { checkHeader, checkRows } from '../support/focus-conformance.ts';

const NOW = new Date('2026-03-15T12:34:56.000Z');
/** The demo source writes the 90 UTC days ending today. */
const FIRST_DAY = '2025-12-16';
const SMALL_INLINE_LIMIT = 50_000;

interface Priced {
  r: UsageRecord;
  /** USD as the rollups count it: reported wins, else the price table; null = unpriced. */
  cost: number | null;
}

let dir: string;
let stack: LocalStack;
let small: { url: string; stop(): Promise<void> };
let lake: Priced[];
let readKey: string;
let ingestKey: string;
let db: DuckDBInstance;
/** Every answer of the API in this file, checked against /openapi.json at the end. */
const api = createRecorder((url) => [stack.url, small.url].some((origin) => new URL(origin).origin === url.origin));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenlake-api-routes-'));
  const config = parseConfig({ TOKENLAKE_DATA_DIR: dir, TOKENLAKE_SOURCES: 'demo', PORT: '0', TOKENLAKE_LOG_LEVEL: 'error' });
  stack = await startLocalStack({ config, now: () => NOW, schedule: false });
  await stack.syncNow();
  const store = stack.runtime.store;
  // Stored keys exist before the first request, so the api's key cache sees them at once.
  readKey = (await createApiKey(store, { scopes: ['read'], name: 'reader', now: NOW })).key;
  ingestKey = (await createApiKey(store, { scopes: ['ingest'], name: 'writer', now: NOW })).key;
  const handler = createApiHandler(() => Promise.resolve(stack.runtime), [entryForPlainKey(stack.apiKey)], {
    exportInlineLimitBytes: SMALL_INLINE_LIMIT,
  });
  small = await startHttpAdapter(handler, { port: 0 });

  const all: UsageRecord[] = [];
  for (const o of await store.list(datasetPrefix('usage'))) all.push(...(await readUsageObject(store, o.key)).records);
  const { unique } = dedupeRecords(all);
  lake = unique
    .map((r) => ({ r, cost: r.cost_source === 'reported' && r.cost_usd !== null ? r.cost_usd : stack.runtime.pricer.price(r) }))
    .sort((a, b) => (a.r.ts < b.r.ts ? -1 : a.r.ts > b.r.ts ? 1 : a.r.id < b.r.id ? -1 : 1));
  db = await DuckDBInstance.create(':memory:');
}, 180_000);

afterAll(async () => {
  db?.closeSync();
  await small?.stop();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

async function call(path: string, options: { key?: string | null; base?: string; method?: string; redirect?: RequestRedirect } = {}) {
  const key = options.key === undefined ? stack.apiKey : options.key;
  const res = await api.fetch(`${options.base ?? stack.url}${path}`, {
    method: options.method ?? 'GET',
    headers: key ? { authorization: `Bearer ${key}` } : {},
    redirect: options.redirect ?? 'follow',
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
}

// biome-ignore lint/suspicious/noExplicitAny: route answers are checked field by field below.
async function getJson(path: string): Promise<any> {
  const res = await call(path);
  expect(res.status, `${path}: ${res.text.slice(0, 300)}`).toBe(200);
  return JSON.parse(res.text);
}

/** Records with start ≤ ts < end (ISO strings compare as instants: all are UTC with ms). */
function within(start: string, end: string): Priced[] {
  const s = new Date(start).toISOString();
  const e = new Date(end).toISOString();
  return lake.filter((x) => x.r.ts >= s && x.r.ts < e);
}

const costOf = (xs: readonly Priced[]) => xs.reduce((a, x) => a + (x.cost ?? 0), 0);
const tokensOf = (xs: readonly Priced[]) => xs.reduce((a, x) => a + totalTokens(x.r), 0);
const requestsOf = (xs: readonly Priced[]) => xs.reduce((a, x) => a + x.r.requests, 0);

function groupBy<K extends string>(xs: readonly Priced[], keyOf: (x: Priced) => K): Map<K, Priced[]> {
  const out = new Map<K, Priced[]>();
  for (const x of xs) {
    const k = keyOf(x);
    out.set(k, [...(out.get(k) ?? []), x]);
  }
  return out;
}

function daysFrom(first: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
}

/** A strict RFC 4180 reader, independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

function csvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

async function duck(bytes: Buffer, sql: string): Promise<Record<string, unknown>[]> {
  const file = join(dir, `q-${Math.random().toString(36).slice(2)}.parquet`);
  writeFileSync(file, bytes);
  const connection = await db.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    return (await connection.runAndReadAll(sql.replaceAll('FILE', `read_parquet('${file}')`))).getRowObjectsJson() as Record<
      string,
      unknown
    >[];
  } finally {
    connection.closeSync();
  }
}

/** The value at rank floor(q·(n−1)) of the sorted values: what the sketch approximates within 1 %. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function expectWithinOnePercent(actual: number | null, exact: number) {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(exact * 0.01 + 1e-9);
}

// ── summary ──────────────────────────────────────────────────────────────────────────────────

describe('GET /v1/summary', () => {
  it('gives the 7-day cost, its daily series and the change against the 7 days before', async () => {
    const body = await getJson('/v1/summary?window=7d');
    const current = within('2026-03-09', '2026-03-16');
    const previous = within('2026-03-02', '2026-03-09');
    expect(current.length).toBeGreaterThan(100);
    expect(body.period).toEqual({
      start: '2026-03-09T00:00:00.000Z',
      end: '2026-03-16T00:00:00.000Z',
      time_zone: 'UTC',
      window: '7d',
      days: 7,
    });
    expect(body.total).toBeCloseTo(costOf(current), 9);
    expect(body.series.map((p: { bucket: string }) => p.bucket)).toEqual(daysFrom('2026-03-09', 7));
    for (const point of body.series) {
      expect(point.value).toBeCloseTo(costOf(within(point.bucket, daysFrom(point.bucket, 2)[1]!)), 9);
    }
    expect(body.previous.total).toBeCloseTo(costOf(previous), 9);
    expect(body.change.absolute).toBeCloseTo(costOf(current) - costOf(previous), 9);
    expect(body.change.ratio).toBeCloseTo((costOf(current) - costOf(previous)) / costOf(previous), 9);
    expect(body.unpriced_records).toBe(current.filter((x) => x.cost === null).length);
  });

  it.each([
    ['tokens', (x: Priced) => totalTokens(x.r)],
    ['input_tokens', (x: Priced) => x.r.input_tokens],
    ['output_tokens', (x: Priced) => x.r.output_tokens],
    ['cache_read_tokens', (x: Priced) => x.r.cache_read_tokens],
    ['cache_creation_tokens', (x: Priced) => x.r.cache_creation_tokens],
    ['requests', (x: Priced) => x.r.requests],
  ])('sums %s over the default 30 days exactly', async (metric, value) => {
    const body = await getJson(`/v1/summary?metric=${metric}`);
    expect(body.period.window).toBe('30d');
    expect(body.total).toBe(within('2026-02-14', '2026-03-16').reduce((a, x) => a + value(x), 0));
  });

  it('buckets weeks by their Monday', async () => {
    const body = await getJson('/v1/summary?metric=tokens&granularity=week&from=2026-02-01&to=2026-03-15');
    const monday = (day: string) => {
      const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
      return new Date(Date.parse(`${day}T00:00:00Z`) - ((weekday + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
    };
    const byWeek = groupBy(within('2026-02-01', '2026-03-16'), (x) => monday(x.r.ts.slice(0, 10)));
    expect(body.series.map((p: { bucket: string }) => p.bucket)).toEqual([
      '2026-01-26',
      '2026-02-02',
      '2026-02-09',
      '2026-02-16',
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
    ]);
    // The first week starts inside the period, on Sunday 1 February.
    expect(body.series[0].start).toBe('2026-02-01T00:00:00.000Z');
    for (const point of body.series) expect(point.value).toBe(tokensOf(byWeek.get(point.bucket) ?? []));
  });

  it('counts whole UTC hours for instant periods and says so in the period', async () => {
    const body = await getJson('/v1/summary?metric=requests&granularity=hour&from=2026-03-13T09:30:00Z&to=2026-03-13T12:00:00Z');
    expect(body.period.start).toBe('2026-03-13T09:00:00.000Z');
    expect(body.period.end).toBe('2026-03-13T12:00:00.000Z');
    expect(body.series.map((p: { bucket: string }) => p.bucket)).toEqual(['2026-03-13T09', '2026-03-13T10', '2026-03-13T11']);
    for (const point of body.series) {
      const h = point.bucket.slice(11, 13);
      expect(point.value).toBe(requestsOf(within(`2026-03-13T${h}:00:00Z`, `2026-03-13T${h}:59:59.999Z`)));
    }
    expect(body.total).toBe(requestsOf(within('2026-03-13T09:00:00Z', '2026-03-13T12:00:00Z')));
    expect(body.previous.total).toBe(requestsOf(within('2026-03-13T06:00:00Z', '2026-03-13T09:00:00Z')));
  });

  it('answers a null ratio when the previous period had nothing', async () => {
    const body = await getJson(`/v1/summary?from=${FIRST_DAY}&to=${FIRST_DAY}`);
    const day = within(FIRST_DAY, '2025-12-17');
    expect(day.length).toBeGreaterThan(0);
    expect(body.previous.total).toBe(0);
    expect(body.change).toEqual({ absolute: body.total, ratio: null });
    expect(body.total).toBeCloseTo(costOf(day), 9);
  });
});

// ── usage ────────────────────────────────────────────────────────────────────────────────────

describe('GET /v1/usage', () => {
  it('ranks projects by cost over 30 days and pages through them with the cursor', async () => {
    const period = within('2026-02-14', '2026-03-16');
    const expected = [...groupBy(period, (x) => x.r.project ?? '(none)').entries()]
      .map(([key, xs]) => ({ key, cost: costOf(xs), tokens: tokensOf(xs), records: xs.length }))
      .sort((a, b) => b.cost - a.cost);
    const seen: Array<{ rank: number; key: string; cost_usd: number; total_tokens: number; records: number; share: number }> = [];
    let path = '/v1/usage?entity_type=project&limit=2';
    for (let page = 0; page < 10; page++) {
      const body = await getJson(path);
      expect(body.count).toBe(expected.length);
      expect(body.totals.cost_usd).toBeCloseTo(costOf(period), 9);
      seen.push(...body.items);
      if (body.next_cursor === null) break;
      expect(body.items).toHaveLength(2);
      path = `/v1/usage?entity_type=project&limit=2&cursor=${body.next_cursor}`;
    }
    expect(seen.map((i) => i.key)).toEqual(expected.map((e) => e.key));
    expect(seen.map((i) => i.rank)).toEqual(expected.map((_, i) => i + 1));
    seen.forEach((item, i) => {
      expect(item.cost_usd).toBeCloseTo(expected[i]!.cost, 9);
      expect(item.total_tokens).toBe(expected[i]!.tokens);
      expect(item.records).toBe(expected[i]!.records);
      expect(item.share).toBeCloseTo(expected[i]!.cost / costOf(period), 12);
    });
  });

  it('groups records without the label under (none)', async () => {
    const body = await getJson('/v1/usage?entity_type=api_key&window=7d');
    const week = within('2026-03-09', '2026-03-16');
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ key: '(none)', records: week.length, share: 1 });
  });

  it("gives one project's totals, daily series and its models and users", async () => {
    const body = await getJson('/v1/usage?entity_type=project&entity_id=web&window=7d');
    const week = within('2026-03-09', '2026-03-16');
    const web = week.filter((x) => x.r.project === 'web');
    expect(web.length).toBeGreaterThan(10);
    expect(body.totals.cost_usd).toBeCloseTo(costOf(web), 9);
    expect(body.totals.total_tokens).toBe(tokensOf(web));
    expect(body.totals.records).toBe(web.length);
    expect(body.share).toBeCloseTo(costOf(web) / costOf(week), 12);
    expect(body.daily.map((d: { day: string }) => d.day)).toEqual(daysFrom('2026-03-09', 7));
    for (const d of body.daily) expect(d.records).toBe(web.filter((x) => x.r.ts.startsWith(d.day)).length);
    const models = [...groupBy(web, (x) => x.r.model).entries()]
      .map(([key, xs]) => ({ key, cost: costOf(xs) }))
      .sort((a, b) => b.cost - a.cost);
    expect(body.breakdowns.model.map((m: { key: string }) => m.key)).toEqual(models.map((m) => m.key));
    body.breakdowns.model.forEach((m: { cost_usd: number; share: number }, i: number) => {
      expect(m.cost_usd).toBeCloseTo(models[i]!.cost, 9);
      expect(m.share).toBeCloseTo(models[i]!.cost / costOf(web), 12);
    });
    expect(new Set(body.breakdowns.user.map((u: { key: string }) => u.key))).toEqual(new Set(web.map((x) => x.r.user)));
    expect(body.breakdowns.project).toBeUndefined();
  });
});

// ── performance ──────────────────────────────────────────────────────────────────────────────

describe('GET /v1/performance', () => {
  function latencyOf(xs: readonly Priced[]) {
    const timed = xs.filter((x) => x.r.latency_ms !== null);
    const sorted = timed.map((x) => x.r.latency_ms!).sort((a, b) => a - b);
    const minutes = new Map<string, number>();
    for (const x of xs) {
      if (x.r.bucket_seconds !== null) continue;
      // Peak rpm is per model and UTC day, as the rollups keep it.
      const k = `${x.r.provider}|${x.r.model}|${x.r.ts.slice(0, 16)}`;
      minutes.set(k, (minutes.get(k) ?? 0) + x.r.requests);
    }
    const latencySum = timed.reduce((a, x) => a + x.r.latency_ms!, 0);
    return {
      sorted,
      mean: latencySum / sorted.length,
      tokensPerSecond: timed.reduce((a, x) => a + x.r.output_tokens, 0) / (latencySum / 1000),
      peak: Math.max(0, ...minutes.values()),
    };
  }

  it('merges the latency sketches into percentiles within 1 % of the exact ones', async () => {
    const body = await getJson('/v1/performance?window=30d&group_by=model');
    const month = within('2026-02-14', '2026-03-16');
    const exact = latencyOf(month);
    expect(body.latency_days).toEqual(daysFrom('2026-02-14', 30));
    expect(body.overall.count).toBe(exact.sorted.length);
    expect(body.overall.requests).toBe(requestsOf(month));
    for (const [field, q] of [
      ['p50_ms', 0.5],
      ['p90_ms', 0.9],
      ['p95_ms', 0.95],
      ['p99_ms', 0.99],
    ] as const) {
      expectWithinOnePercent(body.overall[field], exactQuantile(exact.sorted, q));
    }
    expect(body.overall.mean_ms).toBeCloseTo(exact.mean, 6);
    expect(body.overall.output_tokens_per_second).toBeCloseTo(exact.tokensPerSecond, 9);
    expect(body.overall.peak_requests_per_minute).toBe(exact.peak);
    expect(body.overall.reason).toBeNull();

    const models = groupBy(month, (x) => x.r.model);
    expect(new Set(body.groups.map((g: { key: string }) => g.key))).toEqual(new Set(models.keys()));
    for (const group of body.groups) {
      const xs = models.get(group.key)!;
      const e = latencyOf(xs);
      expect(group.provider).toBe(xs[0]!.r.provider);
      expect(group.requests).toBe(requestsOf(xs));
      expect(group.count).toBe(e.sorted.length);
      expectWithinOnePercent(group.p95_ms, exactQuantile(e.sorted, 0.95));
    }
  });

  it('answers null percentiles with a reason for a period shorter than the latency resolution', async () => {
    const body = await getJson('/v1/performance?from=2026-03-13T00:00:00Z&to=2026-03-13T06:00:00Z');
    expect(body.latency_days).toEqual([]);
    expect(body.overall.p50_ms).toBeNull();
    expect(body.overall.reason).toMatch(/per UTC day/);
    expect(body.overall.requests).toBe(requestsOf(within('2026-03-13T00:00:00Z', '2026-03-13T06:00:00Z')));
  });
});

// ── costs ────────────────────────────────────────────────────────────────────────────────────

describe('GET /v1/costs', () => {
  it.each(['model', 'provider', 'project', 'user'] as const)('breaks the 30-day cost down by %s with shares', async (by) => {
    const body = await getJson(`/v1/costs?group_by=${by}`);
    const month = within('2026-02-14', '2026-03-16');
    const total = costOf(month);
    expect(body.totals.cost_usd).toBeCloseTo(total, 9);
    expect(body.totals.reported_cost_usd).toBe(0);
    expect(body.totals.priced_cost_usd).toBeCloseTo(total, 9);
    expect(body.totals.records).toBe(month.length);
    const groups = groupBy(month, (x) => x.r[by] ?? '(none)');
    const expected = [...groups.entries()].map(([key, xs]) => ({ key, cost: costOf(xs) })).sort((a, b) => b.cost - a.cost);
    expect(body.items.map((i: { key: string }) => i.key)).toEqual(expected.map((e) => e.key));
    body.items.forEach((item: { cost_usd: number; share: number; records: number; key: string; provider?: string }, i: number) => {
      expect(item.cost_usd).toBeCloseTo(expected[i]!.cost, 9);
      expect(item.share).toBeCloseTo(expected[i]!.cost / total, 12);
      expect(item.records).toBe(groups.get(item.key)!.length);
      if (by === 'model') expect(item.provider).toBe(groups.get(item.key)![0]!.r.provider);
    });
    expect(body.items.reduce((a: number, i: { share: number }) => a + i.share, 0)).toBeCloseTo(1, 12);
  });

  it('counts exactly the hours of an instant period, the busy hour after its end excluded', async () => {
    const hours = within('2026-03-13T09:00:00Z', '2026-03-13T11:00:00Z');
    // The boundary matters only if the hour right after the period has usage.
    expect(within('2026-03-13T11:00:00Z', '2026-03-13T12:00:00Z').length).toBeGreaterThan(0);
    const costs = await getJson('/v1/costs?group_by=provider&from=2026-03-13T09:00:00Z&to=2026-03-13T11:00:00Z');
    expect(costs.totals.records).toBe(hours.length);
    expect(costs.totals.cost_usd).toBeCloseTo(costOf(hours), 9);
    const usage = await getJson('/v1/usage?entity_type=user&from=2026-03-13T09:00:00Z&to=2026-03-13T11:00:00Z');
    expect(usage.totals.records).toBe(hours.length);
    expect(usage.items.reduce((a: number, i: { records: number }) => a + i.records, 0)).toBe(hours.length);
  });

  it('lists every local day of the period in order for group_by=day', async () => {
    const body = await getJson('/v1/costs?group_by=day&from=2026-03-10&to=2026-03-15');
    expect(body.items.map((i: { key: string }) => i.key)).toEqual(daysFrom('2026-03-10', 6));
    for (const item of body.items) expect(item.cost_usd).toBeCloseTo(costOf(within(item.key, daysFrom(item.key, 2)[1]!)), 9);
  });
});

// ── exports ──────────────────────────────────────────────────────────────────────────────────

describe('GET /v1/export', () => {
  it('exports CSV that parses back to the lake records of the period', async () => {
    const res = await call('/v1/export?format=csv&window=7d');
    const week = within('2026-03-09', '2026-03-16');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="tokenlake-usage-2026-03-09-to-2026-03-15.csv"');
    expect(res.headers.get('x-row-count')).toBe(String(week.length));
    const rows = csvObjects(res.text);
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(usageRecordSchema.shape));
    expect(rows).toHaveLength(week.length);
    rows.forEach((row, i) => {
      const r = week[i]!.r;
      expect(row.id).toBe(r.id);
      expect(row.ts).toBe(r.ts);
      expect(row.user).toBe(r.user ?? '');
      expect(row.api_key).toBe('');
      expect(Number(row.input_tokens)).toBe(r.input_tokens);
      expect(Number(row.cache_read_tokens)).toBe(r.cache_read_tokens);
      expect(row.cost_usd === '' ? null : Number(row.cost_usd)).toBe(r.cost_usd);
      expect(row.latency_ms === '' ? null : Number(row.latency_ms)).toBe(r.latency_ms);
    });
  });

  it('exports Parquet that DuckDB reads with typed columns and the lake totals', async () => {
    const res = await call('/v1/export?format=parquet&window=30d');
    const month = within('2026-02-14', '2026-03-16');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(res.headers.get('x-row-count')).toBe(String(month.length));
    const types = await duck(res.bytes, 'DESCRIBE SELECT ts, input_tokens, cost_usd, project FROM FILE');
    expect(types.map((t) => t.column_type)).toEqual(['TIMESTAMP WITH TIME ZONE', 'BIGINT', 'DOUBLE', 'VARCHAR']);
    const [sums] = await duck(
      res.bytes,
      `SELECT count(*)::INTEGER AS n, sum(input_tokens)::VARCHAR AS input, sum(cache_read_tokens)::VARCHAR AS cache_read,
        sum(cost_usd) AS cost, epoch_ms(min(ts))::VARCHAR AS first, epoch_ms(max(ts))::VARCHAR AS last FROM FILE`,
    );
    expect(sums).toMatchObject({
      n: month.length,
      input: String(month.reduce((a, x) => a + x.r.input_tokens, 0)),
      cache_read: String(month.reduce((a, x) => a + x.r.cache_read_tokens, 0)),
      first: String(Date.parse(month[0]!.r.ts)),
      last: String(Date.parse(month[month.length - 1]!.r.ts)),
    });
    expect(sums!.cost as number).toBeCloseTo(
      month.reduce((a, x) => a + (x.r.cost_usd ?? 0), 0),
      9,
    );
    const ids = await duck(res.bytes, 'SELECT id FROM FILE ORDER BY ts, id');
    expect(ids.map((r) => r.id)).toEqual(month.map((x) => x.r.id));
  });

  it('exports NDJSON with one line per record, equal to the lake lines', async () => {
    const res = await call('/v1/export?format=ndjson&window=30d');
    const month = within('2026-02-14', '2026-03-16');
    const lines = res.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(month.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(month.map((x) => x.r));
  });

  it('exports JSON as one array equal to the lake records, filtered by exact instants', async () => {
    const res = await call('/v1/export?format=json&from=2026-03-13T09:30:00Z&to=2026-03-13T11:15:00Z');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const expected = within('2026-03-13T09:30:00Z', '2026-03-13T11:15:00Z');
    // Records just outside both ends exist, so the filter is exercised on both sides.
    expect(within('2026-03-13T09:00:00Z', '2026-03-13T09:30:00Z').length).toBeGreaterThan(0);
    expect(within('2026-03-13T11:15:00Z', '2026-03-13T12:00:00Z').length).toBeGreaterThan(0);
    expect(expected.length).toBeGreaterThan(0);
    expect(JSON.parse(res.text)).toEqual(expected.map((x) => x.r));
  });

  it('exports FOCUS rows whose BilledCost sums to the window cost', async () => {
    // 7 days: a row per token kind makes 30 demo days larger than the inline limit.
    const res = await call('/v1/export?format=focus&window=7d');
    const week = within('2026-03-09', '2026-03-16');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="tokenlake-focus-2026-03-09-to-2026-03-15.csv"');
    const rows = csvObjects(res.text);
    expect(Object.keys(rows[0]!)).toEqual(FOCUS_COLUMNS.map((c) => c.name));
    expect(res.headers.get('x-row-count')).toBe(String(rows.length));
    const billed = rows.reduce((a, r) => a + Number(r.BilledCost), 0);
    expect(billed).toBeCloseTo(costOf(week), 9);
    const costs = await getJson('/v1/costs?window=7d');
    expect(billed).toBeCloseTo(costs.totals.cost_usd, 9);
    expect(rows.reduce((a, r) => a + Number(r.ConsumedQuantity), 0)).toBe(tokensOf(week));
    // Priced and reported rows pass every FOCUS 1.2 column constraint (tests/support/focus-conformance.ts).
    expect(checkHeader(Object.keys(rows[0]!))).toEqual([]);
    expect(checkRows(rows.filter((r) => r.x_CostSource !== 'unpriced'))).toEqual([]);
    expect(res.headers.get('x-focus-version')).toBe('1.2');
    expect(res.headers.get('x-focus-schema-id')).toBe(focusMetadata().SchemaId);
    expect(new Set(rows.map((r) => r.ServiceCategory))).toEqual(new Set(['AI and Machine Learning']));
    expect(new Set(rows.map((r) => r.ChargeCategory))).toEqual(new Set(['Usage']));
    expect(new Set(rows.map((r) => r.ConsumedUnit))).toEqual(new Set(['Tokens']));
  });

  it('exports the daily dataset with each day summing to that day', async () => {
    const body = JSON.parse((await call('/v1/export?format=json&dataset=daily&window=7d')).text) as Array<Record<string, number | string>>;
    for (const day of daysFrom('2026-03-09', 7)) {
      const rows = body.filter((r) => r.day === day);
      const records = within(day, daysFrom(day, 2)[1]!);
      expect(rows.reduce((a, r) => a + (r.records as number), 0)).toBe(records.length);
      expect(rows.reduce((a, r) => a + (r.cost_usd as number), 0)).toBeCloseTo(costOf(records), 9);
    }
  });

  it('keeps only the fields asked for, in that order', async () => {
    const res = await call('/v1/export?format=csv&window=7d&fields=ts,id,cost_usd');
    const [header, first] = parseCsv(res.text);
    expect(header).toEqual(['ts', 'id', 'cost_usd']);
    expect(first).toEqual([
      within('2026-03-09', '2026-03-16')[0]!.r.ts,
      within('2026-03-09', '2026-03-16')[0]!.r.id,
      String(within('2026-03-09', '2026-03-16')[0]!.r.cost_usd),
    ]);
  });

  it('anonymises users, projects and api keys with a keyed HMAC: no raw user id in the bytes', async () => {
    const res = await call('/v1/export?format=csv&window=30d&anonymize=user,project,api_key');
    const month = within('2026-02-14', '2026-03-16');
    const users = new Set(month.map((x) => x.r.user).filter((u): u is string => u !== null));
    expect(users.size).toBeGreaterThan(3);
    for (const user of users) expect(res.bytes.includes(Buffer.from(user)), user).toBe(false);
    const key = (await stack.runtime.store.getText(ANONYMIZATION_KEY_KEY))!.text.trim();
    const rows = csvObjects(res.text);
    rows.forEach((row, i) => {
      expect(row.user).toBe(pseudonym(key, 'user', month[i]!.r.user!));
      expect(row.project).toBe(pseudonym(key, 'project', month[i]!.r.project!));
    });
    expect(new Set(rows.map((r) => r.user)).size).toBe(users.size);
    // The same key next time: pseudonyms are stable across exports.
    const again = await call('/v1/export?format=csv&window=30d&anonymize=user,project,api_key');
    expect(again.text).toBe(res.text);
  });

  it.each(['csv', 'parquet', 'json'] as const)(
    'answers a %s export over the inline limit with 303 See Other to a presigned URL of the same bytes',
    async (format) => {
      const inline = await call(`/v1/export?format=${format}&window=30d`);
      expect(inline.bytes.length).toBeGreaterThan(SMALL_INLINE_LIMIT);
      const res = await call(`/v1/export?format=${format}&window=30d`, { base: small.url, redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('x-row-count')).toBe(inline.headers.get('x-row-count'));
      const link = JSON.parse(res.text);
      expect(res.headers.get('location')).toBe(link.url);
      expect(link.key).toMatch(new RegExp(`^exports/[0-9a-f]{32}\\.${format}$`));
      expect(link.rows).toBe(Number(inline.headers.get('x-row-count')));
      expect(link.bytes).toBe(inline.bytes.length);
      expect(Date.parse(link.expires_at) - NOW.getTime()).toBe(15 * 60 * 1000);
      // The local stack signs links to itself as S3 would (an HMAC, expiring); S3 adds X-Amz-Signature.
      expect(link.url).toMatch(/[?&]signature=[0-9a-f]{64}/);
      const forged = new URL(link.url);
      forged.searchParams.set('signature', '0'.repeat(64));
      expect((await fetch(forged)).status).toBe(403);
      const download = await fetch(link.url);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-disposition')).toBe(inline.headers.get('content-disposition'));
      expect(Buffer.from(await download.arrayBuffer()).equals(inline.bytes)).toBe(true);
      // A client that follows redirects (fetch's default) gets the file itself.
      const followed = await fetch(`${small.url}/v1/export?format=${format}&window=30d`, {
        headers: { authorization: `Bearer ${stack.apiKey}` },
      });
      expect(followed.status).toBe(200);
      expect(Buffer.from(await followed.arrayBuffer()).equals(inline.bytes)).toBe(true);
    },
  );

  it('exports pushed events deduplicated by id when lake/events/ has them', async () => {
    const event = (id: string, ts: string, receivedAt: string) => ({
      id,
      ts,
      event_type: 'task.completed',
      family: 'task',
      entity_type: 'user',
      entity_id: 'alice',
      attributes: { queue: 'default' },
      metrics: { duration_ms: 5300 },
      source: 'api',
      received_at: receivedAt,
    });
    const a = event('ev-1', '2026-03-14T09:00:00.000Z', '2026-03-14T09:00:01.000Z');
    const b = event('ev-2', '2026-03-14T10:00:00.000Z', '2026-03-14T10:00:01.000Z');
    const replay = { ...a, received_at: '2026-03-14T11:00:00.000Z' };
    const outside = event('ev-3', '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:01.000Z');
    const store = stack.runtime.store;
    await store.put('lake/events/dt=2026-03-14/test-a.jsonl', `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`);
    await store.put('lake/events/dt=2026-03-14/test-b.jsonl', `${JSON.stringify(replay)}\n`);
    await store.put('lake/events/dt=2026-03-01/test-c.jsonl', `${JSON.stringify(outside)}\n`);
    const res = await call('/v1/export?format=ndjson&dataset=events&window=7d');
    expect(res.headers.get('x-row-count')).toBe('2');
    expect(
      res.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([a, b]);
    const anon = await call('/v1/export?format=ndjson&dataset=events&window=7d&anonymize=user');
    expect(anon.text).not.toContain('alice');
  });
});

// ── OpenAPI, keys, failures ──────────────────────────────────────────────────────────────────

describe('GET /openapi.json', () => {
  it('needs no key and documents every route', async () => {
    const res = await call('/openapi.json', { key: null });
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.text);
    expect(doc.openapi).toBe('3.1.0');
    for (const route of allRoutes) expect(doc.paths[route.path]?.[route.method.toLowerCase()], route.path).toBeDefined();
  });
});

describe('keys and scopes', () => {
  it('answers 401 without a key or with an unknown one, 403 with the wrong scope', async () => {
    const none = await call('/v1/summary', { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('/v1/summary', { key: 'tl_not-a-key-at-all-000000000000' })).status).toBe(401);
    expect((await call('/v1/summary', { key: ingestKey })).status).toBe(403);
    expect((await call('/v1/summary', { key: readKey })).status).toBe(200);
    expect((await call('/v1/export?format=ndjson&window=7d', { key: readKey })).status).toBe(200);
  });
});

describe('failures', () => {
  it('answers 503 naming the corrupt rollup and how to rebuild it', async () => {
    const key = 'rollups/usage/dt=2026-03-20.json';
    await stack.runtime.store.put(key, '{"not":"a rollup"}');
    try {
      const res = await call('/v1/summary?from=2026-03-20&to=2026-03-20');
      expect(res.status).toBe(503);
      expect(JSON.parse(res.text).error).toMatch(/2026-03-20 is corrupt.*POST \/v1\/aggregate/);
    } finally {
      await stack.runtime.store.delete([key]);
    }
  });

  it('answers 404 for an unknown route and 405 for a wrong method', async () => {
    expect((await call('/v1/nothing')).status).toBe(404);
    expect((await call('/v1/summary', { method: 'POST' })).status).toBe(405);
  });

  const otherPeriodCursor = Buffer.from(JSON.stringify([2, 'project', 0, 0])).toString('base64url');
  const badRequests: Array<[string, string]> = [
    ['/v1/summary?metric=cats', 'metric'],
    ['/v1/summary?metric=', 'metric'],
    ['/v1/summary?metric=cost&metric=tokens', 'metric'],
    ['/v1/summary?granularity=minute', 'granularity'],
    ['/v1/summary?granularity=DAY', 'granularity'],
    ['/v1/summary?from=2026-02-30', 'from'],
    ['/v1/summary?from=yesterday', 'from'],
    ['/v1/summary?from=2026-03-01T00:00:00', 'from'],
    ['/v1/summary?to=2026-13-01', 'to'],
    ['/v1/summary?to=2026-03-01T25:00:00Z', 'to'],
    ['/v1/summary?from=2026-03-10&to=2026-03-10T00:00:00%2B25:00', 'to'],
    ['/v1/summary?from=2026-03-10&to=2026-03-01', 'from'],
    ['/v1/summary?from=2026-03-10T00:00:00Z&to=2026-03-09T23:59:59Z', 'from'],
    ['/v1/summary?from=2026-04-01', 'from'],
    ['/v1/summary?window=14d', 'window'],
    ['/v1/summary?window=7d&from=2026-03-01', 'window'],
    ['/v1/summary?from=2024-01-01&to=2026-03-01', 'to'],
    ['/v1/summary?from=2020-01-01', 'from'],
    ['/v1/summary?foo=1', 'foo'],
    ['/v1/usage', 'entity_type'],
    ['/v1/usage?entity_type=session', 'entity_type'],
    ['/v1/usage?entity_type=team', 'entity_type'],
    ['/v1/usage?entity_type=project&limit=0', 'limit'],
    ['/v1/usage?entity_type=project&limit=501', 'limit'],
    ['/v1/usage?entity_type=project&limit=abc', 'limit'],
    ['/v1/usage?entity_type=project&limit=1e3', 'limit'],
    ['/v1/usage?entity_type=project&limit=-5', 'limit'],
    ['/v1/usage?entity_type=project&cursor=garbage', 'cursor'],
    [`/v1/usage?entity_type=project&cursor=${otherPeriodCursor}`, 'cursor'],
    [`/v1/usage?entity_type=model&cursor=${otherPeriodCursor}`, 'cursor'],
    ['/v1/usage?entity_type=project&entity_id=web&cursor=abc', 'cursor'],
    ['/v1/usage?entity_type=project&entity_id=', 'entity_id'],
    [`/v1/usage?entity_type=model&entity_id=${'m'.repeat(513)}`, 'entity_id'],
    ['/v1/usage?entity_type=project&window=1y', 'window'],
    ['/v1/usage?entity_type=project&page=2', 'page'],
    ['/v1/performance?group_by=project', 'group_by'],
    ['/v1/performance?group_by=model&from=bad', 'from'],
    ['/v1/performance?percentile=99', 'percentile'],
    ['/v1/costs?group_by=week', 'group_by'],
    ['/v1/costs?to=2026-02-30', 'to'],
    ['/v1/costs?currency=EUR', 'currency'],
    ['/v1/costs?from=2025-01-01&to=2026-03-15', 'to'],
    ['/v1/export?format=xml', 'format'],
    ['/v1/export?format=csv&dataset=sessions', 'dataset'],
    ['/v1/export?fields=id,nope', 'fields'],
    ['/v1/export?fields=id,id', 'fields'],
    ['/v1/export?fields=,', 'fields'],
    ['/v1/export?dataset=daily&fields=id', 'fields'],
    ['/v1/export?anonymize=email', 'anonymize'],
    ['/v1/export?anonymize=', 'anonymize'],
    ['/v1/export?format=focus&dataset=daily', 'dataset'],
    ['/v1/export?format=focus&fields=id', 'fields'],
    ['/v1/export?format=parquet&from=2026-03-10&to=2026-03-01', 'from'],
    ['/v1/export?format=csv&window=7d&to=2026-03-01', 'window'],
    ['/v1/export?metrics=cost', 'metrics'],
    ['/v1/windows/1y', 'window'],
    ['/v1/windows/%E0%A4%A', 'window'],
    ['/v1/analytics?x=1', 'x'],
    ['/openapi.json?x=1', 'x'],
  ];

  it(`refuses ${badRequests.length} bad requests with 400 naming the field, never a 500`, async () => {
    expect(badRequests.length).toBeGreaterThanOrEqual(50);
    const failures: string[] = [];
    for (const [path, field] of badRequests) {
      const res = await call(path);
      let body: { error?: string; details?: Array<{ field: string; reason: string }> } = {};
      try {
        body = JSON.parse(res.text);
      } catch {
        body = {};
      }
      const fields = (body.details ?? []).map((d) => d.field);
      if (res.status !== 400 || !fields.includes(field) || typeof body.error !== 'string') {
        failures.push(`${path}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

// ── the report views ────────────────────────────────────────────────────────────────────────

describe('GET /v1/report and GET /v1/window', () => {
  it('sums each month with a row per model, as the lake lines add up', async () => {
    const body = await getJson('/v1/report?by=month&breakdown=true&from=2026-01-01&to=2026-02-28');
    const months = groupBy(within('2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z'), (x) => x.r.ts.slice(0, 7));
    expect(body.rows.map((r: { key: string }) => r.key)).toEqual(['2026-01', '2026-02']);
    for (const row of body.rows) {
      const xs = months.get(row.key)!;
      expect(row.records).toBe(xs.length);
      expect(row.total_tokens).toBe(tokensOf(xs));
      expect(row.cost_usd).toBeCloseTo(costOf(xs), 6);
      const models = groupBy(xs, (x) => x.r.model);
      expect(row.models.map((m: { model: string }) => m.model).sort()).toEqual([...models.keys()].sort());
      for (const m of row.models) expect(m.cost_usd).toBeCloseTo(costOf(models.get(m.model)!), 6);
    }
    expect(body.lake).toEqual({ first_day: FIRST_DAY, last_day: '2026-03-15' });
  });

  it('gives each session its cost and last message, newest first', async () => {
    const body = await getJson('/v1/report?by=session&from=2026-03-14&to=2026-03-15');
    const sessions = groupBy(within('2026-03-14T00:00:00Z', '2026-03-16T00:00:00Z'), (x) => x.r.session ?? '(none)');
    expect(body.rows).toHaveLength(sessions.size);
    for (const row of body.rows) {
      const xs = sessions.get(row.key)!;
      expect(row.cost_usd).toBeCloseTo(costOf(xs), 6);
      expect(row.last_activity).toBe(
        xs
          .map((x) => x.r.ts)
          .sort()
          .at(-1),
      );
    }
    const last = body.rows.map((r: { last_activity: string }) => r.last_activity);
    expect(last).toEqual([...last].sort().reverse());
  });

  it('answers a window of any days as the 7-day window of the same days', async () => {
    const custom = await getJson('/v1/window?from=2026-03-09&to=2026-03-15');
    const seven = await getJson('/v1/windows/7d');
    for (const field of ['days', 'from', 'to', 'totals', 'by_model', 'by_project', 'daily', 'latency'])
      expect(custom[field]).toEqual(seven[field]);
    const xs = within('2026-03-09T00:00:00Z', '2026-03-16T00:00:00Z');
    expect(custom.totals.cost_usd).toBeCloseTo(costOf(xs), 6);
    expect(custom.totals.requests).toBe(requestsOf(xs));
  });

  it.each([
    ['/v1/report?by=hour', 'by'],
    ['/v1/report?breakdown=yes', 'breakdown'],
    ['/v1/report?from=2026-03-15&to=2026-03-01', 'from'],
    ['/v1/window?from=2026-03-15&to=2026-03-01', 'from'],
    ['/v1/window?from=2026-02-30&to=2026-03-01', 'from'],
    ['/v1/window?from=2026-03-01', 'to'],
    ['/v1/window?from=2024-01-01&to=2026-03-01', 'to'],
  ])('refuses %s with 400 naming %s', async (path, field) => {
    const res = await call(path);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).details.map((d: { field: string }) => d.field)).toContain(field);
  });
});

// ── the contract ─────────────────────────────────────────────────────────────────────────────

describe('the OpenAPI document', () => {
  it('allows every answer given above: status, media type, headers and body schema', async () => {
    expect(api.exchanges.length).toBeGreaterThan(100);
    expect(await contractViolations(stack.url, api.exchanges)).toEqual([]);
  });
});
