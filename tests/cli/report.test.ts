import { describe, expect, it } from 'vitest';
import { renderReport } from '../../cli/report.ts';
import { computeAnalytics } from '../../lib/analytics.ts';
import { groupByDay } from '../../lib/lake.ts';
import { createPricer } from '../../lib/pricing/price.ts';
import { makeRecord, recordId, type UsageRecord } from '../../lib/record.ts';
import { buildDailyRollup } from '../../lib/rollup.ts';

const pricer = createPricer();
const rec = (i: number, model: string, provider: string, fields: Partial<UsageRecord>) =>
  makeRecord({ id: recordId('t', i), ts: '2026-03-10T10:00:00.000Z', source: 'test', provider, model, project: 'web', ...fields });
const records = [
  rec(1, 'claude-haiku-4-5', 'anthropic', { input_tokens: 1_000_000 }), // $1.00
  rec(2, 'acme-large-1', 'acme', { input_tokens: 1_200, output_tokens: 300 }), // no price
  rec(3, 'acme-large-1', 'acme', { input_tokens: 500 }),
];
const rollups = [...groupByDay(records)].map(([day, list]) =>
  buildDailyRollup({ day, builtAt: '2026-03-10T12:00:00.000Z', pricer, inputs: [], records: list, invalidLines: 0, quarantinedLines: 0 }),
);
const analytics = computeAnalytics({ now: new Date('2026-03-10T12:00:00Z'), timeZone: 'UTC', priceTable: 't', rollups, statuses: [] });

describe('tokenlake report with an unpriced model', () => {
  const text = renderReport(analytics, '7d', 'model', false);
  const lines = text.split('\n');

  it('prints "unpriced" for the model without a price instead of $0.00, with its tokens in the row', () => {
    const row = lines.find((l) => l.startsWith('acme-large-1'))!;
    expect(row).toMatch(/unpriced$/);
    expect(row).toContain('2,000'); // 1,200 + 300 + 500 tokens
    expect(row).not.toContain('$0.00');
    expect(lines.find((l) => l.startsWith('claude-haiku-4-5'))).toMatch(/\$1\.00$/);
    expect(lines.find((l) => l.startsWith('Total'))).toMatch(/\$1\.00 \+ unpriced$/);
  });

  it('ends with one line naming the unpriced models and how to add a price', () => {
    const last = lines.at(-1)!;
    expect(last).toContain('Unpriced (no price in the table, not counted as $0): acme-large-1 (2,000 tokens).');
    expect(last).toContain(
      'TOKENLAKE_PRICES_FILE=prices.json with {"version":"local-1","valid_from":"2023-01-01","models":{"acme-large-1":{"provider":"acme"',
    );
    expect(last).toContain('tokenlake aggregate --from 2026-03-04 --to 2026-03-10');
  });

  it('prints no such line when everything is priced', () => {
    const priced = computeAnalytics({
      now: new Date('2026-03-10T12:00:00Z'),
      timeZone: 'UTC',
      priceTable: 't',
      rollups: [
        buildDailyRollup({
          day: '2026-03-10',
          builtAt: 'x',
          pricer,
          inputs: [],
          records: [records[0]!],
          invalidLines: 0,
          quarantinedLines: 0,
        }),
      ],
      statuses: [],
    });
    expect(renderReport(priced, '7d', 'model', false)).not.toContain('Unpriced');
  });
});
