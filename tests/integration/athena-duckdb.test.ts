// The Athena named queries, in their DuckDB twins, over the lake the local stack wrote (the
// plain-file lake on disk, read with hive_partitioning) must reproduce analytics.json: costs to
// the cent, tokens and counts exactly. The lake holds the demo source plus edge cases the windows
// must treat alike: one id written twice with different sizes (one copy counts), an unpriced model,
// a reported cost, a pushed usage event, and days on both sides of the 7-day boundary.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics, WINDOWS } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { addDays, dayRange } from '../../lib/core/calendar.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { readAnalytics } from '../../lib/pipeline/analyze.ts';
import { createDemoSource, demoDay } from '../../lib/sources/demo/index.ts';
import { emptyStats, type Source } from '../../lib/sources/source.ts';
import { makeRecord, totalTokens, type UsageRecord } from '../../lib/usage/record.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

const root = resolve(import.meta.dirname, '../..');
const NOW = new Date('2026-11-23T15:30:00.000Z');
const AS_OF = '2026-11-23';
const BUCKET = 'tokenlake-athena-test';

/** Written twice under one id: the first pull's small copy, then a larger one in another object. */
const small = makeRecord({
  id: 'edge-duplicate-0001',
  ts: `${addDays(AS_OF, -2)}T09:00:00.000Z`,
  source: 'edge',
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  project: 'web',
  input_tokens: 1_000,
  output_tokens: 200,
});
const large = { ...small, ts: `${addDays(AS_OF, -2)}T09:00:01.000Z`, input_tokens: 3_000, output_tokens: 400, cache_read_tokens: 10_000 };
/** No price in the table: cost null in the lake, "unpriced" in analytics. */
const unpriced = makeRecord({
  id: 'edge-unpriced-0001',
  ts: `${addDays(AS_OF, -10)}T12:00:00.000Z`,
  source: 'edge',
  provider: 'acme',
  model: 'acme-frontier-9',
  input_tokens: 5_000,
  output_tokens: 700,
});
/** The 8th day back: inside 30d, outside 7d. */
const boundary = makeRecord({
  id: 'edge-boundary-0001',
  ts: `${addDays(AS_OF, -7)}T23:59:59.000Z`,
  source: 'edge',
  provider: 'openai',
  model: 'gpt-5',
  input_tokens: 2_000,
  output_tokens: 300,
});

/** A source whose second pull restates one record, as a second object of the same day. */
function edgeSource(): Source {
  let pulls = 0;
  return {
    name: 'edge',
    async pull() {
      pulls++;
      const records: UsageRecord[] = pulls === 1 ? [{ ...small }, { ...unpriced }, { ...boundary }] : [{ ...large }];
      const pull = pulls;
      return {
        records,
        quarantine: [],
        stats: { ...emptyStats(), read: records.length, records: records.length },
        batchIdFor: () => `pull-${pull}`,
        commit: async () => {},
      };
    },
  };
}

/** A pushed usage event with a reported cost, and a plain task event. */
const events = [
  {
    event_type: 'llm.usage',
    ts: `${addDays(AS_OF, -1)}T08:00:00Z`,
    event_id: 'evt-usage-1',
    attributes: { provider: 'anthropic', model: 'claude-haiku-4-5', project: 'support-bot' },
    metrics: { input_tokens: 4_000, output_tokens: 900, cost_usd: 1.2345 },
  },
  {
    event_type: 'task.completed',
    ts: `${AS_OF}T09:15:00Z`,
    event_id: 'evt-task-1',
    entity_type: 'task',
    entity_id: 'task-7',
    attributes: { queue: 'default', attempt: 2 },
    metrics: { duration_ms: 5300 },
  },
];

let dataDir: string;
let stack: LocalStack;
let analytics: Analytics;
let db: DuckDBInstance;

// biome-ignore lint/suspicious/noExplicitAny: rows come back as plain objects keyed by column.
type Row = Record<string, any>;

