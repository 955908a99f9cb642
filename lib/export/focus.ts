// FOCUS export: usage as FinOps Open Cost and Usage Specification 1.2 charge rows, so FinOps tools
// ingest LLM spend next to cloud bills. A SKU is a model × token kind (input, output, cache write
// 5 m / 1 h, cache read) priced per 1,000,000 tokens from the price table in force at the record's
// time. One row per UTC hour × labels × SKU price × cost source. Owns the mapping, not the prices
// (lib/usage/pricing) nor the CSV encoding (csv.ts). Spec references: FOCUS_Spec v1.2, specification/.

import { createHash } from 'node:crypto';
import type { Anonymizer } from '../usage/anonymize.ts';
import type { Pricer } from '../usage/pricing/price.ts';
import type { ModelPrice } from '../usage/pricing/price-table.ts';
import type { UsageRecord } from '../usage/record.ts';
import type { CellValue, ColumnSpec, ExportTable } from './table.ts';

export const FOCUS_VERSION = '1.2';
/** metadata/data_generator: who generated the dataset. */
const FOCUS_DATA_GENERATOR = 'tokenlake';
/** Bumped when the mapping below changes what a row means (metadata/schema/datageneratorversion.md). */
const FOCUS_DATA_GENERATOR_VERSION = '2.0.0';
/** When this column set was defined (metadata/schema/creationdate.md); bump with the columns. */
const FOCUS_SCHEMA_CREATED = '2026-11-29T00:00:00Z';

/** Provider-defined tag keys carry this prefix (columns/tags.md); listed in the metadata. */
const FOCUS_TAG_PREFIX = 'tokenlake/';

/** FOCUS data types (metadata/schema/column_definition/datatype.md, attributes/*_format.md). */
type FocusDataType = 'STRING' | 'DECIMAL' | 'DATETIME' | 'JSON';

interface FocusColumn extends ColumnSpec {
  focusType: FocusDataType;
}

const column = (name: string, focusType: FocusDataType): FocusColumn => ({
  name,
  focusType,
  type: focusType === 'DECIMAL' ? 'double' : focusType === 'DATETIME' ? 'timestamp' : focusType === 'JSON' ? 'json' : 'string',
});

/**
 * FOCUS columns first, alphabetically, then the x_ custom ones (attributes/column_handling.md).
 * ContractedUnitPrice is absent on purpose: tokenlake knows no negotiated prices, and a present
 * column would need a value on every Usage row; ContractedCost then equals BilledCost.
 */
const COLUMNS: FocusColumn[] = [
  column('BilledCost', 'DECIMAL'),
  column('BillingAccountId', 'STRING'),
  column('BillingAccountName', 'STRING'),
  column('BillingAccountType', 'STRING'),
  column('BillingCurrency', 'STRING'),
  column('BillingPeriodEnd', 'DATETIME'),
  column('BillingPeriodStart', 'DATETIME'),
  column('ChargeCategory', 'STRING'),
  column('ChargeClass', 'STRING'),
  column('ChargeDescription', 'STRING'),
  column('ChargeFrequency', 'STRING'),
  column('ChargePeriodEnd', 'DATETIME'),
  column('ChargePeriodStart', 'DATETIME'),
  column('ConsumedQuantity', 'DECIMAL'),
  column('ConsumedUnit', 'STRING'),
  column('ContractedCost', 'DECIMAL'),
  column('EffectiveCost', 'DECIMAL'),
  column('InvoiceId', 'STRING'),
  column('InvoiceIssuerName', 'STRING'),
  column('ListCost', 'DECIMAL'),
  column('ListUnitPrice', 'DECIMAL'),
  column('PricingCategory', 'STRING'),
  column('PricingQuantity', 'DECIMAL'),
  column('PricingUnit', 'STRING'),
  column('ProviderName', 'STRING'),
  column('PublisherName', 'STRING'),
  column('RegionId', 'STRING'),
  column('RegionName', 'STRING'),
  column('ResourceId', 'STRING'),
  column('ResourceName', 'STRING'),
  column('ResourceType', 'STRING'),
  column('ServiceCategory', 'STRING'),
  column('ServiceName', 'STRING'),
  column('ServiceSubcategory', 'STRING'),
  column('SkuId', 'STRING'),
  column('SkuMeter', 'STRING'),
  column('SkuPriceDetails', 'JSON'),
  column('SkuPriceId', 'STRING'),
  column('SubAccountId', 'STRING'),
  column('SubAccountName', 'STRING'),
  column('SubAccountType', 'STRING'),
  column('Tags', 'JSON'),
  column('x_CostSource', 'STRING'),
  column('x_Model', 'STRING'),
  column('x_TokenKind', 'STRING'),
  column('x_Source', 'STRING'),
  column('x_Project', 'STRING'),
  column('x_User', 'STRING'),
  column('x_Machine', 'STRING'),
  column('x_ApiKey', 'STRING'),
  column('x_Workspace', 'STRING'),
];

