import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../lib/export/csv.ts';
import { FOCUS_COLUMNS, focusMetadata, focusTable, kindRates } from '../../../lib/export/focus.ts';
import { createAnonymizer, pseudonym } from '../../../lib/usage/anonymize.ts';
import { builtInPriceTable } from '../../../lib/usage/pricing/built-in-table.ts';
import { costOf, createPricer } from '../../../lib/usage/pricing/price.ts';
import { makeRecord, type UsageRecord } from '../../../lib/usage/record.ts';
import { checkHeader, checkRows, readCsv } from '../../support/focus-conformance.ts';

const pricer = createPricer();
const LIST = builtInPriceTable.version;
const noAnon = createAnonymizer('', []);

const claude = { source: 'claude-code', provider: 'anthropic', model: 'claude-sonnet-4-5', project: 'web', user: 'alice', machine: 'mbp' };

/** Priced, reported and unpriced usage, and a reported cost that joined no tokens. */
const records: UsageRecord[] = [
  // Priced: input, output and cache read, in one hour.
  makeRecord({
    ...claude,
    id: 'priced-0001',
    ts: '2026-01-31T13:05:00.000Z',
    input_tokens: 100,
    output_tokens: 50,
    cache_read_tokens: 1000,
    cost_usd: 0.00135,
    cost_source: 'priced',
  }),
  // Priced: 30 five-minute and 10 one-hour cache-write tokens.
  makeRecord({
    ...claude,
    id: 'priced-0002',
    ts: '2026-01-31T13:20:00.000Z',
    cache_creation_tokens: 40,
    cache_creation_1h_tokens: 10,
    cost_source: 'priced',
  }),
  // Priced above 200k input tokens: the whole request at the long-context rates.
  makeRecord({
    ...claude,
    id: 'priced-0003',
    ts: '2026-01-31T14:10:00.000Z',
    input_tokens: 250_000,
    output_tokens: 1000,
    cost_source: 'priced',
  }),
  // Priced at OpenAI's flex tier (cache read has a flex rate too).
  makeRecord({
    id: 'priced-0004',
    ts: '2026-01-31T14:30:00.000Z',
    source: 'openai',
    provider: 'openai',
    model: 'gpt-5',
    project: 'proj_abc',
    api_key: 'key_1',
    service_tier: 'flex',
    input_tokens: 1000,
    output_tokens: 500,
    cache_read_tokens: 2000,
    bucket_seconds: 60,
    cost_source: 'priced',
  }),
  // Reported by the source (an old Claude Code cost estimate): split over the kinds by list cost.
  makeRecord({
    ...claude,
    id: 'report-0001',
    ts: '2026-01-31T15:00:00.000Z',
    input_tokens: 10,
    output_tokens: 5,
    cache_creation_tokens: 40,
    cost_usd: 0.5,
    cost_source: 'reported',
  }),
  // Reported by Anthropic's cost API for a workspace.
  makeRecord({
    id: 'report-0002',
    ts: '2026-01-31T15:00:00.000Z',
    source: 'anthropic',
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    project: 'wrkspc_01',
    workspace: 'wrkspc_01',
    api_key: 'apikey_9',
    input_tokens: 2000,
    output_tokens: 400,
    bucket_seconds: 3600,
    cost_usd: 0.004,
    cost_source: 'reported',
  }),
  // Reported cost that joined no usage (OpenAI line item): a token-less record of a whole day.
  makeRecord({
    id: 'report-0003',
    ts: '2026-02-01T00:00:00.000Z',
    source: 'openai',
    provider: 'openai',
    model: 'web-search',
    project: 'proj_abc',
    requests: 0,
    bucket_seconds: 86_400,
    cost_usd: 2,
    cost_source: 'reported',
  }),
  // Unpriced: a model the price table does not know.
  makeRecord({
    ...claude,
    id: 'unpriced-01',
    ts: '2026-02-01T00:10:00.000Z',
    provider: 'acme',
    model: 'mystery-1',
    input_tokens: 3,
    output_tokens: 7_000_000,
  }),
  // Anthropic's Default Workspace (null workspace_id), priced.
  makeRecord({
    id: 'priced-0005',
    ts: '2026-02-01T01:00:00.000Z',
    source: 'anthropic',
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    input_tokens: 1_000_000,
    bucket_seconds: 60,
    cost_source: 'priced',
  }),
];

