import { describe, expect, it } from 'vitest';
import { breakDownCosts } from '../../../../lib/analytics/queries/costs.ts';
import { hourRow, utcPeriod } from './hour-rows.ts';

const period = utcPeriod('2026-03-10T00:00:00Z', '2026-03-13T00:00:00Z');
const rows = [
  hourRow('2026-03-10T01:00:00Z', { provider: 'anthropic', model: 'a', cost_usd: 3, reported_cost_usd: 1, requests: 1, records: 1 }),
  hourRow('2026-03-10T09:00:00Z', { provider: 'openai', model: 'g', cost_usd: 6, reported_cost_usd: 6, requests: 2, records: 2 }),
  hourRow('2026-03-12T22:00:00Z', {
    provider: 'anthropic',
    model: 'b',
    cost_usd: 2,
    unpriced_records: 1,
    unpriced_tokens: 40,
    requests: 1,
    records: 1,
  }),
];
const whole = rows.reduce((s, r) => s + r.row.cost_usd, 0);

describe('breakDownCosts', () => {
  it('splits the cost by provider, most first, with shares and the reported vs priced split', () => {
    const answer = breakDownCosts(rows, period, 'provider');
    const providers = [...new Set(rows.map((r) => r.row.provider))];
    const expected = providers
      .map((p) => {
        const mine = rows.filter((r) => r.row.provider === p);
        const cost = mine.reduce((s, r) => s + r.row.cost_usd, 0);
        const reported = mine.reduce((s, r) => s + r.row.reported_cost_usd, 0);
        return { key: p, cost, reported };
      })
      .sort((a, b) => b.cost - a.cost);

    expect(answer.items.map((i) => i.key)).toEqual(expected.map((e) => e.key));
    answer.items.forEach((item, i) => {
      expect(item.cost_usd).toBeCloseTo(expected[i]!.cost, 12);
      expect(item.reported_cost_usd).toBeCloseTo(expected[i]!.reported, 12);
      expect(item.priced_cost_usd).toBeCloseTo(expected[i]!.cost - expected[i]!.reported, 12);
      expect(item.share).toBeCloseTo(expected[i]!.cost / whole, 12);
    });
    expect(answer.totals.cost_usd).toBeCloseTo(whole, 12);
    expect(answer.totals.unpriced_tokens).toBe(40);
    expect(answer.items.reduce((s, i) => s + i.share, 0)).toBeCloseTo(1, 12);
  });

  it("names each model's provider", () => {
    const answer = breakDownCosts(rows, period, 'model');
    for (const item of answer.items) expect(item.provider).toBe(rows.find((r) => r.row.model === item.key)!.row.provider);
  });

  it('lists every local day of the period in order, zero on days without usage', () => {
    const answer = breakDownCosts(rows, period, 'day');
    expect(answer.items.map((i) => i.key)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12']);
    for (const item of answer.items) {
      const cost = rows.filter((r) => new Date(r.at).toISOString().startsWith(item.key)).reduce((s, r) => s + r.row.cost_usd, 0);
      expect(item.cost_usd).toBeCloseTo(cost, 12);
    }
    expect(answer.items[1]!.share).toBe(0);
  });
});