export const FOCUS_COLUMNS: ColumnSpec[] = COLUMNS.map(({ name, type }) => ({ name, type }));
const BILLED_COST = COLUMNS.findIndex((c) => c.name === 'BilledCost');

// ── vocabulary ───────────────────────────────────────────────────────────────────────────────

type TokenKind = 'input' | 'output' | 'cache_write_5m' | 'cache_write_1h' | 'cache_read';

/** Token kinds in row order, with the SKU id part and the SkuMeter (columns/skumeter.md). */
const KINDS: ReadonlyArray<{ kind: TokenKind; slug: string; meter: string }> = [
  { kind: 'input', slug: 'input', meter: 'Input Tokens' },
  { kind: 'output', slug: 'output', meter: 'Output Tokens' },
  { kind: 'cache_write_5m', slug: 'cache-write-5m', meter: 'Cache Write Tokens (5 Minutes)' },
  { kind: 'cache_write_1h', slug: 'cache-write-1h', meter: 'Cache Write Tokens (1 Hour)' },
  { kind: 'cache_read', slug: 'cache-read', meter: 'Cache Read Tokens' },
];

/**
 * Prices are published per million tokens; attributes/unit_format.md allows a unit quantity only
 * as a whole number, hence "1000000 Tokens" rather than "1M Tokens".
 */
const PRICING_UNIT = '1000000 Tokens';
const TOKENS_PER_PRICING_UNIT = 1_000_000;

const PROVIDER_NAMES: Record<string, string> = {
  anthropic: 'Anthropic',
  openai: 'OpenAI',
  google: 'Google',
  mistral: 'Mistral AI',
  bedrock: 'Amazon Web Services',
  azure: 'Microsoft',
};
const SERVICE_NAMES: Record<string, string> = { bedrock: 'Amazon Bedrock', azure: 'Azure OpenAI' };

function providerDisplayName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

/**
 * The lake label that holds a provider-API source's own account construct (columns/billingaccountid.md:
 * the real account when the source knows it), and what it is called when the API reports none.
 * A source absent here (agent logs) is billed to the user, else the machine, that ran it.
 */
const SOURCE_ACCOUNTS: Record<string, { label: 'workspace' | 'project'; type: string; unset: { id: string; name: string } }> = {
  // Anthropic's Admin API reports the Default Workspace as a null workspace_id.
  anthropic: { label: 'workspace', type: 'Workspace', unset: { id: 'default-workspace', name: 'Default Workspace' } },
  openai: { label: 'project', type: 'Project', unset: { id: 'default-project', name: 'Default project' } },
};

interface Account {
  id: string;
  name: string;
  type: string;
}

function billingAccount(r: UsageRecord, anon: Anonymizer): Account {
  const own = SOURCE_ACCOUNTS[r.source];
  if (own) {
    const value = anon.label(own.label, r[own.label]);
    return value === null ? { ...own.unset, type: own.type } : { id: value, name: value, type: own.type };
  }
  const user = anon.label('user', r.user);
  if (user !== null) return { id: user, name: user, type: 'User' };
  const machine = anon.label('machine', r.machine);
  if (machine !== null) return { id: machine, name: machine, type: 'Machine' };
  return { id: r.source, name: r.source, type: 'Source' };
}

