import { describe, expect, it } from 'vitest';
import { createAnonymizer, pseudonym } from '../../../lib/export/anonymize.ts';
import { toCsv } from '../../../lib/export/csv.ts';
import { FOCUS_COLUMNS, focusTable } from '../../../lib/export/focus.ts';
import { rowObject } from '../../../lib/export/table.ts';
import { makeRecord } from '../../../lib/record.ts';

const base = {
  source: 'demo',
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  project: 'web',
  user: 'alice',
  cost_source: 'priced' as const,
};
const records = [
  makeRecord({
    ...base,
    id: 'r-00000001',
    ts: '2026-01-31T13:05:00.000Z',
    input_tokens: 100,
    output_tokens: 50,
    cache_read_tokens: 1000,
    cost_usd: 0.25,
  }),
  makeRecord({
    ...base,
    id: 'r-00000002',
    ts: '2026-01-31T13:55:00.000Z',
    input_tokens: 10,
    output_tokens: 5,
    cache_creation_tokens: 40,
    cost_usd: 0.5,
  }),
  // Next hour: a charge of its own, and the next month's billing period.
  makeRecord({ ...base, id: 'r-00000003', ts: '2026-01-31T23:59:59.999Z', input_tokens: 1, cost_usd: 1 }),
  makeRecord({ ...base, id: 'r-00000004', ts: '2026-02-01T00:00:00.000Z', user: 'bob', output_tokens: 7, cost_usd: 2 }),
  makeRecord({
    ...base,
    id: 'r-00000005',
    ts: '2026-02-01T00:10:00.000Z',
    provider: 'acme',
    model: 'mystery-1',
    input_tokens: 3,
    cost_usd: null,
    cost_source: 'unpriced',
  }),
];

const noAnon = createAnonymizer('', []);

describe('focusTable', () => {
  const table = focusTable(records, noAnon);
  const rows = table.rows.map((r) => rowObject(table.columns, r));

  it('has the FOCUS 1.2 columns this export fills, custom ones prefixed x_', () => {
    const names = FOCUS_COLUMNS.map((c) => c.name);
    for (const required of [
      'BilledCost',
      'EffectiveCost',
      'ListCost',
      'ContractedCost',
      'ChargePeriodStart',
      'ChargePeriodEnd',
      'BillingPeriodStart',
      'BillingPeriodEnd',
      'BillingCurrency',
      'ServiceName',
      'ServiceCategory',
      'ProviderName',
      'PublisherName',
      'InvoiceIssuerName',
      'ResourceId',
      'ConsumedQuantity',
      'ConsumedUnit',
      'ChargeCategory',
      'ChargeFrequency',
      'PricingQuantity',
      'PricingUnit',
    ]) {
      expect(names).toContain(required);
    }
    expect(names.filter((n) => !/^[A-Z]/.test(n)).every((n) => n.startsWith('x_'))).toBe(true);
  });

  it('makes one hourly Usage charge per group, costs and tokens summed', () => {
    expect(rows).toHaveLength(4);
    const first = rows[0]!;
    expect(first).toMatchObject({
      BilledCost: 0.75,
      EffectiveCost: 0.75,
      ListCost: 0.75,
      BillingCurrency: 'USD',
      ChargeCategory: 'Usage',
      ChargeFrequency: 'Usage-Based',
      ChargePeriodStart: '2026-01-31T13:00:00Z',
      ChargePeriodEnd: '2026-01-31T14:00:00Z',
      BillingPeriodStart: '2026-01-01T00:00:00Z',
      BillingPeriodEnd: '2026-02-01T00:00:00Z',
      ConsumedQuantity: 1205,
      ConsumedUnit: 'Tokens',
      ServiceCategory: 'AI and Machine Learning',
      ServiceName: 'Anthropic API',
      ProviderName: 'Anthropic',
      PublisherName: 'Anthropic',
      ResourceId: 'claude-sonnet-4-5',
      x_Project: 'web',
      x_User: 'alice',
      x_InputTokens: 110,
      x_OutputTokens: 55,
      x_CacheCreationTokens: 40,
      x_CacheReadTokens: 1000,
      x_Requests: 2,
      x_Records: 2,
      x_CostSource: 'priced',
    });
    expect(first.ListUnitPrice).toBeCloseTo(0.75 / 1205, 15);
    expect(rows[2]).toMatchObject({ ChargePeriodStart: '2026-02-01T00:00:00Z', BillingPeriodStart: '2026-02-01T00:00:00Z', x_User: 'bob' });
  });

  it('bills unpriced usage at 0 and says so', () => {
    expect(rows[3]).toMatchObject({ BilledCost: 0, x_CostSource: 'unpriced', ProviderName: 'acme', ConsumedQuantity: 3 });
  });

  it('sums BilledCost to the records cost', () => {
    expect(rows.reduce((a, r) => a + (r.BilledCost as number), 0)).toBeCloseTo(3.75, 12);
  });

  it('puts pseudonyms in the custom columns and the tags when anonymising', () => {
    const anon = createAnonymizer('k'.repeat(32), ['user', 'project']);
    const csv = toCsv(focusTable(records, anon));
    expect(csv).not.toMatch(/alice|bob|\bweb\b/);
    expect(csv).toContain(pseudonym('k'.repeat(32), 'user', 'alice'));
    expect(csv).toContain(pseudonym('k'.repeat(32), 'project', 'web'));
  });
});
