// FOCUS export: usage as FinOps Open Cost and Usage Specification (1.2) charge rows, so FinOps
// tools ingest LLM spend next to cloud bills. One row per UTC hour × provider × model × labels ×
// cost source ('Usage' charges, hourly charge periods, monthly UTC billing periods); tokens are
// the consumed quantity; project, user and the token split go into x_-prefixed custom columns.

import { totalTokens, type UsageRecord } from '../record.ts';
import type { Anonymizer } from './anonymize.ts';
import type { ColumnSpec, ExportTable } from './table.ts';

export const FOCUS_VERSION = '1.2';

export const FOCUS_COLUMNS: ColumnSpec[] = [
  { name: 'BilledCost', type: 'double' },
  { name: 'BillingAccountId', type: 'string' },
  { name: 'BillingAccountName', type: 'string' },
  { name: 'BillingCurrency', type: 'string' },
  { name: 'BillingPeriodStart', type: 'string' },
  { name: 'BillingPeriodEnd', type: 'string' },
  { name: 'ChargeCategory', type: 'string' },
  { name: 'ChargeClass', type: 'string' },
  { name: 'ChargeDescription', type: 'string' },
  { name: 'ChargeFrequency', type: 'string' },
  { name: 'ChargePeriodStart', type: 'string' },
  { name: 'ChargePeriodEnd', type: 'string' },
  { name: 'ConsumedQuantity', type: 'int' },
  { name: 'ConsumedUnit', type: 'string' },
  { name: 'ContractedCost', type: 'double' },
  { name: 'ContractedUnitPrice', type: 'double' },
  { name: 'EffectiveCost', type: 'double' },
  { name: 'InvoiceIssuerName', type: 'string' },
  { name: 'ListCost', type: 'double' },
  { name: 'ListUnitPrice', type: 'double' },
  { name: 'PricingCategory', type: 'string' },
  { name: 'PricingQuantity', type: 'int' },
  { name: 'PricingUnit', type: 'string' },
  { name: 'ProviderName', type: 'string' },
  { name: 'PublisherName', type: 'string' },
  { name: 'RegionId', type: 'string' },
  { name: 'RegionName', type: 'string' },
  { name: 'ResourceId', type: 'string' },
  { name: 'ResourceName', type: 'string' },
  { name: 'ResourceType', type: 'string' },
  { name: 'ServiceCategory', type: 'string' },
  { name: 'ServiceSubcategory', type: 'string' },
  { name: 'ServiceName', type: 'string' },
  { name: 'SkuId', type: 'string' },
  { name: 'SkuPriceId', type: 'string' },
  { name: 'SubAccountId', type: 'string' },
  { name: 'SubAccountName', type: 'string' },
  { name: 'Tags', type: 'json' },
  { name: 'x_Project', type: 'string' },
  { name: 'x_User', type: 'string' },
  { name: 'x_ApiKey', type: 'string' },
  { name: 'x_Machine', type: 'string' },
  { name: 'x_Source', type: 'string' },
  { name: 'x_CostSource', type: 'string' },
  { name: 'x_InputTokens', type: 'int' },
  { name: 'x_OutputTokens', type: 'int' },
  { name: 'x_CacheCreationTokens', type: 'int' },
  { name: 'x_CacheReadTokens', type: 'int' },
  { name: 'x_Requests', type: 'int' },
  { name: 'x_Records', type: 'int' },
];

const PROVIDER_NAMES: Record<string, string> = {
  anthropic: 'Anthropic',
  openai: 'OpenAI',
  google: 'Google',
  mistral: 'Mistral AI',
  bedrock: 'Amazon Web Services',
  azure: 'Microsoft',
};

export function providerDisplayName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

/** FOCUS date-times: ISO 8601 UTC to the second. */
function focusInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

interface Charge {
  hour: number;
  r: UsageRecord;
  cost: number;
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
  requests: number;
  records: number;
}

const HOUR_MS = 3_600_000;

/** Charges of the records (already limited to the period and deduplicated), oldest hour first. */
export function focusTable(records: readonly UsageRecord[], anon: Anonymizer): ExportTable {
  const charges = new Map<string, Charge>();
  for (const r of records) {
    const hour = Math.floor(Date.parse(r.ts) / HOUR_MS) * HOUR_MS;
    const key = [hour, r.source, r.provider, r.model, r.project, r.user, r.machine, r.api_key, r.workspace, r.cost_source].join('\u0000');
    let c = charges.get(key);
    if (!c) {
      c = { hour, r, cost: 0, input: 0, output: 0, cacheWrite: 0, cacheRead: 0, requests: 0, records: 0 };
      charges.set(key, c);
    }
    c.cost += r.cost_usd ?? 0;
    c.input += r.input_tokens;
    c.output += r.output_tokens;
    c.cacheWrite += r.cache_creation_tokens;
    c.cacheRead += r.cache_read_tokens;
    c.requests += r.requests;
    c.records += 1;
  }
  const ordered = [...charges.values()].sort((a, b) => a.hour - b.hour || b.cost - a.cost);
  return {
    columns: FOCUS_COLUMNS,
    rows: ordered.map((c) => {
      const { r } = c;
      const provider = providerDisplayName(r.provider);
      const tokens = totalTokens({
        input_tokens: c.input,
        output_tokens: c.output,
        cache_creation_tokens: c.cacheWrite,
        cache_read_tokens: c.cacheRead,
      });
      // One row mixes token kinds with different prices, so the unit price is the blended one.
      const unitPrice = tokens > 0 ? c.cost / tokens : 0;
      const d = new Date(c.hour);
      const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      const project = anon.label('project', r.project);
      const user = anon.label('user', r.user);
      const apiKey = anon.label('api_key', r.api_key);
      const machine = anon.label('machine', r.machine);
      const workspace = anon.label('workspace', r.workspace);
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries({ project, user, api_key: apiKey, machine, source: r.source })) if (v !== null) tags[k] = v;
      return [
        c.cost,
        r.provider,
        provider,
        'USD',
        focusInstant(monthStart),
        focusInstant(monthEnd),
        'Usage',
        null,
        `${c.requests} requests to ${r.model}: ${c.input} input, ${c.output} output, ${c.cacheWrite} cache-write, ${c.cacheRead} cache-read tokens`,
        'Usage-Based',
        focusInstant(c.hour),
        focusInstant(c.hour + HOUR_MS),
        tokens,
        'Tokens',
        c.cost,
        unitPrice,
        c.cost,
        provider,
        c.cost,
        unitPrice,
        'Standard',
        tokens,
        'Tokens',
        provider,
        provider,
        null,
        null,
        r.model,
        r.model,
        'Model',
        'AI and Machine Learning',
        'Generative AI',
        `${provider} API`,
        `${r.provider}/${r.model}`,
        null,
        workspace,
        workspace,
        tags,
        project,
        user,
        apiKey,
        machine,
        r.source,
        r.cost_source,
        c.input,
        c.output,
        c.cacheWrite,
        c.cacheRead,
        c.requests,
        c.records,
      ];
    }),
  };
}