// ── prices ───────────────────────────────────────────────────────────────────────────────────

/** Where a kind's rate came from: the base price, the long-context tier, or a service tier. */
interface KindRate {
  /** USD per PRICING_UNIT. */
  rate: number;
  tier: string;
}

/** lib/usage/pricing/price.ts decides the long-context tier at this many input tokens per request. */
const LONG_CONTEXT_THRESHOLD = 200_000;

/**
 * The published rate that prices each token kind of one record, by the billing rules of
 * lib/usage/pricing/price.ts `costOf` (tests/lib/export/focus.test.ts holds the two equal): the whole
 * request at the long-context rates above 200k input tokens; a service tier replaces input, output
 * and (when it has one) cache-read rates; cache writes default to input rates when unpublished.
 */
export function kindRates(usage: UsageRecord, p: ModelPrice): Record<TokenKind, KindRate> {
  const totalInput = usage.input_tokens + usage.cache_creation_tokens + usage.cache_read_tokens;
  const l = p.above_200k;
  if (l && usage.bucket_seconds === null && usage.requests <= 1 && totalInput > LONG_CONTEXT_THRESHOLD) {
    const tier = 'long-context';
    return {
      input: { rate: l.input, tier },
      output: { rate: l.output, tier },
      cache_write_5m: { rate: l.cache_write_5m ?? l.input * 1.25, tier },
      cache_write_1h: { rate: l.cache_write_1h ?? l.input * 2, tier },
      cache_read: { rate: l.cache_read ?? l.input * 0.1, tier },
    };
  }
  const standard = 'standard';
  const rates: Record<TokenKind, KindRate> = {
    input: { rate: p.input, tier: standard },
    output: { rate: p.output, tier: standard },
    cache_write_5m: { rate: p.cache_write_5m ?? p.input, tier: standard },
    cache_write_1h: { rate: p.cache_write_1h ?? p.cache_write_5m ?? p.input, tier: standard },
    cache_read: { rate: p.cache_read ?? p.input, tier: standard },
  };
  const t = usage.service_tier ? p.tiers?.[usage.service_tier] : undefined;
  if (usage.service_tier && t) {
    rates.input = { rate: t.input, tier: usage.service_tier };
    rates.output = { rate: t.output, tier: usage.service_tier };
    if (t.cache_read !== undefined) rates.cache_read = { rate: t.cache_read, tier: usage.service_tier };
  }
  return rates;
}

function kindTokens(r: UsageRecord): Record<TokenKind, number> {
  const cache1h = Math.min(r.cache_creation_1h_tokens, r.cache_creation_tokens);
  return {
    input: r.input_tokens,
    output: r.output_tokens,
    cache_write_5m: r.cache_creation_tokens - cache1h,
    cache_write_1h: cache1h,
    cache_read: r.cache_read_tokens,
  };
}

// ── rows ─────────────────────────────────────────────────────────────────────────────────────

/** FOCUS date-times: ISO 8601 UTC to the second (attributes/datetime_format.md). */
function focusInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const HOUR_MS = 3_600_000;

type CostSource = 'reported' | 'priced' | 'unpriced';

interface Charge {
  start: number;
  end: number;
  r: UsageRecord;
  account: Account;
  costSource: CostSource;
  /** null: a reported cost that joined no tokens (an Adjustment row). */
  kind: (typeof KINDS)[number] | null;
  /** The SKU price, or null when the model has no published price. */
  price: { rate: number; tier: string; list: string } | null;
  tokens: number;
  /** Sum of the reported USD shares (reported rows only). */
  reported: number;
}

/**
 * Charges of the records (already limited to the period and deduplicated), oldest hour first.
 * The cost of a record is decided as the rollups decide it (lib/usage/rollup.ts): a reported cost wins,
 * else the price table in force at the record's time, else it is unpriced. A reported cost is
 * split over the record's token kinds in proportion to their list cost (tokens when unpriced).
 * Unpriced usage keeps its quantities, with null costs and prices: never 0 (attributes/null_handling.md
 * forbids 0 as a placeholder); see docs/focus.md for what that means for conformance.
 */