const table = focusTable(records, noAnon, pricer);
const csv = toCsv(table);
const { header, rows } = readCsv(csv);
/** The row of a cost source and SKU at one price tier (rows without a SKU price match any tier). */
const one = (source: string, sku: string, tier = 'standard') => {
  const found = rows.filter(
    (r) => r.x_CostSource === source && r.SkuId === sku && (r.SkuPriceId === '' || r.SkuPriceId === `${sku}/${tier}@${LIST}`),
  );
  expect(found, `${source} ${sku} ${tier}`).toHaveLength(1);
  return found[0]!;
};

describe('FOCUS 1.2 conformance (tests/support/focus-conformance.ts: the spec constraints, encoded by hand)', () => {
  it('has every mandatory and applicable column, FOCUS ids first, custom ones x_-prefixed', () => {
    expect(checkHeader(header)).toEqual([]);
    expect(header).toEqual(FOCUS_COLUMNS.map((c) => c.name));
    // The column the issue found missing, and metadata-worthy ones.
    for (const c of ['SkuMeter', 'SkuPriceDetails', 'SkuPriceId', 'InvoiceId', 'BillingAccountType']) expect(header).toContain(c);
  });

  it('has priced, reported and unpriced usage and a reported adjustment in the export under test', () => {
    expect(new Set(rows.map((r) => r.x_CostSource))).toEqual(new Set(['priced', 'reported', 'unpriced']));
    expect(rows.filter((r) => r.ChargeCategory === 'Adjustment')).toHaveLength(1);
  });

  it('priced and reported rows violate no constraint', () => {
    const known = rows.filter((r) => r.x_CostSource !== 'unpriced');
    expect(known.length).toBeGreaterThan(10);
    expect(checkRows(known)).toEqual([]);
  });

  it('unpriced rows break exactly the rules a cost nobody knows must break (null, never 0), and no other', () => {
    const unpriced = rows.filter((r) => r.x_CostSource === 'unpriced');
    expect(unpriced).toHaveLength(2);
    const broken = new Set(checkRows(unpriced).map((v) => `${v.column}: ${v.rule}`));
    // The four cost columns are non-nullable and 0 is a forbidden placeholder (attributes/null_handling.md):
    // the unknown is written as null and flagged by x_CostSource. With no price, no SKU price either.
    expect(broken).toEqual(
      new Set([
        'BilledCost: MUST NOT be null',
        'ContractedCost: MUST NOT be null',
        'EffectiveCost: MUST NOT be null',
        'ListCost: MUST NOT be null',
        'ListUnitPrice: MUST NOT be null on a Usage/Purchase row',
        'SkuPriceId: MUST NOT be null on a Usage/Purchase row',
      ]),
    );
    for (const r of unpriced) {
      for (const c of ['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'ListUnitPrice', 'SkuPriceId', 'SkuPriceDetails'])
        expect(r[c]).toBe('');
    }
  });

  it('writes no number with an exponent (4.18e-7 is not FOCUS NumericFormat)', () => {
    expect(csv).not.toMatch(/\d[eE][-+]?\d/);
    // 3 tokens at a per-million unit: a small quantity, written out.
    expect(one('unpriced', 'acme/mystery-1/input').PricingQuantity).toBe('0.000003');
  });

  it('flags the rule checker itself: a lowercase exponent, a zero placeholder and a wrong product are caught', () => {
    const good = one('priced', 'anthropic/claude-sonnet-4-5/input');
    expect(checkRows([{ ...good, ListCost: '3e-4' }]).map((v) => v.rule)).toContain('not NumericFormat: 3e-4');
    expect(checkRows([{ ...good, SkuPriceId: '' }]).map((v) => v.column)).toEqual(['SkuPriceId', 'SkuPriceDetails']);
    expect(checkRows([{ ...good, ListCost: '0.0004' }]).map((v) => v.column)).toEqual(['ListCost']);
    expect(checkRows([{ ...good, ChargePeriodEnd: good.ChargePeriodStart! }]).map((v) => v.column)).toEqual(['ChargePeriodEnd']);
  });
});

describe('FOCUS rows', () => {
  it('price each token kind at its published per-million list price (hand-computed)', () => {
    const input = one('priced', 'anthropic/claude-sonnet-4-5/input');
    expect(input).toMatchObject({
      ChargeCategory: 'Usage',
      ChargeClass: '',
      ChargeFrequency: 'Usage-Based',
      ChargePeriodStart: '2026-01-31T13:00:00Z',
      ChargePeriodEnd: '2026-01-31T14:00:00Z',
      BillingPeriodStart: '2026-01-01T00:00:00Z',
      BillingPeriodEnd: '2026-02-01T00:00:00Z',
      ConsumedQuantity: '100',
      ConsumedUnit: 'Tokens',
      PricingQuantity: '0.0001',
      PricingUnit: '1000000 Tokens',
      PricingCategory: 'Standard',
      ListUnitPrice: '3',
      SkuMeter: 'Input Tokens',
      SkuPriceId: `anthropic/claude-sonnet-4-5/input/standard@${LIST}`,
      SkuPriceDetails: JSON.stringify({ x_TokenKind: 'input', x_PriceTier: 'standard', x_PriceList: LIST }),
      ServiceCategory: 'AI and Machine Learning',
      ServiceSubcategory: 'Generative AI',
      ServiceName: 'Anthropic API',
      ProviderName: 'Anthropic',
      PublisherName: 'Anthropic',
      InvoiceIssuerName: 'Anthropic',
      BillingCurrency: 'USD',
      ResourceId: '',
      x_Model: 'claude-sonnet-4-5',
      x_TokenKind: 'input',
    });
    expect(Number(input.ListCost)).toBeCloseTo(0.0003, 15);
    expect(Number(input.BilledCost)).toBeCloseTo(0.0003, 15);
    expect(Number(one('priced', 'anthropic/claude-sonnet-4-5/output').BilledCost)).toBeCloseTo(50 * 15e-6, 15);
    expect(Number(one('priced', 'anthropic/claude-sonnet-4-5/cache-read').BilledCost)).toBeCloseTo(1000 * 0.3e-6, 15);
    // 40 cache-write tokens, 10 of them with the 1-hour TTL: 30 × $3.75 and 10 × $6 per million.
    expect(one('priced', 'anthropic/claude-sonnet-4-5/cache-write-5m')).toMatchObject({
      ConsumedQuantity: '30',
      ListUnitPrice: '3.75',
      SkuMeter: 'Cache Write Tokens (5 Minutes)',
    });
    expect(Number(one('priced', 'anthropic/claude-sonnet-4-5/cache-write-5m').BilledCost)).toBeCloseTo(30 * 3.75e-6, 15);
    expect(one('priced', 'anthropic/claude-sonnet-4-5/cache-write-1h')).toMatchObject({ ConsumedQuantity: '10', ListUnitPrice: '6' });
  });

  it('give the long-context and service-tier prices SKU prices of their own', () => {
    // The same SKU (model × kind), another SKU price: $6 and $22.5 instead of $3 and $15 per million.
    expect(one('priced', 'anthropic/claude-sonnet-4-5/input', 'long-context')).toMatchObject({
      ListUnitPrice: '6',
      ConsumedQuantity: '250000',
      PricingQuantity: '0.25',
      BilledCost: '1.5',
      SkuPriceDetails: JSON.stringify({ x_TokenKind: 'input', x_PriceTier: 'long-context', x_PriceList: LIST }),
    });
    expect(one('priced', 'anthropic/claude-sonnet-4-5/output', 'long-context')).toMatchObject({
      ListUnitPrice: '22.5',
      BilledCost: '0.0225',
    });
    // gpt-5 flex: $0.625 input, $5 output, $0.0625 cache read per million.
    expect(one('priced', 'openai/gpt-5/input', 'flex')).toMatchObject({
      ListUnitPrice: '0.625',
      SkuPriceId: `openai/gpt-5/input/flex@${LIST}`,
      BillingAccountId: 'proj_abc',
      BillingAccountType: 'Project',
      SubAccountId: 'key_1',
      SubAccountType: 'API Key',
    });
    expect(Number(one('priced', 'openai/gpt-5/cache-read', 'flex').BilledCost)).toBeCloseTo(2000 * 0.0625e-6, 15);
    expect(Number(one('priced', 'openai/gpt-5/output', 'flex').BilledCost)).toBeCloseTo(500 * 5e-6, 15);
  });

  it('split a reported cost over the kinds by list cost, keeping the published list prices', () => {
    // Weights: 10 × $3, 5 × $15, 40 × $3.75 per million = 30 : 75 : 150 of 255.
    const input = one('reported', 'anthropic/claude-sonnet-4-5/input');
    expect(Number(input.BilledCost)).toBeCloseTo(0.5 * (30 / 255), 15);
    expect(Number(input.ListCost)).toBeCloseTo(30e-6, 15);
    expect(Number(input.EffectiveCost)).toBe(Number(input.BilledCost));
    expect(Number(input.ContractedCost)).toBe(Number(input.BilledCost));
    expect(Number(one('reported', 'anthropic/claude-sonnet-4-5/output').BilledCost)).toBeCloseTo(0.5 * (75 / 255), 15);
    expect(Number(one('reported', 'anthropic/claude-sonnet-4-5/cache-write-5m').BilledCost)).toBeCloseTo(0.5 * (150 / 255), 15);
    // The workspace is the account Anthropic's API reports.
    expect(one('reported', 'anthropic/claude-haiku-4-5/input')).toMatchObject({
      BillingAccountId: 'wrkspc_01',
      BillingAccountType: 'Workspace',
      SubAccountId: 'apikey_9',
    });
  });

  it('write a reported cost with no tokens as an Adjustment of its day, billed in full', () => {
    const adj = rows.find((r) => r.ChargeCategory === 'Adjustment')!;
    expect(adj).toMatchObject({
      BilledCost: '2',
      ListCost: '2',
      EffectiveCost: '2',
      ConsumedQuantity: '',
      PricingQuantity: '',
      PricingUnit: '',
      SkuId: '',
      ChargePeriodStart: '2026-02-01T00:00:00Z',
      ChargePeriodEnd: '2026-02-02T00:00:00Z',
      BillingAccountId: 'proj_abc',
      x_CostSource: 'reported',
    });
  });

  it('keep unpriced usage with its quantities and null costs, never 0', () => {
    const out = one('unpriced', 'acme/mystery-1/output');
    expect(out).toMatchObject({
      ConsumedQuantity: '7000000',
      PricingQuantity: '7',
      PricingUnit: '1000000 Tokens',
      BilledCost: '',
      ProviderName: 'acme',
      BillingAccountId: 'alice',
      BillingAccountType: 'User',
    });
  });

  it('bill Anthropic usage with no workspace to the Default Workspace', () => {
    expect(one('priced', 'anthropic/claude-haiku-4-5/input')).toMatchObject({
      BillingAccountId: 'default-workspace',
      BillingAccountName: 'Default Workspace',
      BilledCost: '1',
    });
  });

  it('add up to the records: costs as analytics prices them, tokens exactly', () => {
    const costOfRecord = (r: UsageRecord) => (r.cost_source === 'reported' ? r.cost_usd! : (pricer.price(r) ?? 0));
    const expected = records.reduce((a, r) => a + costOfRecord(r), 0);
    expect(rows.reduce((a, r) => a + Number(r.BilledCost), 0)).toBeCloseTo(expected, 12);
    const tokens = records.reduce((a, r) => a + r.input_tokens + r.output_tokens + r.cache_creation_tokens + r.cache_read_tokens, 0);
    expect(rows.reduce((a, r) => a + Number(r.ConsumedQuantity), 0)).toBe(tokens);
  });

  it('put pseudonyms in the account, tag and custom columns when anonymising', () => {
    const key = 'k'.repeat(32);
    const anon = createAnonymizer(key, ['user', 'project', 'workspace', 'api_key', 'machine']);
    const text = toCsv(focusTable(records, anon, pricer));
    // (The model "web-search" is not a label.)
    expect(text).not.toMatch(/alice|mbp|wrkspc_01|proj_abc|key_1|apikey_9|,web,|""web""/);
    expect(csv).toMatch(/,web,/);
    const out = readCsv(text).rows;
    const alice = pseudonym(key, 'user', 'alice');
    expect(out.find((r) => r.x_CostSource === 'unpriced')).toMatchObject({ BillingAccountId: alice, x_User: alice });
    expect(JSON.parse(out[0]!.Tags!)).toHaveProperty('tokenlake/source');
    expect(text).toContain(pseudonym(key, 'workspace', 'wrkspc_01'));
  });
});

describe('kindRates', () => {
  const models = [
    'claude-sonnet-4-5',
    'claude-opus-4-1',
    'claude-haiku-4-5',
    'claude-3-haiku-20240307',
    'gpt-5',
    'gpt-4.1',
    'o4-mini',
    'gpt-4o-2024-05-13',
  ];
  const arbitraryRecord = fc
    .record({
      model: fc.constantFrom(...models),
      input: fc.nat(400_000),
      output: fc.nat(50_000),
      write: fc.nat(50_000),
      write1h: fc.nat(60_000),
      read: fc.nat(300_000),
      requests: fc.integer({ min: 0, max: 3 }),
      bucket: fc.constantFrom(null, 60, 3600),
      tier: fc.constantFrom(null, 'standard', 'flex', 'priority', 'batch'),
    })
    .map((x) =>
      makeRecord({
        id: 'prop-00000001',
        ts: '2026-03-01T10:00:00.000Z',
        source: 'demo',
        provider: x.model.startsWith('claude') ? 'anthropic' : 'openai',
        model: x.model,
        input_tokens: x.input,
        output_tokens: x.output,
        cache_creation_tokens: x.write,
        cache_creation_1h_tokens: x.write1h,
        cache_read_tokens: x.read,
        requests: x.requests,
        bucket_seconds: x.bucket,
        service_tier: x.tier,
      }),
    );

  it('price the kinds so they add up to costOf, the billing rules analytics uses', () => {
    fc.assert(
      fc.property(arbitraryRecord, (r) => {
        const p = builtInPriceTable.models[r.model]!;
        const rates = kindRates(r, p);
        const cache1h = Math.min(r.cache_creation_1h_tokens, r.cache_creation_tokens);
        const sum =
          (rates.input.rate * r.input_tokens +
            rates.output.rate * r.output_tokens +
            rates.cache_write_5m.rate * (r.cache_creation_tokens - cache1h) +
            rates.cache_write_1h.rate * cache1h +
            rates.cache_read.rate * r.cache_read_tokens) /
          1e6;
        const expected = costOf(r, p);
        expect(Math.abs(sum - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, expected));
      }),
      { numRuns: 300 },
    );
  });
});

describe('focusMetadata', () => {
  const meta = focusMetadata();

  it('names FOCUS 1.2, the generator and a column definition for every column of the export', () => {
    expect(meta).toMatchObject({ FocusVersion: '1.2', DataGenerator: 'tokenlake', DataGeneratorVersion: '2.0.0' });
    expect(meta.CreationDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(meta.ColumnDefinition.map((c) => c.ColumnName)).toEqual(header);
    const typeOf = Object.fromEntries(meta.ColumnDefinition.map((c) => [c.ColumnName, c.DataType]));
    expect(typeOf).toMatchObject({
      BilledCost: 'DECIMAL',
      PricingQuantity: 'DECIMAL',
      ChargePeriodStart: 'DATETIME',
      Tags: 'JSON',
      SkuPriceDetails: 'JSON',
      SkuId: 'STRING',
    });
    // metadata/schema/column_definition/providertagprefixes.md: required for Tags.
    expect(meta.ColumnDefinition.find((c) => c.ColumnName === 'Tags')?.ProviderTagPrefixes).toEqual(['tokenlake/']);
    expect(Object.keys(JSON.parse(one('priced', 'anthropic/claude-sonnet-4-5/input').Tags!)).every((k) => k.startsWith('tokenlake/'))).toBe(
      true,
    );
  });

  it('has a schema id that changes with the schema (pinned: a column change must bump CreationDate and this id)', () => {
    expect(meta.SchemaId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(meta.SchemaId).toBe('01744596-4a11-70e7-b096-ba30cf377192');
  });
});
