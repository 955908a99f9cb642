// Both provider sources end to end: mock APIs on loopback, the embedded S3, runSync and runAnalyze
// as the CLI runs them. Expected numbers are worked out by hand from the mock data below.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeReconciliation } from '../../lib/analytics/reconciliation.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { readAnalytics, runAnalyze, touchedDays } from '../../lib/pipeline/analyze.ts';
import { analyzeDeps, createRuntime, type Runtime } from '../../lib/pipeline/runtime.ts';
import { runSync } from '../../lib/pipeline/sync.ts';
import { S3ObjectStore } from '../../lib/store/s3-store.ts';
import { type Rollup, readRollup } from '../../lib/usage/rollup.ts';
import { type AnthropicMock, startAnthropicMock } from '../mocks/anthropic-mock.ts';
import { type OpenAiMock, startOpenAiMock } from '../mocks/openai-mock.ts';
import { type EmbeddedS3, startEmbeddedS3 } from '../support/embedded-s3.ts';

let dir: string;
let s3: EmbeddedS3;
let anthropic: AnthropicMock;
let openai: OpenAiMock;
let rt: Runtime;
let clock = new Date('2026-03-10T12:30:00Z');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tl-provider-sync-'));
  s3 = await startEmbeddedS3({ directory: dir, bucket: 'tokenlake' });
  anthropic = await startAnthropicMock();
  openai = await startOpenAiMock();
  const config = parseConfig({
    TOKENLAKE_DATA_DIR: dir,
    TOKENLAKE_SOURCES: 'anthropic,openai',
    PORT: '0',
    ANTHROPIC_ADMIN_API_KEY: anthropic.validKey,
    OPENAI_ADMIN_KEY: openai.validKey,
    TOKENLAKE_ANTHROPIC_BASE_URL: anthropic.url,
    TOKENLAKE_OPENAI_BASE_URL: openai.url,
    TOKENLAKE_BACKFILL_DAYS: '3',
    TOKENLAKE_REFETCH_HOURS: '48',
  });
  rt = await createRuntime(config, { store: new S3ObjectStore(s3.client, s3.bucket), now: () => clock, log: silentLogger });

  anthropic.data.usage = [
    {
      hour: '2026-03-09T10',
      model: 'claude-sonnet-4-5',
      workspace_id: 'wrkspc_A',
      api_key_id: 'key_1',
      uncached_input_tokens: 1000,
      output_tokens: 400,
    },
    {
      hour: '2026-03-09T15',
      model: 'claude-sonnet-4-5',
      workspace_id: 'wrkspc_A',
      api_key_id: 'key_2',
      uncached_input_tokens: 3000,
      output_tokens: 600,
    },
    { hour: '2026-03-10T08', model: 'claude-haiku-4-5', uncached_input_tokens: 2000, output_tokens: 1000 },
  ];
  // 3 cents = $0.03 for the day's Sonnet usage (list price would say $0.027).
  anthropic.data.costs = [{ day: '2026-03-09', model: 'claude-sonnet-4-5', workspace_id: 'wrkspc_A', amount: '3.0' }];
  openai.data.completions = [
    {
      hour: '2026-03-09T10',
      model: 'gpt-5-mini-2025-08-07',
      project_id: 'proj_A',
      input_tokens: 5000,
      input_cached_tokens: 1800,
      input_cache_write_tokens: 200,
      input_uncached_tokens: 3000,
      output_tokens: 1000,
      num_model_requests: 5,
    },
    {
      hour: '2026-03-10T09',
      model: 'gpt-5-mini-2025-08-07',
      project_id: 'proj_A',
      input_tokens: 1000,
      output_tokens: 100,
      num_model_requests: 1,
    },
  ];
  // Dollars: $0.0028 (list price would say $0.002845).
  openai.data.costs = [{ day: '2026-03-09', line_item: 'gpt-5-mini-2025-08-07, input', project_id: 'proj_A', value: 0.0028 }];
});

