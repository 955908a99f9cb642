import { describe, expect, it } from 'vitest';
import { computeReconciliation, reconciliationSchema } from '../../../lib/analytics/reconciliation.ts';
import { emptySums, type Rollup, type RollupRow } from '../../../lib/usage/rollup.ts';

function row(provider: string, model: string, hour: number, fields: Partial<RollupRow>): RollupRow {
  return {
    hour,
    source: provider,
    provider,
    model,
    project: null,
    user: null,
    machine: null,
    api_key: null,
    workspace: null,
    ...emptySums(),
    input_tokens: 1000,
    ...fields,
  };
}

function rollup(day: string, rows: RollupRow[]): Rollup {
  return {
    schema_version: 1,
    day,
    built_at: `${day}T23:59:00.000Z`,
    price_table: 'test',
    inputs: [],
    rows,
    latency: [],
    stats: { records: rows.length, duplicates: 0, invalid_lines: 0, quarantined_lines: 0 },
  };
}

const rollups = [
  rollup('2026-03-08', [row('anthropic', 'claude-sonnet-4-5', 1, { reported_cost_usd: 100, reported_priced_usd: 1 })]),
  rollup('2026-03-09', [
    row('openai', 'gpt-5', 3, { reported_cost_usd: 1, reported_priced_usd: 1.05 }),
    row('anthropic', 'claude-sonnet-4-5', 10, { reported_cost_usd: 10, reported_priced_usd: 9.9 }),
    row('anthropic', 'claude-sonnet-4-5', 11, { reported_cost_usd: 5, reported_priced_usd: 5.2 }),
    // Priced only (no reported cost): not part of reconciliation.
    row('anthropic', 'claude-haiku-4-5', 11, { cost_usd: 3 }),
    // Billed, but the table has no price: priced 0.
    row('openai', 'gpt-mystery', 4, { reported_cost_usd: 2 }),
    // Cost without tokens (web search): nothing to compare.
    row('anthropic', 'web_search', 0, { input_tokens: 0, reported_cost_usd: 2.5 }),
    // Billed nothing for tokens the table prices.
    row('openai', 'gpt-5-nano', 5, { reported_priced_usd: 0.4 }),
  ]),
];

describe('computeReconciliation', () => {
  it('compares reported and priced cost per (day, provider, model) and flags beyond the tolerance', () => {
    const rows = computeReconciliation(rollups, '2026-03-09', '2026-03-09', 0.02);
    expect(reconciliationSchema.parse(rows)).toEqual(rows);
    expect(rows.map((r) => `${r.provider}/${r.model}`)).toEqual([
      'anthropic/claude-sonnet-4-5',
      'anthropic/web_search',
      'openai/gpt-5',
      'openai/gpt-5-nano',
      'openai/gpt-mystery',
    ]);
    const [sonnet, web, gpt5, nano, mystery] = rows;
    expect(sonnet).toMatchObject({ day: '2026-03-09', reported_usd: 15, flagged: false });
    expect(sonnet!.priced_usd).toBeCloseTo(15.1, 12);
    expect(sonnet!.difference_usd).toBeCloseTo(0.1, 12);
    expect(sonnet!.difference_ratio).toBeCloseTo(0.1 / 15, 12);
    expect(gpt5!.difference_ratio).toBeCloseTo(0.05, 12);
    expect(gpt5!.flagged).toBe(true);
    expect(mystery).toMatchObject({ reported_usd: 2, priced_usd: 0, difference_usd: -2, difference_ratio: -1, flagged: true });
    expect(web).toMatchObject({ reported_usd: 2.5, priced_usd: null, difference_usd: null, difference_ratio: null, flagged: false });
    expect(nano).toMatchObject({ reported_usd: 0, priced_usd: 0.4, difference_ratio: null, flagged: true });
  });

  it('keeps to the days asked for and to the tolerance given', () => {
    const rows = computeReconciliation(rollups, '2026-03-01', '2026-03-09', 0.06);
    expect(rows.filter((r) => r.day === '2026-03-08')).toHaveLength(1);
    expect(rows.find((r) => r.model === 'gpt-5')!.flagged).toBe(false);
    expect(computeReconciliation(rollups, '2026-03-10', '2026-03-31', 0.02)).toEqual([]);
  });
});
