// Anthropic report rows → UsageRecords and reported costs. Token kinds map one to one (the usage
// report's input is already uncached); the report has no request count, so `requests` is 0.
// Cost amounts are decimal strings in cents, converted to USD without binary rounding on the way.

import { utcDay } from '../../core/calendar.ts';
import { makeRecord, recordId, type UsageRecord } from '../../usage/record.ts';
import { type JoinLevel, modelFamily, type ReportedCost } from '../reported-cost.ts';
import { countSkip, type SourceStats } from '../source.ts';
import type { CostReportPage, MessagesUsagePage } from './schema.ts';

export const SOURCE = 'anthropic';

/** "2345.6789" (cents) → 23.456789 (USD): the decimal point moves two places in the string. */
export function centsToUsd(amount: string): number {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) throw new Error(`not a decimal amount: "${amount}"`);
  const digits = m[2]!.padStart(3, '0');
  return Number(`${m[1]}${digits.slice(0, -2)}.${digits.slice(-2)}${m[3] ?? ''}`);
}

/** One record per bucket × group; rows with no tokens at all are skipped. */
export function usageRecordsFromPages(pages: readonly MessagesUsagePage[], stats: SourceStats): UsageRecord[] {
  const byId = new Map<string, UsageRecord>();
  for (const page of pages) {
    for (const bucket of page.data) {
      const start = new Date(bucket.starting_at);
      const seconds = Math.round((Date.parse(bucket.ending_at) - start.getTime()) / 1000);
      for (const row of bucket.results) {
        stats.read++;
        const write5m = row.cache_creation.ephemeral_5m_input_tokens;
        const write1h = row.cache_creation.ephemeral_1h_input_tokens;
        if (row.uncached_input_tokens + row.output_tokens + row.cache_read_input_tokens + write5m + write1h === 0) {
          countSkip(stats, 'zero-usage');
          continue;
        }
        const ts = start.toISOString();
        const model = row.model ?? 'unknown';
        const id = recordId(SOURCE, ts, model, row.workspace_id, row.api_key_id, row.service_tier, row.context_window, row.inference_geo);
        const record = makeRecord({
          id,
          ts,
          source: SOURCE,
          provider: 'anthropic',
          model,
          // Workspaces are how an Anthropic organisation splits its projects.
          project: row.workspace_id,
          workspace: row.workspace_id,
          api_key: row.api_key_id,
          service_tier: row.service_tier,
          input_tokens: row.uncached_input_tokens,
          output_tokens: row.output_tokens,
          cache_creation_tokens: write5m + write1h,
          cache_creation_1h_tokens: write1h,
          cache_read_tokens: row.cache_read_input_tokens,
          // The messages report counts tokens, not requests.
          requests: 0,
          bucket_seconds: seconds > 0 ? seconds : 3600,
        });
        const seen = byId.get(id);
        if (seen) addTokens(seen, record);
        else byId.set(id, record);
      }
    }
  }
  return [...byId.values()];
}

function addTokens(into: UsageRecord, from: UsageRecord): void {
  into.input_tokens += from.input_tokens;
  into.output_tokens += from.output_tokens;
  into.cache_creation_tokens += from.cache_creation_tokens;
  into.cache_creation_1h_tokens += from.cache_creation_1h_tokens;
  into.cache_read_tokens += from.cache_read_tokens;
}

/** Cost rows in USD, keyed for the join by (model family, workspace); non-USD rows are skipped. */
export function reportedCostsFromPages(pages: readonly CostReportPage[], stats: SourceStats): ReportedCost[] {
  const out: ReportedCost[] = [];
  for (const page of pages) {
    for (const bucket of page.data) {
      const day = utcDay(bucket.starting_at);
      for (const row of bucket.results) {
        stats.read++;
        if (row.currency.toUpperCase() !== 'USD') {
          countSkip(stats, 'non-usd-cost');
          continue;
        }
        out.push({
          day,
          usd: centsToUsd(row.amount),
          keys: [row.model === null ? null : `${modelFamily(row.model)}\u0000${row.workspace_id ?? ''}`],
          // Costs without a model (web search, code execution, sessions) are named by their type.
          orphan: {
            model: row.model ?? row.cost_type ?? 'unattributed',
            project: row.workspace_id,
            workspace: row.workspace_id,
            service_tier: null,
          },
        });
      }
    }
  }
  return out;
}

/** The cost report excludes Priority Tier, so priority usage never takes a share of it. */
const priorityTiers = new Set(['priority', 'priority_on_demand']);

export const anthropicJoinLevels: JoinLevel[] = [
  {
    recordKey: (r) =>
      r.service_tier !== null && priorityTiers.has(r.service_tier) ? null : `${modelFamily(r.model)}\u0000${r.workspace ?? ''}`,
    onlyUnassigned: false,
  },
];
