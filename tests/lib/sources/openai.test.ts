import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { createOpenAiSource } from '../../../lib/sources/openai/index.ts';
import { lineItemModel, uncachedInput } from '../../../lib/sources/openai/parser.ts';
import type { SourceContext } from '../../../lib/sources/source.ts';
import type { UsageRecord } from '../../../lib/usage/record.ts';
import { type OpenAiMock, startOpenAiMock } from '../../mocks/openai-mock.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const NOW = new Date('2026-03-10T12:30:00Z');
const KEY = 'sk-admin-test-key-0001';
let mock: OpenAiMock;
let store: MemoryStore;

beforeAll(async () => {
  mock = await startOpenAiMock({ validKey: KEY });
});
afterAll(() => mock.stop());
beforeEach(() => {
  mock.reset();
  store = new MemoryStore();
  mock.data.completions = [
    {
      hour: '2026-03-09T10',
      model: 'gpt-5-mini-2025-08-07',
      project_id: 'proj_A',
      api_key_id: 'key_1',
      input_tokens: 5000,
      input_cached_tokens: 1800,
      input_cache_write_tokens: 200,
      input_uncached_tokens: 3000,
      output_tokens: 1000,
      num_model_requests: 5,
    },
    // An answer from before 2026-07: no uncached or cache-write fields.
    {
      hour: '2026-03-09T11',
      model: 'gpt-5-mini-2025-08-07',
      project_id: 'proj_A',
      api_key_id: 'key_1',
      input_tokens: 4000,
      input_cached_tokens: 1000,
      output_tokens: 500,
      num_model_requests: 2,
    },
    {
      hour: '2026-03-09T12',
      model: 'gpt-4.1-2025-04-14',
      project_id: 'proj_B',
      batch: true,
      input_tokens: 1000,
      output_tokens: 100,
      num_model_requests: 1,
    },
    // The default project: project_id null.
    { hour: '2026-03-09T13', model: 'gpt-5', input_tokens: 100, output_tokens: 100, num_model_requests: 1 },
  ];
  mock.data.embeddings = [
    { hour: '2026-03-09T10', model: 'text-embedding-3-small', project_id: 'proj_A', input_tokens: 8000, num_model_requests: 4 },
  ];
  mock.data.moderations = [
    { hour: '2026-03-09T10', model: 'omni-moderation-latest', project_id: 'proj_A', input_tokens: 300, num_model_requests: 3 },
  ];
  mock.data.costs = [
    { day: '2026-03-09', line_item: 'gpt-5-mini-2025-08-07, input', project_id: 'proj_A', value: 0.01 },
    { day: '2026-03-09', line_item: 'gpt-5-mini-2025-08-07, output', project_id: 'proj_A', value: 0.002 },
    { day: '2026-03-09', line_item: 'gpt-4.1-2025-04-14, input', project_id: 'proj_B', value: 0.0005 },
    { day: '2026-03-09', line_item: 'web search tool calls', project_id: 'proj_A', value: 0.05 },
    { day: '2026-03-09', line_item: 'text-embedding-3-small, input', project_id: 'proj_C', value: 0.3 },
  ];
});

function context(env: Record<string, string> = {}): SourceContext {
  const config = parseConfig({
    TOKENLAKE_SOURCES: 'openai',
    OPENAI_ADMIN_KEY: KEY,
    TOKENLAKE_OPENAI_BASE_URL: mock.url,
    TOKENLAKE_BACKFILL_DAYS: '3',
    ...env,
  });
  return { store, config, now: NOW, log: silentLogger };
}

const source = () => createOpenAiSource({ http: { sleep: async () => {}, random: () => 0 } });
const at = (records: UsageRecord[], hour: string, model: string) =>
  records.find((r) => r.ts === `${hour}:00:00.000Z` && r.model === model)!;