export function focusTable(records: readonly UsageRecord[], anon: Anonymizer, pricer: Pricer): ExportTable {
  const charges = new Map<string, Charge>();
  const add = (c: Omit<Charge, 'tokens' | 'reported'>, tokens: number, reported: number) => {
    const key = [
      c.start,
      c.end,
      c.r.source,
      c.r.provider,
      c.r.model,
      c.r.project,
      c.r.user,
      c.r.machine,
      c.r.api_key,
      c.r.workspace,
      c.costSource,
      c.kind?.kind ?? '-',
      c.price ? `${c.price.tier}\u0001${c.price.list}\u0001${c.price.rate}` : '-',
    ].join('\u0000');
    let charge = charges.get(key);
    if (!charge) {
      charge = { ...c, tokens: 0, reported: 0 };
      charges.set(key, charge);
    }
    charge.tokens += tokens;
    charge.reported += reported;
  };

  for (const r of records) {
    const t = Date.parse(r.ts);
    const start = Math.floor(t / HOUR_MS) * HOUR_MS;
    // A provider bucket longer than the hour (a day of reported cost) keeps its own end; shorter
    // ones (minutes, an hour) lie within their hour.
    const bucketMs = (r.bucket_seconds ?? 0) * 1000;
    const end = bucketMs > HOUR_MS ? Math.max(start + HOUR_MS, t + bucketMs) : start + HOUR_MS;
    const account = billingAccount(r, anon);
    const p = pricer.lookup(r.model, r.ts);
    const costSource: CostSource = r.cost_source === 'reported' && r.cost_usd !== null ? 'reported' : p ? 'priced' : 'unpriced';
    const tokens = kindTokens(r);
    const rates = p ? kindRates(r, p) : null;
    const list = p ? pricer.versionAt(r.ts) : '';
    const kinds = KINDS.filter((k) => tokens[k.kind] > 0);
    if (kinds.length === 0) {
      if (costSource === 'reported') add({ start, end, r, account, costSource, kind: null, price: null }, 0, r.cost_usd ?? 0);
      continue;
    }
    // The weight of each kind in a reported cost: its list cost, or its tokens without a price.
    const weight = (k: TokenKind) => (rates ? rates[k].rate * tokens[k] : tokens[k]);
    let weights = kinds.map((k) => weight(k.kind));
    if (weights.every((w) => w === 0)) weights = kinds.map((k) => tokens[k.kind]);
    const totalWeight = weights.reduce((a, w) => a + w, 0);
    kinds.forEach((k, i) => {
      const rate = rates?.[k.kind];
      const share = costSource === 'reported' ? (r.cost_usd ?? 0) * ((weights[i] ?? 0) / totalWeight) : 0;
      add({ start, end, r, account, costSource, kind: k, price: rate ? { ...rate, list } : null }, tokens[k.kind], share);
    });
  }

  // Oldest hour first, then the largest cost (unknown costs last), then first seen.
  const list = [...charges.values()];
  const rows = list.map(chargeRow(anon));
  const order = list.map((c, i) => ({ start: c.start, cost: rows[i]![BILLED_COST] as number | null, i }));
  order.sort((a, b) => a.start - b.start || (b.cost ?? -1) - (a.cost ?? -1) || a.i - b.i);
  return { columns: FOCUS_COLUMNS, rows: order.map(({ i }) => rows[i]!) };
}

