import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { createAnthropicSource } from '../../../lib/sources/anthropic/index.ts';
import { centsToUsd } from '../../../lib/sources/anthropic/parser.ts';
import { ProviderResponseError } from '../../../lib/sources/provider-http.ts';
import type { SourceContext } from '../../../lib/sources/source.ts';
import { recordId, type UsageRecord } from '../../../lib/usage/record.ts';
import { type AnthropicMock, startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const NOW = new Date('2026-03-10T12:30:00Z');
const KEY = 'sk-ant-admin01-test-key-0001';
let mock: AnthropicMock;
let store: MemoryStore;
let sleeps: number[];

beforeAll(async () => {
  mock = await startAnthropicMock({ validKey: KEY });
});
afterAll(() => mock.stop());
beforeEach(() => {
  mock.reset();
  store = new MemoryStore();
  sleeps = [];
  mock.data.usage = [
    // Hour 0 of the window: on the first of two pages (168 hourly buckets per page).
    {
      hour: '2026-03-03T01',
      model: 'claude-sonnet-4-5',
      workspace_id: 'wrkspc_A',
      api_key_id: 'apikey_1',
      uncached_input_tokens: 10,
      output_tokens: 10,
    },
    {
      hour: '2026-03-09T10',
      model: 'claude-sonnet-4-5',
      workspace_id: 'wrkspc_A',
      api_key_id: 'apikey_1',
      uncached_input_tokens: 1000,
      cache_5m: 200,
      cache_1h: 100,
      cache_read_input_tokens: 5000,
      output_tokens: 400,
    },
    {
      hour: '2026-03-09T15',
      model: 'claude-sonnet-4-5',
      workspace_id: 'wrkspc_A',
      api_key_id: 'apikey_2',
      uncached_input_tokens: 3000,
      output_tokens: 600,
    },
    // The default workspace and Console usage: both ids null.
    { hour: '2026-03-09T11', model: 'claude-haiku-4-5', uncached_input_tokens: 2000, output_tokens: 1000 },
    {
      hour: '2026-03-10T08',
      model: 'claude-sonnet-4-5',
      workspace_id: 'wrkspc_A',
      api_key_id: 'apikey_1',
      uncached_input_tokens: 100,
      output_tokens: 50,
    },
    {
      hour: '2026-03-10T09',
      model: 'claude-sonnet-4-5',
      workspace_id: 'wrkspc_A',
      api_key_id: 'apikey_1',
      service_tier: 'priority',
      uncached_input_tokens: 500,
      output_tokens: 100,
    },
  ];
  mock.data.costs = [
    { day: '2026-03-09', model: 'claude-sonnet-4-5', workspace_id: 'wrkspc_A', token_type: 'output_tokens', amount: '1234.5' },
    { day: '2026-03-09', model: 'claude-sonnet-4-5', workspace_id: 'wrkspc_A', token_type: 'uncached_input_tokens', amount: '765.5' },
    { day: '2026-03-09', model: null, token_type: null, cost_type: 'web_search', workspace_id: 'wrkspc_A', amount: '250' },
    { day: '2026-03-09', model: 'claude-haiku-4-5', workspace_id: null, amount: '12.3456' },
    { day: '2026-03-10', model: 'claude-sonnet-4-5', workspace_id: 'wrkspc_A', amount: '100' },
  ];
});

function context(env: Record<string, string> = {}): SourceContext {
  const config = parseConfig({
    TOKENLAKE_SOURCES: 'anthropic',
    ANTHROPIC_ADMIN_API_KEY: KEY,
    TOKENLAKE_ANTHROPIC_BASE_URL: mock.url,
    TOKENLAKE_BACKFILL_DAYS: '8',
    TOKENLAKE_REFETCH_HOURS: '48',
    ...env,
  });
  return { store, config, now: NOW, log: silentLogger };
}

const source = () =>
  createAnthropicSource({
    http: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
    },
  });

const byHour = (records: UsageRecord[], ts: string, tier = 'standard') => records.find((r) => r.ts === ts && r.service_tier === tier)!;

/** Sonnet 4.5 list prices per million: input 3, output 15, 5m write 3.75, 1h write 6, read 0.3. */
const sonnet = (t: { input: number; output: number; w5m?: number; w1h?: number; read?: number }) =>
  (t.input * 3 + t.output * 15 + (t.w5m ?? 0) * 3.75 + (t.w1h ?? 0) * 6 + (t.read ?? 0) * 0.3) / 1e6;

