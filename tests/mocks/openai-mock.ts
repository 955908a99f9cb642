// A mock of the OpenAI organization Usage and Costs APIs, written from the shared spec
// (provider-usage-apis.md §2): Bearer auth, Unix-second ranges, array params accepted both as
// `group_by[]=x` and repeated `group_by=x`, `page`/`bucket`/result `object` tags, results grouped
// by group_by (other dimensions null), page cursors, cost amounts as numbers in dollars.

import { bucketStarts, groupRows, type MockAnswer, type MockRequest, type MockServer, pageOf, startMockServer } from './mock-http.ts';

export interface OpenAiCompletions {
  /** Bucket hour, e.g. '2026-03-09T10'. */
  hour: string;
  model: string;
  project_id?: string | null;
  api_key_id?: string | null;
  service_tier?: string;
  batch?: boolean;
  /** Includes cached and cache-write tokens, as OpenAI reports it. */
  input_tokens: number;
  input_cached_tokens?: number;
  /** Only sent when set (older answers lack these fields). */
  input_cache_write_tokens?: number;
  input_uncached_tokens?: number;
  output_tokens: number;
  num_model_requests: number;
}

export interface OpenAiInputOnly {
  hour: string;
  model: string;
  project_id?: string | null;
  input_tokens: number;
  num_model_requests: number;
}

export interface OpenAiCost {
  day: string;
  /** Dollars. */
  value: number;
  line_item: string | null;
  project_id?: string | null;
}

export interface OpenAiMock extends MockServer {
  data: { completions: OpenAiCompletions[]; embeddings: OpenAiInputOnly[]; moderations: OpenAiInputOnly[]; costs: OpenAiCost[] };
  validKey: string;
}

const HOUR = 3600;
const DAY = 86_400;
const WIDTHS: Record<string, { s: number; max: number; fallback: number }> = {
  '1h': { s: HOUR, max: 168, fallback: 24 },
  '1d': { s: DAY, max: 31, fallback: 7 },
};
const COMMON_GROUPS = ['project_id', 'user_id', 'api_key_id', 'model'];
const COMPLETIONS_GROUPS = [...COMMON_GROUPS, 'batch', 'service_tier'];

const error = (status: number, message: string, type = 'invalid_request_error'): MockAnswer => ({
  status,
  body: { error: { message, type, param: null, code: null } },
});

/** Both spellings of an array param. */
const arrayParam = (request: MockRequest, name: string) => [...request.query.getAll(`${name}[]`), ...request.query.getAll(name)];
const hourStart = (hour: string) => Date.parse(`${hour}:00:00Z`) / 1000;

function readRange(request: MockRequest, widths: readonly string[], maxLimit?: number) {
  const q = request.query;
  const start = Number(q.get('start_time'));
  if (!q.get('start_time') || !Number.isInteger(start)) return error(400, 'start_time: required Unix seconds');
  const end = q.get('end_time') === null ? undefined : Number(q.get('end_time'));
  if (end !== undefined && !Number.isInteger(end)) return error(400, 'end_time: Unix seconds');
  const widthName = q.get('bucket_width') ?? '1d';
  const width = WIDTHS[widthName];
  if (!width || !widths.includes(widthName)) return error(400, `bucket_width: unsupported "${widthName}"`);
  const max = maxLimit ?? width.max;
  const limit = Number(q.get('limit') ?? Math.min(7, max));
  if (!Number.isInteger(limit) || limit < 1 || limit > max) return error(400, `limit: must be 1-${max}`);
  return { start, end: end ?? start + limit * width.s, width: width.s, limit, page: q.get('page') };
}

function completionsRow(c: OpenAiCompletions) {
  return {
    object: 'organization.usage.completions.result',
    input_tokens: c.input_tokens,
    output_tokens: c.output_tokens,
    input_cached_tokens: c.input_cached_tokens ?? 0,
    ...(c.input_cache_write_tokens === undefined ? {} : { input_cache_write_tokens: c.input_cache_write_tokens }),
    ...(c.input_uncached_tokens === undefined ? {} : { input_uncached_tokens: c.input_uncached_tokens }),
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    num_model_requests: c.num_model_requests,
    project_id: c.project_id ?? null,
    user_id: null,
    api_key_id: c.api_key_id ?? null,
    model: c.model,
    batch: c.batch ?? false,
    service_tier: c.service_tier ?? 'default',
  } as Record<string, unknown> & { input_tokens: number };
}

