// A mock of the Anthropic Admin API usage and cost reports, written from the shared spec
// (provider-usage-apis.md §1): x-api-key + anthropic-version auth, RFC 3339 ranges, bracket array
// params, buckets oldest first including empty ones, results grouped by group_by[] (other
// dimensions null), page cursors, cost amounts as decimal strings in cents, error bodies.

import { bucketStarts, groupRows, type MockAnswer, type MockRequest, type MockServer, pageOf, startMockServer } from './mock-http.ts';

export interface AnthropicUsage {
  /** Bucket hour, e.g. '2026-03-09T10'. */
  hour: string;
  model: string;
  workspace_id?: string | null;
  api_key_id?: string | null;
  service_tier?: string;
  context_window?: string;
  uncached_input_tokens: number;
  cache_5m?: number;
  cache_1h?: number;
  cache_read_input_tokens?: number;
  output_tokens: number;
}

export interface AnthropicCost {
  day: string;
  /** Cents, as a decimal string. */
  amount: string;
  model?: string | null;
  workspace_id?: string | null;
  cost_type?: string;
  token_type?: string | null;
  service_tier?: string | null;
}

export interface AnthropicMock extends MockServer {
  /** What the API currently reports; replace to restate. */
  data: { usage: AnthropicUsage[]; costs: AnthropicCost[] };
  validKey: string;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const USAGE_DIMENSIONS = ['model', 'api_key_id', 'workspace_id', 'service_tier', 'context_window', 'inference_geo'];
const USAGE_GROUPS = new Set([...USAGE_DIMENSIONS, 'speed', 'account_id', 'service_account_id']);
const COST_DIMENSIONS = ['description', 'model', 'cost_type', 'token_type', 'service_tier', 'context_window', 'workspace_id'];
const LIMITS: Record<string, { ms: number; max: number; fallback: number }> = {
  '1h': { ms: HOUR, max: 168, fallback: 24 },
  '1d': { ms: DAY, max: 31, fallback: 7 },
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
const error = (status: number, type: string, message: string): MockAnswer => ({
  status,
  body: { type: 'error', error: { type, message } },
  headers: { 'request-id': `req_${status}` },
});

/** Adds two decimal strings exactly (6 decimal places are plenty for the mock's amounts). */
function addDecimal(a: string, b: string): string {
  const scale = (s: string) => {
    const [i, f = ''] = s.split('.');
    return BigInt(`${i}${f.padEnd(6, '0').slice(0, 6)}`);
  };
  const sum = scale(a) + scale(b);
  const neg = sum < 0n;
  const digits = (neg ? -sum : sum).toString().padStart(7, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -6)}.${digits.slice(-6)}`.replace(/\.?0+$/, '');
}

function usageRow(u: AnthropicUsage) {
  return {
    uncached_input_tokens: u.uncached_input_tokens,
    cache_creation: { ephemeral_5m_input_tokens: u.cache_5m ?? 0, ephemeral_1h_input_tokens: u.cache_1h ?? 0 },
    cache_read_input_tokens: u.cache_read_input_tokens ?? 0,
    output_tokens: u.output_tokens,
    server_tool_use: { web_search_requests: 0 },
    model: u.model,
    api_key_id: u.api_key_id ?? null,
    workspace_id: u.workspace_id ?? null,
    service_tier: u.service_tier ?? 'standard',
    context_window: u.context_window ?? '0-200k',
    inference_geo: null,
    account_id: null,
    service_account_id: null,
  };
}
type UsageRow = ReturnType<typeof usageRow>;

function addUsage(into: UsageRow, from: UsageRow): void {
  into.uncached_input_tokens += from.uncached_input_tokens;
  into.cache_creation.ephemeral_5m_input_tokens += from.cache_creation.ephemeral_5m_input_tokens;
  into.cache_creation.ephemeral_1h_input_tokens += from.cache_creation.ephemeral_1h_input_tokens;
  into.cache_read_input_tokens += from.cache_read_input_tokens;
  into.output_tokens += from.output_tokens;
}

function costRow(c: AnthropicCost) {
  const model = c.model === undefined ? 'claude-sonnet-4-5' : c.model;
  return {
    amount: c.amount,
    currency: 'USD',
    cost_type: c.cost_type ?? 'tokens',
    description: model ? `${model} Usage - ${c.token_type ?? 'tokens'}` : 'Web Search Usage',
    model,
    token_type: c.token_type === undefined ? 'output_tokens' : c.token_type,
    service_tier: c.service_tier ?? 'standard',
    context_window: model ? '0-200k' : null,
    inference_geo: null,
    workspace_id: c.workspace_id ?? null,
  };
}
type CostRowWire = ReturnType<typeof costRow>;

interface Range {
  startMs: number;
  endMs: number;
  width: { ms: number; max: number; fallback: number };
  limit: number;
  groupBy: string[];
  page: string | null;
}

function readRange(request: MockRequest, widths: string[]): Range | MockAnswer {
  const q = request.query;
  const starting = q.get('starting_at');
  if (!starting || Number.isNaN(Date.parse(starting)))
    return error(400, 'invalid_request_error', 'starting_at: required RFC 3339 timestamp');
  const ending = q.get('ending_at');
  const widthName = q.get('bucket_width') ?? '1d';
  const width = LIMITS[widthName];
  if (!width || !widths.includes(widthName)) return error(400, 'invalid_request_error', `bucket_width: unsupported "${widthName}"`);
  const limit = Number(q.get('limit') ?? width.fallback);
  if (!Number.isInteger(limit) || limit < 1 || limit > width.max) {
    return error(400, 'invalid_request_error', `limit: must be 1-${width.max} for ${widthName}`);
  }
  const startMs = Date.parse(starting);
  const endMs = ending ? Date.parse(ending) : startMs + limit * width.ms;
  return { startMs, endMs, width, limit, groupBy: q.getAll('group_by[]'), page: q.get('page') };
}

export async function startAnthropicMock(options: { validKey?: string } = {}): Promise<AnthropicMock> {
  const state = { usage: [] as AnthropicUsage[], costs: [] as AnthropicCost[] };
  const validKey = options.validKey ?? 'sk-ant-admin01-mock-key';
  const server = await startMockServer((request) => {
    if (request.headers['x-api-key'] !== mock.validKey) return error(401, 'authentication_error', 'invalid x-api-key');
    if (request.headers['anthropic-version'] !== '2023-06-01')
      return error(400, 'invalid_request_error', 'anthropic-version header required');
    if (request.path === '/v1/organizations/usage_report/messages') {
      const range = readRange(request, ['1h', '1d']);
      if ('status' in range) return range;
      const unknown = range.groupBy.find((g) => !USAGE_GROUPS.has(g));
      if (unknown) return error(400, 'invalid_request_error', `group_by: unknown "${unknown}"`);
      const buckets = bucketStarts(range.startMs, range.endMs, range.width.ms).map((t) => {
        const rows = mock.data.usage
          .filter((u) => {
            const at = Date.parse(`${u.hour}:00:00Z`);
            return at >= t && at < t + range.width.ms;
          })
          .map(usageRow);
        return {
          starting_at: iso(t),
          ending_at: iso(t + range.width.ms),
          results: groupRows(rows, USAGE_DIMENSIONS, range.groupBy, addUsage),
        };
      });
      return { status: 200, body: pageOf(buckets, range.limit, range.page) };
    }
    if (request.path === '/v1/organizations/cost_report') {
      const range = readRange(request, ['1d']);
      if ('status' in range) return range;
      const unknown = range.groupBy.find((g) => g !== 'description' && g !== 'workspace_id');
      if (unknown) return error(400, 'invalid_request_error', `group_by: unknown "${unknown}"`);
      // Grouping by description is what fills model, cost_type, token_type, tier and context window.
      const groups = range.groupBy.includes('description')
        ? [...range.groupBy, 'model', 'cost_type', 'token_type', 'service_tier', 'context_window']
        : range.groupBy;
      const buckets = bucketStarts(range.startMs, range.endMs, DAY).map((t) => {
        const rows = mock.data.costs.filter((c) => Date.parse(`${c.day}T00:00:00Z`) === t).map(costRow);
        return {
          starting_at: iso(t),
          ending_at: iso(t + DAY),
          results: groupRows<CostRowWire>(rows, COST_DIMENSIONS, groups, (into, from) => {
            into.amount = addDecimal(into.amount, from.amount);
          }),
        };
      });
      return { status: 200, body: pageOf(buckets, range.limit, range.page) };
    }
    return error(404, 'not_found_error', `no route ${request.path}`);
  });
  const mock: AnthropicMock = { ...server, data: state, validKey };
  return mock;
}