describe('anthropic source', () => {
  it('maps one record per bucket × group with the token kinds split as the lake wants them', async () => {
    const pull = await source().pull(context());
    const a = byHour(pull.records, '2026-03-09T10:00:00.000Z');
    expect(a).toMatchObject({
      id: recordId('anthropic', '2026-03-09T10:00:00.000Z', 'claude-sonnet-4-5', 'wrkspc_A', 'apikey_1', 'standard', '0-200k', null),
      source: 'anthropic',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      project: 'wrkspc_A',
      workspace: 'wrkspc_A',
      api_key: 'apikey_1',
      input_tokens: 1000,
      cache_creation_tokens: 300,
      cache_creation_1h_tokens: 100,
      cache_read_tokens: 5000,
      output_tokens: 400,
      requests: 0,
      bucket_seconds: 3600,
    });
    const haiku = byHour(pull.records, '2026-03-09T11:00:00.000Z');
    expect(haiku).toMatchObject({ model: 'claude-haiku-4-5', project: null, workspace: null, api_key: null, input_tokens: 2000 });
    // 6 usage rows + the web-search cost that has no tokens.
    expect(pull.records).toHaveLength(7);
    expect(pull.stats).toMatchObject({ read: 11, records: 7 });
  });

  it('asks for hourly usage grouped as specified, pages to the end, and fetches whole UTC days', async () => {
    await source().pull(context());
    const usage = mock.requests.filter((r) => r.path === '/v1/organizations/usage_report/messages');
    // 2026-03-03T00 … 2026-03-10T12 is 181 hourly buckets: two pages of at most 168.
    expect(usage).toHaveLength(2);
    expect(usage[0]!.query.get('starting_at')).toBe('2026-03-03T00:00:00Z');
    expect(usage[0]!.query.get('ending_at')).toBe('2026-03-10T12:30:00Z');
    expect(usage[0]!.query.get('bucket_width')).toBe('1h');
    expect(usage[0]!.query.getAll('group_by[]')).toEqual(['model', 'workspace_id', 'api_key_id', 'service_tier', 'context_window']);
    expect(usage[1]!.query.get('page')).not.toBeNull();
    const cost = mock.requests.filter((r) => r.path === '/v1/organizations/cost_report');
    expect(cost).toHaveLength(1);
    expect(cost[0]!.query.getAll('group_by[]')).toEqual(['description', 'workspace_id']);
    expect(
      mock.requests.every((r) => r.headers['anthropic-version'] === '2023-06-01' && /^tokenlake\//.test(String(r.headers['user-agent']))),
    ).toBe(true);
  });

  it("spreads a day's reported cents as USD over that day's records of the model, by priced cost", async () => {
    const pull = await source().pull(context());
    const a = byHour(pull.records, '2026-03-09T10:00:00.000Z');
    const b = byHour(pull.records, '2026-03-09T15:00:00.000Z');
    // "1234.5" + "765.5" cents = $20.00, split by what each hour costs at list price.
    const pa = sonnet({ input: 1000, output: 400, w5m: 200, w1h: 100, read: 5000 });
    const pb = sonnet({ input: 3000, output: 600 });
    expect(a.cost_source).toBe('reported');
    expect(a.cost_usd).toBeCloseTo((20 * pa) / (pa + pb), 12);
    expect(b.cost_usd).toBeCloseTo((20 * pb) / (pa + pb), 12);
    expect(a.cost_usd! + b.cost_usd!).toBeCloseTo(20, 12);
    // The default workspace joins on null = null; "12.3456" cents is $0.123456.
    expect(byHour(pull.records, '2026-03-09T11:00:00.000Z')).toMatchObject({ cost_usd: 0.123456, cost_source: 'reported' });
  });

  it('leaves priority usage (not in the cost report) and days without cost rows for the price table', async () => {
    const pull = await source().pull(context());
    expect(byHour(pull.records, '2026-03-10T09:00:00.000Z', 'priority')).toMatchObject({ cost_usd: null, cost_source: 'unpriced' });
    expect(byHour(pull.records, '2026-03-10T08:00:00.000Z')).toMatchObject({ cost_usd: 1, cost_source: 'reported' });
    expect(byHour(pull.records, '2026-03-03T01:00:00.000Z')).toMatchObject({ cost_usd: null, cost_source: 'unpriced' });
  });

  it('keeps cost that joins no usage as a token-less record named by its cost type', async () => {
    const pull = await source().pull(context());
    const web = pull.records.find((r) => r.model === 'web_search')!;
    expect(web).toMatchObject({
      ts: '2026-03-09T00:00:00.000Z',
      workspace: 'wrkspc_A',
      input_tokens: 0,
      output_tokens: 0,
      requests: 0,
      cost_usd: 2.5,
      cost_source: 'reported',
      bucket_seconds: 86_400,
    });
  });

  it('writes one object per day across runs and commits yesterday as the cursor', async () => {
    const first = await source().pull(context());
    const second = await createAnthropicSource().pull(context());
    expect(first.batchIdFor('2026-03-09')).toBe(second.batchIdFor('2026-03-09'));
    expect(first.batchIdFor('2026-03-09')).not.toBe(first.batchIdFor('2026-03-10'));
    expect(store.keys('state/')).toEqual([]);
    await first.commit();
    expect(JSON.parse(store.text('state/cursors/anthropic.json')!)).toEqual({ version: 1, complete_through: '2026-03-09' });
  });

  it('after a committed run re-fetches from the start of the day 48 hours back', async () => {
    await (await source().pull(context())).commit();
    mock.reset();
    await source().pull(context());
    const usage = mock.requests.filter((r) => r.path === '/v1/organizations/usage_report/messages');
    expect(usage[0]!.query.get('starting_at')).toBe('2026-03-08T00:00:00Z');
  });

  it('honours retry-after on a 429 and retries a 500', async () => {
    mock.fail({ match: (r) => r.path.endsWith('/cost_report'), status: 429, headers: { 'retry-after': '3' } });
    mock.fail({ match: (r) => r.path.endsWith('/messages'), status: 500 });
    const pull = await source().pull(context());
    expect(pull.records).toHaveLength(7);
    // random() = 0: the jittered 5xx wait is 0 ms; the 429 waits the 3 s it was told.
    expect(sleeps).toEqual([0, 3000]);
  });

  it('quarantines a malformed page with the reason and fails without moving the cursor', async () => {
    mock.fail({
      match: (r) => r.query.has('page'),
      status: 200,
      body: {
        data: [{ starting_at: '2026-03-10T00:00:00Z', ending_at: '2026-03-10T01:00:00Z', results: [{ output_tokens: -1 }] }],
        has_more: false,
      },
    });
    const error = await source()
      .pull(context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect((error as Error).message).toMatch(
      /^anthropic: unexpected response from GET \/v1\/organizations\/usage_report\/messages: data\.0\.results\.0/,
    );
    const [qKey] = store.keys('quarantine/');
    expect(qKey).toMatch(/^quarantine\/dt=2026-03-10\/anthropic-[0-9a-f]+\.jsonl$/);
    const entry = JSON.parse(store.text(qKey!)!.trim());
    expect(entry.origin).toContain('page=');
    expect(entry.reason).toContain('data.0.results.0.uncached_input_tokens');
    expect(store.keys('state/')).toEqual([]);
  });

  it('says "admin key rejected" on a bad key and never prints the key', async () => {
    const error = await source()
      .pull(context({ ANTHROPIC_ADMIN_API_KEY: 'sk-ant-admin01-wrong-key' }))
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('anthropic: admin key rejected (HTTP 401)');
    await expect(source().pull(context({ ANTHROPIC_ADMIN_API_KEY: '' }))).rejects.toThrow(/no admin key: set ANTHROPIC_ADMIN_API_KEY/);
  });
});

describe('centsToUsd', () => {
  it('moves the decimal point two places without binary rounding', () => {
    expect(centsToUsd('2345.6789')).toBe(23.456789);
    expect(centsToUsd('5')).toBe(0.05);
    expect(centsToUsd('0.5')).toBe(0.005);
    expect(centsToUsd('100')).toBe(1);
    expect(centsToUsd('-120')).toBe(-1.2);
    // 0.1 + 0.2 style error avoided: 30 cents is exactly the double nearest 0.3.
    expect(centsToUsd('30')).toBe(0.3);
    expect(() => centsToUsd('1e3')).toThrow();
  });
});
