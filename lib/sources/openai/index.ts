// The openai source: the organisation's hourly usage (completions, embeddings, moderations —
// the endpoints that count tokens) grouped by model, project, api key and tier, with the daily
// Costs API's dollars spread over it. Each run re-fetches whole UTC days (provider-source.ts).

import { SourceError } from '../../core/errors.ts';
import { createPricer } from '../../usage/pricing/price.ts';
import { createProviderClient, fetchAllPages, type ProviderHttpTuning, type QueryPairs, USER_AGENT } from '../provider-http.ts';
import { createProviderSource, type FetchWindow } from '../provider-source.ts';
import { applyReportedCosts } from '../reported-cost.ts';
import { countSkip, emptyStats, type Source, type SourceContext } from '../source.ts';
import { completionsRecords, inputOnlyRecords, openaiJoinLevels, reportedCostsFromPages, SOURCE } from './parser.ts';
import { completionsPageSchema, costsPageSchema, inputOnlyPageSchema } from './schema.ts';

const USAGE_PATH = '/v1/organization/usage';
const COSTS_PATH = '/v1/organization/costs';

/** Array params in the bracket form the official SDKs send (`group_by[]=model`). */
const groupBy = (...dims: string[]) => dims.map((d) => ['group_by[]', d] as const);

export function createOpenAiSource(options: { http?: ProviderHttpTuning } = {}): Source {
  // Only to weigh how a day's reported cost splits across its hourly records; the total is the report's.
  const pricer = createPricer();
  return createProviderSource({
    name: SOURCE,
    async fetchWindow(window: FetchWindow, context: SourceContext) {
      const key = context.config.openaiAdminKey;
      if (!key) throw new SourceError(SOURCE, 'no admin key: set OPENAI_ADMIN_KEY to an organization Admin key (sk-admin-…)');
      const client = createProviderClient({
        ...options.http,
        source: SOURCE,
        baseUrl: context.config.openaiBaseUrl,
        headers: { authorization: `Bearer ${key}`, 'user-agent': USER_AGENT, accept: 'application/json' },
        secrets: [key],
        fetch: context.fetch ?? options.http?.fetch ?? globalThis.fetch,
        log: context.log,
        ...(context.signal ? { signal: context.signal } : {}),
      });
      const range: QueryPairs = [
        ['start_time', String(Math.floor(window.start.getTime() / 1000))],
        ['end_time', String(Math.floor(window.end.getTime() / 1000))],
      ];
      // Hourly buckets, like Anthropic's: the lake and the 48-hour chart keep the hour of use.
      const hourly: QueryPairs = [...range, ['bucket_width', '1h'], ['limit', '168']];
      const completions = await fetchAllPages(
        client,
        `${USAGE_PATH}/completions`,
        [...hourly, ...groupBy('model', 'project_id', 'api_key_id', 'service_tier', 'batch')],
        completionsPageSchema,
      );
      const inputOnly = groupBy('model', 'project_id', 'api_key_id');
      const embeddings = await fetchAllPages(client, `${USAGE_PATH}/embeddings`, [...hourly, ...inputOnly], inputOnlyPageSchema);
      const moderations = await fetchAllPages(client, `${USAGE_PATH}/moderations`, [...hourly, ...inputOnly], inputOnlyPageSchema);
      const costs = await fetchAllPages(
        client,
        COSTS_PATH,
        [...range, ['bucket_width', '1d'], ['limit', '180'], ...groupBy('line_item', 'project_id')],
        costsPageSchema,
      );
      const stats = emptyStats();
      const records = [
        ...completionsRecords(completions, stats),
        ...inputOnlyRecords('embeddings', embeddings, stats),
        ...inputOnlyRecords('moderations', moderations, stats),
      ];
      const joined = applyReportedCosts(records, reportedCostsFromPages(costs, stats), openaiJoinLevels, (r) => pricer.price(r), {
        source: SOURCE,
        provider: 'openai',
      });
      if (joined.nonPositiveGroups > 0) countSkip(stats, 'non-positive-cost-group', joined.nonPositiveGroups);
      return { records: [...records, ...joined.orphans], stats };
    },
  });
}