async function query(name: string): Promise<Row[]> {
  const sql = await readFile(join(root, `infra/athena/queries/${name}.duckdb.sql`), 'utf8');
  const connection = await db.connect();
  try {
    await connection.run(`SET VARIABLE as_of = '${AS_OF}'`);
    const reader = await connection.runAndReadAll(sql);
    // DuckDB sums BIGINTs into HUGEINTs (JS bigint): plain numbers are exact at these sizes.
    return reader
      .getRowObjectsJS()
      .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  } finally {
    connection.closeSync();
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tokenlake-athena-'));
  const config = parseConfig({
    TOKENLAKE_DATA_DIR: dataDir,
    TOKENLAKE_BUCKET: BUCKET,
    TOKENLAKE_SOURCES: 'demo',
    TOKENLAKE_TIMEZONE: 'UTC',
    PORT: '0',
  });
  stack = await startLocalStack({
    config,
    now: () => NOW,
    schedule: false,
    log: silentLogger,
    sources: [createDemoSource(), edgeSource()],
  });
  await stack.syncNow();
  await stack.syncNow();
  const response = await fetch(`${stack.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(response.status).toBe(200);
  await stack.idle();
  analytics = (await readAnalytics(stack.runtime.store))!.analytics;

  db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const lakeRoot = join(dataDir, BUCKET, 'lake');
  const views = (await readFile(join(root, 'infra/athena/duckdb_views.sql'), 'utf8'))
    .replaceAll('{{usage_files}}', join(lakeRoot, 'usage/*/*.jsonl'))
    .replaceAll('{{events_files}}', join(lakeRoot, 'events/*/*.jsonl'));
  const connection = await db.connect();
  for (const statement of views.split(/;\s*(?:\n|$)/).filter((s) => s.includes('CREATE'))) await connection.run(statement);
  connection.closeSync();
}, 120_000);

afterAll(async () => {
  db?.closeSync();
  await stack?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the lake as written', () => {
  it('holds the edge cases the comparison depends on', async () => {
    // Two objects for the duplicated day (one per pull), so the duplicate spans objects.
    const day = addDays(AS_OF, -2);
    const objects = (await readdir(join(dataDir, BUCKET, 'lake/usage', `dt=${day}`))).filter((f) => f.startsWith('edge-'));
    expect(objects.filter((f) => f.endsWith('.jsonl'))).toHaveLength(2);
    expect(analytics.as_of).toBe(AS_OF);
    expect(analytics.data_quality.duplicates_dropped).toBe(1);
    expect(analytics.data_quality.unpriced_models).toEqual([{ model: 'acme-frontier-9', provider: 'acme', records: 1, tokens: 5_700 }]);
    expect(analytics.windows['90d'].totals.reported_cost_usd).toBeCloseTo(1.2345, 10);
  });

  it('reads as the lake_usage view with the Athena columns and a text dt', async () => {
    const connection = await db.connect();
    const reader = await connection.runAndReadAll(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'lake_usage' ORDER BY ordinal_position",
    );
    connection.closeSync();
    const columns = reader.getRowObjectsJS().map((r) => `${r.column_name} ${r.data_type}`);
    expect(columns.at(-1)).toBe('dt VARCHAR');
    expect(columns).toContain('user VARCHAR');
    expect(columns).toContain('cache_creation_1h_tokens BIGINT');
    expect(columns).toContain('cost_usd DOUBLE');
    expect(columns).toHaveLength(23);
  });

  it('reads pushed events as the lake_events view', async () => {
    const connection = await db.connect();
    const reader = await connection.runAndReadAll(
      "SELECT id, event_type, family, entity_id, attributes['attempt'] AS attempt, metrics['duration_ms'] AS duration_ms FROM lake_events ORDER BY id",
    );
    connection.closeSync();
    expect(reader.getRowObjectsJS()).toEqual([
      { id: 'evt-task-1', event_type: 'task.completed', family: 'task', entity_id: 'task-7', attempt: '2', duration_ms: 5300 },
      { id: 'evt-usage-1', event_type: 'llm.usage', family: 'llm', entity_id: null, attempt: null, duration_ms: null },
    ]);
  });
});

describe('DuckDB twins of the Athena named queries equal analytics.json', () => {
  it('window_totals: every window, to the cent and to the token', async () => {
    const rows = await query('window_totals');
    expect(rows.map((r) => r.window_name)).toEqual(['7d', '30d', '90d']);
    for (const row of rows) {
      const w = analytics.windows[row.window_name as keyof typeof WINDOWS];
      expect(row.days).toBe(w.days);
      expect(row.from_day).toBe(w.from);
      expect(row.to_day).toBe(w.to);
      expect(row.cost_usd).toBeCloseTo(w.totals.cost_usd, 2);
      expect(row.burn_rate_usd_per_day).toBeCloseTo(w.burn_rate_usd_per_day, 2);
      expect(row.reported_cost_usd).toBeCloseTo(w.totals.reported_cost_usd, 2);
      for (const k of [
        'input_tokens',
        'output_tokens',
        'cache_creation_tokens',
        'cache_read_tokens',
        'total_tokens',
        'requests',
        'records',
        'unpriced_records',
        'unpriced_tokens',
      ] as const) {
        expect(row[k], `${row.window_name} ${k}`).toBe(w.totals[k]);
      }
    }
  });

  it('window_totals: 90d tokens equal the sum of what was written, counted independently', async () => {
    // Demo records of the 90 days up to now, the larger duplicate, the two other edge records,
    // and the pushed usage event.
    const nowIso = NOW.toISOString();
    const demo = dayRange(addDays(AS_OF, -89), AS_OF)
      .flatMap((d) => demoDay(d))
      .filter((r) => r.ts <= nowIso);
    const expected =
      demo.reduce((a, r) => a + totalTokens(r), 0) + totalTokens(large) + totalTokens(unpriced) + totalTokens(boundary) + 4_900;
    const rows = await query('window_totals');
    expect(rows.find((r) => r.window_name === '90d')!.total_tokens).toBe(expected);
    expect(rows.find((r) => r.window_name === '90d')!.records).toBe(demo.length + 4);
    expect(rows.find((r) => r.window_name === '90d')!.unpriced_tokens).toBe(5_700);
  });

  it('cost_by_model: per window and model, cost to the cent, tokens and records exactly', async () => {
    const rows = await query('cost_by_model');
    for (const name of ['7d', '30d', '90d'] as const) {
      const expected = analytics.windows[name].by_model;
      const got = rows.filter((r) => r.window_name === name);
      expect(got.map((r) => r.model).sort()).toEqual(expected.map((m) => m.key).sort());
      for (const m of expected) {
        const row = got.find((r) => r.model === m.key)!;
        expect(row.provider).toBe(m.provider);
        expect(row.cost_usd, `${name} ${m.key}`).toBeCloseTo(m.cost_usd, 2);
        expect(row.share).toBeCloseTo(m.share, 4);
        expect(row.total_tokens).toBe(m.total_tokens);
        expect(row.input_tokens).toBe(m.input_tokens);
        expect(row.requests).toBe(m.requests);
        expect(row.records).toBe(m.records);
      }
    }
    // The boundary record's model counts in 30d but not in 7d.
    const gpt5 = (w: string) => rows.find((r) => r.window_name === w && r.model === 'gpt-5')!.records;
    expect(gpt5('30d') - gpt5('7d')).toBeGreaterThan(0);
  });

  it('burn_rate: burn rates and the month-to-date forecast', async () => {
    const [row] = await query('burn_rate');
    expect(row!.as_of).toBe(AS_OF);
    expect(row!.burn_rate_7d_usd_per_day).toBeCloseTo(analytics.windows['7d'].burn_rate_usd_per_day, 2);
    expect(row!.burn_rate_30d_usd_per_day).toBeCloseTo(analytics.windows['30d'].burn_rate_usd_per_day, 2);
    expect(row!.burn_rate_90d_usd_per_day).toBeCloseTo(analytics.windows['90d'].burn_rate_usd_per_day, 2);
    const mtd = analytics.month_to_date;
    expect(row!.days_elapsed).toBe(mtd.days_elapsed);
    expect(row!.days_in_month).toBe(mtd.days_in_month);
    expect(row!.month_to_date_usd).toBeCloseTo(mtd.cost_usd, 2);
    expect(row!.forecast_usd).toBeCloseTo(mtd.forecast_usd, 2);
  });

  it('daily_cost: every day of the 90-day window', async () => {
    const rows = await query('daily_cost');
    const byDay = new Map(rows.map((r) => [r.usage_day as string, r]));
    const daily = analytics.windows['90d'].daily;
    expect(daily).toHaveLength(90);
    for (const d of daily) {
      const row = byDay.get(d.day);
      if (d.records === 0) {
        expect(row).toBeUndefined();
        continue;
      }
      expect(row!.cost_usd, d.day).toBeCloseTo(d.cost_usd, 2);
      expect(row!.total_tokens).toBe(d.total_tokens);
      expect(row!.records).toBe(d.records);
    }
    expect(rows).toHaveLength(daily.filter((d) => d.records > 0).length);
  });
});