function chargeRow(anon: Anonymizer) {
  return (c: Charge): CellValue[] => {
    const { r, kind, price } = c;
    const provider = providerDisplayName(r.provider);
    const d = new Date(c.start);
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const labels = {
      project: anon.label('project', r.project),
      user: anon.label('user', r.user),
      api_key: anon.label('api_key', r.api_key),
      machine: anon.label('machine', r.machine),
      workspace: anon.label('workspace', r.workspace),
      source: r.source,
    };
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) if (v !== null) tags[`${FOCUS_TAG_PREFIX}${k}`] = v;

    const pricingQuantity = kind ? c.tokens / TOKENS_PER_PRICING_UNIT : null;
    const listUnitPrice = price ? price.rate : null;
    const listed = listUnitPrice !== null && pricingQuantity !== null ? listUnitPrice * pricingQuantity : null;
    // Priced: the list cost is what is billed. Reported: the provider's figure. Unpriced: unknown.
    const billed = c.costSource === 'reported' ? c.reported : c.costSource === 'priced' ? listed : null;
    // columns/listcost.md: without a unit price, ListCost of a charge matches its BilledCost.
    const listCost = listed ?? billed;
    const skuId = kind ? `${r.provider}/${r.model}/${kind.slug}` : null;
    const skuPriceId = skuId && price ? `${skuId}/${price.tier}@${price.list}` : null;
    const tierNote = price && price.tier !== 'standard' ? ` (${price.tier} price)` : '';
    const description = kind
      ? `${r.model}: ${kind.meter.toLowerCase()}${tierNote}${price ? '' : ' (no published price known)'}`
      : `${r.model}: reported cost with no token usage joined`;
    const apiKey = labels.api_key;
    return [
      billed,
      c.account.id,
      c.account.name,
      c.account.type,
      'USD',
      focusInstant(monthEnd),
      focusInstant(monthStart),
      kind ? 'Usage' : 'Adjustment',
      null,
      description,
      'Usage-Based',
      focusInstant(c.end),
      focusInstant(c.start),
      kind ? c.tokens : null,
      kind ? 'Tokens' : null,
      billed,
      billed,
      // No source reports an invoice id yet: null until one does (columns/invoiceid.md).
      null,
      provider,
      listCost,
      listUnitPrice,
      kind ? 'Standard' : null,
      pricingQuantity,
      kind ? PRICING_UNIT : null,
      provider,
      provider,
      null,
      null,
      // Tokens of a shared API are not a provisioned resource (columns/resourceid.md).
      null,
      null,
      null,
      'AI and Machine Learning',
      SERVICE_NAMES[r.provider] ?? `${provider} API`,
      'Generative AI',
      skuId,
      kind ? kind.meter : null,
      skuPriceId && price ? { x_TokenKind: kind!.kind, x_PriceTier: price.tier, x_PriceList: price.list } : null,
      skuPriceId,
      apiKey,
      apiKey,
      apiKey === null ? null : 'API Key',
      tags,
      c.costSource,
      r.model,
      kind?.kind ?? null,
      r.source,
      labels.project,
      labels.user,
      labels.machine,
      apiKey,
      labels.workspace,
    ];
  };
}

// ── metadata ─────────────────────────────────────────────────────────────────────────────────

interface FocusMetadata {
  DataGenerator: string;
  SchemaId: string;
  CreationDate: string;
  FocusVersion: string;
  DataGeneratorVersion: string;
  ColumnDefinition: Array<{ ColumnName: string; DataType: FocusDataType; StringEncoding?: 'UTF-8'; ProviderTagPrefixes?: string[] }>;
}

/**
 * The FOCUS metadata of this export (specification/metadata): data generator, schema id, FOCUS
 * version and column definitions. The schema id is derived from everything else, so a column
 * change yields a new id, as metadata/schema/schema.mdpp requires.
 */
export function focusMetadata(): FocusMetadata {
  const ColumnDefinition = COLUMNS.map((c) => ({
    ColumnName: c.name,
    DataType: c.focusType,
    ...(c.focusType === 'STRING' || c.focusType === 'JSON' ? { StringEncoding: 'UTF-8' as const } : {}),
    ...(c.name === 'Tags' ? { ProviderTagPrefixes: [FOCUS_TAG_PREFIX] } : {}),
  }));
  const body = {
    FocusVersion: FOCUS_VERSION,
    DataGeneratorVersion: FOCUS_DATA_GENERATOR_VERSION,
    CreationDate: FOCUS_SCHEMA_CREATED,
    ColumnDefinition,
  };
  const h = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  const SchemaId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return { DataGenerator: FOCUS_DATA_GENERATOR, SchemaId, ...body };
}
