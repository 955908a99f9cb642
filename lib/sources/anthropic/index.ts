// The anthropic source: the organisation's hourly token usage (Admin API usage_report/messages,
// grouped by model, workspace, api key, service tier and context window) with the daily cost
// report's USD spread over it. Each run re-fetches whole UTC days (provider-source.ts).

import { SourceError } from '../../core/errors.ts';
import { createPricer } from '../../usage/pricing/price.ts';
import { createProviderClient, fetchAllPages, type ProviderHttpTuning, type QueryPairs, USER_AGENT } from '../provider-http.ts';
import { createProviderSource, type FetchWindow } from '../provider-source.ts';
import { applyReportedCosts } from '../reported-cost.ts';
import { countSkip, emptyStats, type Source, type SourceContext } from '../source.ts';
import { anthropicJoinLevels, reportedCostsFromPages, SOURCE, usageRecordsFromPages } from './parser.ts';
import { costReportPageSchema, messagesUsagePageSchema } from './schema.ts';

const USAGE_PATH = '/v1/organizations/usage_report/messages';
const COST_PATH = '/v1/organizations/cost_report';
const USAGE_GROUPS = ['model', 'workspace_id', 'api_key_id', 'service_tier', 'context_window'];

/** RFC 3339 without milliseconds, as the reference examples write it. */
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function createAnthropicSource(options: { http?: ProviderHttpTuning } = {}): Source {
  // Only to weigh how a day's reported cost splits across its hourly records; the total is the report's.
  const pricer = createPricer();
  return createProviderSource({
    name: SOURCE,
    async fetchWindow(window: FetchWindow, context: SourceContext) {
      const key = context.config.anthropicAdminKey;
      if (!key) throw new SourceError(SOURCE, 'no admin key: set ANTHROPIC_ADMIN_API_KEY to an Admin API key (sk-ant-admin01-…)');
      const client = createProviderClient({
        ...options.http,
        source: SOURCE,
        baseUrl: context.config.anthropicBaseUrl,
        headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'user-agent': USER_AGENT, accept: 'application/json' },
        secrets: [key],
        fetch: context.fetch ?? options.http?.fetch ?? globalThis.fetch,
        log: context.log,
        ...(context.signal ? { signal: context.signal } : {}),
      });
      const range: QueryPairs = [
        ['starting_at', rfc3339(window.start)],
        ['ending_at', rfc3339(window.end)],
      ];
      const usagePages = await fetchAllPages(
        client,
        USAGE_PATH,
        [...range, ['bucket_width', '1h'], ['limit', '168'], ...USAGE_GROUPS.map((g) => ['group_by[]', g] as const)],
        messagesUsagePageSchema,
      );
      const costPages = await fetchAllPages(
        client,
        COST_PATH,
        [...range, ['bucket_width', '1d'], ['limit', '31'], ['group_by[]', 'description'], ['group_by[]', 'workspace_id']],
        costReportPageSchema,
      );
      const stats = emptyStats();
      const records = usageRecordsFromPages(usagePages, stats);
      const costs = reportedCostsFromPages(costPages, stats);
      const joined = applyReportedCosts(records, costs, anthropicJoinLevels, (r) => pricer.price(r), {
        source: SOURCE,
        provider: 'anthropic',
      });
      if (joined.nonPositiveGroups > 0) countSkip(stats, 'non-positive-cost-group', joined.nonPositiveGroups);
      return { records: [...records, ...joined.orphans], stats };
    },
  });
}