afterAll(async () => {
  await anthropic?.stop();
  await openai?.stop();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function syncAndAnalyze() {
  const result = await runSync(rt);
  await runAnalyze(analyzeDeps(rt), { days: touchedDays(result.keys) });
  const got = await readAnalytics(rt.store);
  return { result, analytics: got!.analytics };
}

async function lakeObjects() {
  const objects = await rt.store.list('lake/usage/');
  return new Map(objects.map((o) => [o.key.replace(/-[0-9a-f]+\.jsonl$/, ''), o]));
}

async function rollups(days: string[]): Promise<Rollup[]> {
  const out: Rollup[] = [];
  for (const day of days) {
    const r = await readRollup(rt.store, day);
    if (r) out.push(r);
  }
  return out;
}

// Per million tokens — Sonnet 4.5: in 3, out 15; Haiku 4.5: in 1, out 5; GPT-5 mini: in 0.25, out 2, cached 0.025.
const haiku0310 = (2000 * 1 + 1000 * 5) / 1e6; // 0.007, priced (no cost row)
const mini0310 = (1000 * 0.25 + 100 * 2) / 1e6; // 0.00045, priced

describe('provider sync end to end', () => {
  it('first sync: both providers in the lake and analytics, reported cost winning, cents and dollars right', async () => {
    const { result, analytics } = await syncAndAnalyze();
    expect(result.outcomes.map((o) => [o.source, o.ok, o.error])).toEqual([
      ['anthropic', true, null],
      ['openai', true, null],
    ]);
    expect([...(await lakeObjects()).keys()].sort()).toEqual([
      'lake/usage/dt=2026-03-09/anthropic',
      'lake/usage/dt=2026-03-09/openai',
      'lake/usage/dt=2026-03-10/anthropic',
      'lake/usage/dt=2026-03-10/openai',
    ]);
    const totals = analytics.windows['7d'].totals;
    expect(totals.input_tokens).toBe(1000 + 3000 + 2000 + 3000 + 1000);
    expect(totals.output_tokens).toBe(400 + 600 + 1000 + 1000 + 100);
    expect(totals.cache_read_tokens).toBe(1800);
    expect(totals.cache_creation_tokens).toBe(200);
    expect(totals.requests).toBe(5 + 1);
    expect(totals.records).toBe(5);
    expect(totals.reported_cost_usd).toBeCloseTo(0.03 + 0.0028, 12);
    expect(totals.cost_usd).toBeCloseTo(0.03 + haiku0310 + 0.0028 + mini0310, 12);
    const byProvider = Object.fromEntries(analytics.windows['7d'].by_provider.map((p) => [p.key, p.cost_usd]));
    expect(byProvider.anthropic).toBeCloseTo(0.037, 12);
    expect(byProvider.openai).toBeCloseTo(0.00325, 12);
    expect(analytics.data_quality.sources.map((s) => [s.source, s.ok])).toEqual([
      ['anthropic', true],
      ['openai', true],
    ]);
  });

  it('reconciliation shows reported against priced per day and model', async () => {
    const rows = computeReconciliation(await rollups(['2026-03-09', '2026-03-10']), '2026-03-09', '2026-03-10', 0.02);
    expect(rows.map((r) => [r.day, r.provider, r.model, r.flagged])).toEqual([
      ['2026-03-09', 'anthropic', 'claude-sonnet-4-5', true],
      ['2026-03-09', 'openai', 'gpt-5-mini-2025-08-07', false],
    ]);
    expect(rows[0]!.reported_usd).toBeCloseTo(0.03, 12);
    expect(rows[0]!.priced_usd).toBeCloseTo((4000 * 3 + 1000 * 15) / 1e6, 12);
    expect(rows[0]!.difference_ratio).toBeCloseTo((0.027 - 0.03) / 0.03, 9);
    expect(rows[1]!.priced_usd).toBeCloseTo((3000 * 0.25 + 1000 * 2 + 200 * 0.25 + 1800 * 0.025) / 1e6, 12);
  });

  it('second sync after a restatement replaces the restated day and leaves the others byte for byte', async () => {
    const before = await lakeObjects();
    clock = new Date('2026-03-11T06:00:00Z');
    // Anthropic restates 2026-03-09 (more tokens, more cost); OpenAI reports a new hour today.
    anthropic.data.usage[0] = { ...anthropic.data.usage[0]!, uncached_input_tokens: 2000, output_tokens: 800 };
    anthropic.data.costs = [{ day: '2026-03-09', model: 'claude-sonnet-4-5', workspace_id: 'wrkspc_A', amount: '4.0' }];
    openai.data.completions.push({
      hour: '2026-03-11T02',
      model: 'gpt-5-mini-2025-08-07',
      project_id: 'proj_A',
      input_tokens: 2000,
      output_tokens: 0,
      num_model_requests: 2,
    });
    // Transient trouble on the way: retried, not fatal.
    anthropic.reset();
    openai.reset();
    anthropic.fail({ match: (r) => r.path.endsWith('/cost_report'), status: 429, headers: { 'retry-after': '0' } });
    openai.fail({ match: (r) => r.path.endsWith('/embeddings'), status: 500 });

    const { result, analytics } = await syncAndAnalyze();
    expect(result.outcomes.every((o) => o.ok)).toBe(true);
    // The re-fetch starts at 00:00 of the day 48 h back.
    const firstUsage = anthropic.requests.find((r) => r.path.endsWith('/messages'))!;
    expect(firstUsage.query.get('starting_at')).toBe('2026-03-09T00:00:00Z');
    expect(anthropic.requests.filter((r) => r.path.endsWith('/cost_report'))).toHaveLength(2);
    expect(openai.requests.filter((r) => r.path.endsWith('/embeddings'))).toHaveLength(2);

    const after = await lakeObjects();
    expect(after.size).toBe(5);
    expect(after.get('lake/usage/dt=2026-03-09/anthropic')!.key).toBe(before.get('lake/usage/dt=2026-03-09/anthropic')!.key);
    expect(after.get('lake/usage/dt=2026-03-09/anthropic')!.etag).not.toBe(before.get('lake/usage/dt=2026-03-09/anthropic')!.etag);
    for (const unchanged of ['lake/usage/dt=2026-03-10/anthropic', 'lake/usage/dt=2026-03-09/openai', 'lake/usage/dt=2026-03-10/openai']) {
      expect(after.get(unchanged)!.etag).toBe(before.get(unchanged)!.etag);
    }
    const lines = (await rt.store.getText(after.get('lake/usage/dt=2026-03-09/anthropic')!.key))!.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.input_tokens, l.output_tokens, l.cost_source])).toEqual([
      [2000, 800, 'reported'],
      [3000, 600, 'reported'],
    ]);
    // $0.04 split by list price 0.018 : 0.018.
    expect(lines[0].cost_usd).toBeCloseTo(0.02, 12);

    const totals = analytics.windows['7d'].totals;
    expect(totals.input_tokens).toBe(2000 + 3000 + 2000 + 3000 + 1000 + 2000);
    expect(totals.output_tokens).toBe(800 + 600 + 1000 + 1000 + 100 + 0);
    expect(totals.requests).toBe(5 + 1 + 2);
    expect(totals.records).toBe(6);
    expect(totals.cost_usd).toBeCloseTo(0.04 + haiku0310 + 0.0028 + mini0310 + (2000 * 0.25) / 1e6, 12);
    expect(totals.reported_cost_usd).toBeCloseTo(0.04 + 0.0028, 12);
  });

  it('a rejected key fails only that source; the other syncs and the lake keeps what it had', async () => {
    const before = await lakeObjects();
    const cursorBefore = (await rt.store.getText('state/cursors/anthropic.json'))!.text;
    clock = new Date('2026-03-11T07:00:00Z');
    anthropic.validKey = 'sk-ant-admin01-rotated';
    const { result, analytics } = await syncAndAnalyze();
    expect(result.outcomes.map((o) => [o.source, o.ok, o.error])).toEqual([
      ['anthropic', false, 'anthropic: admin key rejected (HTTP 401)'],
      ['openai', true, null],
    ]);
    const anthropicStatus = analytics.data_quality.sources.find((s) => s.source === 'anthropic')!;
    expect(anthropicStatus).toMatchObject({ ok: false, last_error: 'anthropic: admin key rejected (HTTP 401)' });
    expect(analytics.data_quality.sources.find((s) => s.source === 'openai')!.ok).toBe(true);
    expect((await rt.store.getText('state/cursors/anthropic.json'))!.text).toBe(cursorBefore);
    const after = await lakeObjects();
    expect([...after.entries()].map(([k, o]) => [k, o.etag])).toEqual([...before.entries()].map(([k, o]) => [k, o.etag]));
    expect(analytics.windows['7d'].totals.cost_usd).toBeCloseTo(0.04 + haiku0310 + 0.0028 + mini0310 + 0.0005, 12);
  });
});
