import { describe, expect, it } from 'vitest';
import { entityUsage, rankUsage } from '../../../../lib/analytics/queries/usage.ts';
import { BadRequestError } from '../../../../lib/core/errors.ts';
import { hourRow, utcPeriod } from './hour-rows.ts';

const period = utcPeriod('2026-03-10T00:00:00Z', '2026-03-12T00:00:00Z');
const rows = [
  hourRow('2026-03-10T01:00:00Z', { project: 'web', model: 'a', cost_usd: 3, input_tokens: 10, requests: 1, records: 1 }),
  hourRow('2026-03-10T02:00:00Z', { project: 'api', model: 'b', cost_usd: 5, output_tokens: 20, requests: 2, records: 2 }),
  hourRow('2026-03-11T03:00:00Z', { project: 'web', model: 'b', cost_usd: 4, cache_read_tokens: 8, requests: 1, records: 1 }),
  hourRow('2026-03-11T04:00:00Z', { project: null, model: 'a', cost_usd: 0.5, input_tokens: 2, requests: 1, records: 1 }),
  hourRow('2026-03-11T05:00:00Z', { project: 'cli', model: 'c', cost_usd: 1, requests: 1, records: 1 }),
];
const wholeCost = rows.reduce((s, r) => s + r.row.cost_usd, 0);

function costBy(key: (r: (typeof rows)[number]) => string) {
  const sums = new Map<string, number>();
  for (const r of rows) sums.set(key(r), (sums.get(key(r)) ?? 0) + r.row.cost_usd);
  return sums;
}

describe('rankUsage', () => {
  it('ranks the entities by cost with their share of the whole', () => {
    const byProject = costBy((r) => r.row.project ?? '(none)');
    const expected = [...byProject.entries()].sort((a, b) => b[1] - a[1]);

    const answer = rankUsage(rows, period, { type: 'project', limit: 10 });

    expect(answer.count).toBe(byProject.size);
    expect(answer.items.map((i) => [i.key, i.cost_usd])).toEqual(expected);
    for (const item of answer.items) expect(item.share).toBeCloseTo(item.cost_usd / wholeCost, 12);
    expect(answer.items.map((i) => i.rank)).toEqual(expected.map((_, i) => i + 1));
    expect(answer.totals.cost_usd).toBeCloseTo(wholeCost, 12);
    expect(answer.next_cursor).toBeNull();
  });

  it('pages with the cursor it hands out, and refuses it for another query', () => {
    const all = rankUsage(rows, period, { type: 'project', limit: 500 }).items;
    const first = rankUsage(rows, period, { type: 'project', limit: 2 });
    expect(first.next_cursor).not.toBeNull();
    const second = rankUsage(rows, period, { type: 'project', limit: 2, cursor: first.next_cursor! });
    // Four projects (web, api, cli and the rows without one): two pages of two.
    expect(all).toHaveLength(new Set(rows.map((r) => r.row.project)).size);
    expect([...first.items, ...second.items]).toEqual(all);
    expect(second.next_cursor).toBeNull();
    expect(() => rankUsage(rows, period, { type: 'model', limit: 2, cursor: first.next_cursor! })).toThrow(BadRequestError);
    expect(() => rankUsage(rows, period, { type: 'project', limit: 2, cursor: 'not-a-cursor' })).toThrow(BadRequestError);
  });
});

describe('entityUsage', () => {
  it("gives the entity's totals, share, days and breakdowns", () => {
    const web = rows.filter((r) => r.row.project === 'web');
    const webCost = web.reduce((s, r) => s + r.row.cost_usd, 0);

    const answer = entityUsage(rows, period, 'project', 'web', 20);

    expect(answer.totals.cost_usd).toBeCloseTo(webCost, 12);
    expect(answer.totals.requests).toBe(web.reduce((s, r) => s + r.row.requests, 0));
    expect(answer.share).toBeCloseTo(webCost / wholeCost, 12);
    expect(answer.daily.map((d) => d.day)).toEqual(['2026-03-10', '2026-03-11']);
    for (const d of answer.daily) {
      const cost = web.filter((r) => new Date(r.at).toISOString().startsWith(d.day)).reduce((s, r) => s + r.row.cost_usd, 0);
      expect(d.cost_usd).toBeCloseTo(cost, 12);
    }
    const models = answer.breakdowns.model!;
    expect(models.map((m) => m.key).sort()).toEqual([...new Set(web.map((r) => r.row.model))].sort());
    for (const m of models) {
      const cost = web.filter((r) => r.row.model === m.key).reduce((s, r) => s + r.row.cost_usd, 0);
      expect(m.cost_usd).toBeCloseTo(cost, 12);
      expect(m.share).toBeCloseTo(cost / webCost, 12);
    }
    expect(answer.breakdowns.project).toBeUndefined();
  });

  it('finds the rows without the label under (none)', () => {
    const answer = entityUsage(rows, period, 'project', '(none)', 20);
    const none = rows.filter((r) => r.row.project === null);
    expect(answer.totals.cost_usd).toBeCloseTo(
      none.reduce((s, r) => s + r.row.cost_usd, 0),
      12,
    );
  });
});