const numericKeys = [
  'input_tokens',
  'output_tokens',
  'input_cached_tokens',
  'input_cache_write_tokens',
  'input_uncached_tokens',
  'num_model_requests',
];
function addNumbers(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const k of numericKeys) if (typeof from[k] === 'number') into[k] = ((into[k] as number) ?? 0) + (from[k] as number);
}

export async function startOpenAiMock(options: { validKey?: string } = {}): Promise<OpenAiMock> {
  const state: OpenAiMock['data'] = { completions: [], embeddings: [], moderations: [], costs: [] };
  const usage = (request: MockRequest, name: 'completions' | 'embeddings' | 'moderations'): MockAnswer => {
    const range = readRange(
      request,
      ['1m', '1h', '1d'].filter((w) => w in WIDTHS),
    );
    if ('status' in range) return range;
    const allowed = name === 'completions' ? COMPLETIONS_GROUPS : COMMON_GROUPS;
    const groupBy = arrayParam(request, 'group_by');
    const unknown = groupBy.find((g) => !allowed.includes(g));
    if (unknown) return error(400, `group_by: "${unknown}" is not allowed here`);
    const rows = (at: number): Array<Record<string, unknown>> => {
      const inBucket = (hour: string) => hourStart(hour) >= at && hourStart(hour) < at + range.width;
      if (name === 'completions') return mock.data.completions.filter((c) => inBucket(c.hour)).map(completionsRow);
      return mock.data[name]
        .filter((c) => inBucket(c.hour))
        .map((c) => ({
          object: `organization.usage.${name}.result`,
          input_tokens: c.input_tokens,
          num_model_requests: c.num_model_requests,
          project_id: c.project_id ?? null,
          user_id: null,
          api_key_id: null,
          model: c.model,
        }));
    };
    const buckets = bucketStarts(range.start * 1000, range.end * 1000, range.width * 1000).map((ms) => {
      const at = ms / 1000;
      return { object: 'bucket', start_time: at, end_time: at + range.width, results: groupRows(rows(at), allowed, groupBy, addNumbers) };
    });
    return { status: 200, body: { object: 'page', ...pageOf(buckets, range.limit, range.page) } };
  };
  const costs = (request: MockRequest): MockAnswer => {
    const range = readRange(request, ['1d'], 180);
    if ('status' in range) return range;
    const groupBy = arrayParam(request, 'group_by');
    const unknown = groupBy.find((g) => !['project_id', 'line_item', 'api_key_id'].includes(g));
    if (unknown) return error(400, `group_by: "${unknown}" is not allowed here`);
    const buckets = bucketStarts(range.start * 1000, range.end * 1000, DAY * 1000).map((ms) => {
      const at = ms / 1000;
      const rows = mock.data.costs
        .filter((c) => Date.parse(`${c.day}T00:00:00Z`) / 1000 === at)
        .map((c) => ({
          object: 'organization.costs.result',
          amount: { value: c.value, currency: 'usd' },
          line_item: c.line_item,
          project_id: c.project_id ?? null,
          api_key_id: null,
        }));
      return {
        object: 'bucket',
        start_time: at,
        end_time: at + DAY,
        results: groupRows(rows, ['line_item', 'project_id', 'api_key_id'], groupBy, (into, from) => {
          into.amount.value += from.amount.value;
        }),
      };
    });
    return { status: 200, body: { object: 'page', ...pageOf(buckets, range.limit, range.page) } };
  };
  const server = await startMockServer((request) => {
    if (request.headers.authorization !== `Bearer ${mock.validKey}`) {
      return error(401, 'Incorrect API key provided.', 'invalid_api_key');
    }
    const m = /^\/v1\/organization\/usage\/(completions|embeddings|moderations)$/.exec(request.path);
    if (m) return usage(request, m[1] as 'completions' | 'embeddings' | 'moderations');
    if (request.path === '/v1/organization/costs') return costs(request);
    return error(404, `no route ${request.path}`, 'not_found');
  });
  const mock: OpenAiMock = { ...server, data: state, validKey: options.validKey ?? 'sk-admin-mock-key' };
  return mock;
}