describe('openai source', () => {
  it('stores uncached input: the explicit field, else input − cached − cache writes', async () => {
    const pull = await source().pull(context());
    expect(at(pull.records, '2026-03-09T10', 'gpt-5-mini-2025-08-07')).toMatchObject({
      source: 'openai',
      provider: 'openai',
      project: 'proj_A',
      api_key: 'key_1',
      service_tier: 'default',
      input_tokens: 3000,
      cache_read_tokens: 1800,
      cache_creation_tokens: 200,
      cache_creation_1h_tokens: 0,
      output_tokens: 1000,
      requests: 5,
      bucket_seconds: 3600,
    });
    expect(at(pull.records, '2026-03-09T11', 'gpt-5-mini-2025-08-07')).toMatchObject({
      input_tokens: 3000,
      cache_read_tokens: 1000,
      cache_creation_tokens: 0,
      requests: 2,
    });
    expect(at(pull.records, '2026-03-09T12', 'gpt-4.1-2025-04-14')).toMatchObject({ service_tier: 'batch', project: 'proj_B' });
    expect(at(pull.records, '2026-03-09T10', 'text-embedding-3-small')).toMatchObject({
      input_tokens: 8000,
      output_tokens: 0,
      requests: 4,
    });
    expect(at(pull.records, '2026-03-09T10', 'omni-moderation-latest')).toMatchObject({ input_tokens: 300, requests: 3 });
    // 4 completions + 1 embeddings + 1 moderations + the proj_C cost without usage.
    expect(pull.records).toHaveLength(7);
  });

  it('asks each endpoint for hourly buckets of whole UTC days with bracket group_by and a bearer key', async () => {
    await source().pull(context());
    const paths = mock.requests.map((r) => r.path);
    expect(paths).toEqual([
      '/v1/organization/usage/completions',
      '/v1/organization/usage/embeddings',
      '/v1/organization/usage/moderations',
      '/v1/organization/costs',
    ]);
    const [completions, embeddings, , costs] = mock.requests;
    expect(completions!.query.get('start_time')).toBe(String(Date.parse('2026-03-08T00:00:00Z') / 1000));
    expect(completions!.query.get('end_time')).toBe(String(NOW.getTime() / 1000));
    expect(completions!.query.get('bucket_width')).toBe('1h');
    expect(completions!.query.getAll('group_by[]')).toEqual(['model', 'project_id', 'api_key_id', 'service_tier', 'batch']);
    expect(embeddings!.query.getAll('group_by[]')).toEqual(['model', 'project_id', 'api_key_id']);
    expect(costs!.query.get('bucket_width')).toBe('1d');
    expect(costs!.query.getAll('group_by[]')).toEqual(['line_item', 'project_id']);
    expect(mock.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });

  it('joins dollars by (day, model from the line item, project), split by priced cost', async () => {
    const pull = await source().pull(context());
    // gpt-5-mini per million: input 0.25, output 2, cache read 0.025, cache write at input.
    const pa = 3000 * 0.25 + 1000 * 2 + 200 * 0.25 + 1800 * 0.025;
    const pb = 3000 * 0.25 + 500 * 2 + 1000 * 0.025;
    const a = at(pull.records, '2026-03-09T10', 'gpt-5-mini-2025-08-07');
    const b = at(pull.records, '2026-03-09T11', 'gpt-5-mini-2025-08-07');
    expect(a.cost_source).toBe('reported');
    expect(a.cost_usd).toBeCloseTo((0.012 * pa) / (pa + pb), 15);
    expect(b.cost_usd).toBeCloseTo((0.012 * pb) / (pa + pb), 15);
    expect(at(pull.records, '2026-03-09T12', 'gpt-4.1-2025-04-14')).toMatchObject({ cost_usd: 0.0005, cost_source: 'reported' });
    // No cost row for the default project: left to the price table.
    expect(at(pull.records, '2026-03-09T13', 'gpt-5')).toMatchObject({ cost_usd: null, cost_source: 'unpriced' });
  });

  it("spreads a line item naming no model over the project's records no model-level cost reached", async () => {
    const pull = await source().pull(context());
    // Embeddings are priced, moderation is not: the split falls back to tokens (8000 : 300).
    expect(at(pull.records, '2026-03-09T10', 'text-embedding-3-small').cost_usd).toBeCloseTo((0.05 * 8000) / 8300, 15);
    expect(at(pull.records, '2026-03-09T10', 'omni-moderation-latest').cost_usd).toBeCloseTo((0.05 * 300) / 8300, 15);
    const orphan = pull.records.find((r) => r.project === 'proj_C')!;
    expect(orphan).toMatchObject({ model: 'text-embedding-3-small', input_tokens: 0, requests: 0, cost_usd: 0.3, cost_source: 'reported' });
    const reported = pull.records.reduce((s, r) => s + (r.cost_source === 'reported' ? r.cost_usd! : 0), 0);
    expect(reported).toBeCloseTo(0.01 + 0.002 + 0.0005 + 0.05 + 0.3, 12);
  });

  it('says "admin key rejected" on a bad key', async () => {
    await expect(source().pull(context({ OPENAI_ADMIN_KEY: 'sk-admin-wrong' }))).rejects.toThrow(
      /^openai: admin key rejected \(HTTP 401\)$/,
    );
  });

  it('quarantines a malformed costs page and keeps the cursor', async () => {
    mock.fail({ match: (r) => r.path === '/v1/organization/costs', status: 200, body: '{"object":"page","data":[' });
    await expect(source().pull(context())).rejects.toThrow(/unexpected response from GET \/v1\/organization\/costs: not JSON/);
    expect(store.keys('quarantine/')).toHaveLength(1);
    expect(store.keys('state/')).toEqual([]);
  });
});

describe('the openai mock', () => {
  it('accepts array params both as group_by[]= and as repeated group_by=', async () => {
    const base = `${mock.url}/v1/organization/usage/completions?start_time=${Date.parse('2026-03-09T00:00:00Z') / 1000}&bucket_width=1d&limit=1`;
    const get = async (qs: string) => {
      const res = await fetch(`${base}&${qs}`, { headers: { authorization: `Bearer ${KEY}` } });
      return (await res.json()) as { data: Array<{ results: Array<{ model: string | null; project_id: string | null }> }> };
    };
    const brackets = await get('group_by[]=model&group_by[]=project_id');
    const repeated = await get('group_by=model&group_by=project_id');
    expect(repeated).toEqual(brackets);
    expect(brackets.data[0]!.results.map((r) => r.model)).toEqual(['gpt-5-mini-2025-08-07', 'gpt-4.1-2025-04-14', 'gpt-5']);
    const ungrouped = await get('');
    expect(ungrouped.data[0]!.results).toHaveLength(1);
  });
});

describe('openai parsing helpers', () => {
  it('derives uncached input', () => {
    expect(
      uncachedInput({ input_tokens: 5000, input_cached_tokens: 1800, input_cache_write_tokens: 200, input_uncached_tokens: null }),
    ).toBe(3000);
    expect(
      uncachedInput({ input_tokens: 5000, input_cached_tokens: 1800, input_cache_write_tokens: null, input_uncached_tokens: null }),
    ).toBe(3200);
    expect(uncachedInput({ input_tokens: 10, input_cached_tokens: 50, input_cache_write_tokens: null, input_uncached_tokens: null })).toBe(
      0,
    );
  });

  it('reads the model before the comma of a line item', () => {
    expect(lineItemModel('gpt-4o-mini-2024-07-18, input')).toBe('gpt-4o-mini-2024-07-18');
    expect(lineItemModel('gpt-4o (batch), cached input')).toBe('gpt-4o');
    expect(lineItemModel('web search tool calls')).toBeNull();
    expect(lineItemModel(null)).toBeNull();
  });
});
