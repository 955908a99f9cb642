import { describe, expect, it } from 'vitest';
import { parseReportArgs, ReportUsageError, renderReport } from '../../../cli/views/report.ts';
import { bucketOf } from '../../../lib/analytics/period.ts';
import { buildReport, type ReportInputRow } from '../../../lib/analytics/report.ts';
import { emptySums } from '../../../lib/usage/rollup.ts';

const at = Date.parse('2026-03-10T10:00:00Z');
const rows: ReportInputRow[] = [
  // $1.00 for a million haiku input tokens; acme-large-1 has no price (1,200 + 300 + 500 tokens).
  {
    at,
    model: 'claude-haiku-4-5',
    provider: 'anthropic',
    project: 'web',
    user: null,
    machine: null,
    sums: { ...emptySums(), input_tokens: 1_000_000, records: 1, requests: 1, cost_usd: 1 },
  },
  {
    at,
    model: 'acme-large-1',
    provider: 'acme',
    project: 'web',
    user: null,
    machine: null,
    sums: { ...emptySums(), input_tokens: 1_700, output_tokens: 300, records: 2, requests: 2, unpriced_records: 2, unpriced_tokens: 2_000 },
  },
];
const report = (breakdown: boolean, by: 'model' | 'day' = 'model') =>
  buildReport({
    rows,
    by,
    breakdown,
    period: {
      from: '2026-03-04',
      to: '2026-03-10',
      timeZone: 'UTC',
      start: new Date('2026-03-04T00:00:00Z'),
      end: new Date('2026-03-11T00:00:00Z'),
      window: '7d',
    },
    bucketOf: (t, g) => bucketOf(t, g, 'UTC'),
    lake: { first_day: '2026-03-10', last_day: '2026-03-10' },
    generatedAt: new Date('2026-03-10T12:00:00Z'),
    dataQuality: { quarantined_lines: 0, invalid_lines: 0, refused_records: 0 },
  });

describe('tokenlake report with an unpriced model', () => {
  it('prints "unpriced" for the model without a price instead of $0.00, with its tokens in the row', () => {
    const lines = renderReport(report(false), false).split('\n');
    const row = lines.find((l) => l.startsWith('acme-large-1'))!;
    expect(row).toMatch(/unpriced$/);
    expect(row).toContain('2,000');
    expect(row).not.toContain('$0.00');
    expect(lines.find((l) => l.startsWith('claude-haiku-4-5'))).toMatch(/\$1\.00$/);
    expect(lines.find((l) => l.startsWith('Total'))).toMatch(/\$1\.00 \+ unpriced$/);
  });

  it('ends with one line naming the unpriced models and how to add a price (with --breakdown)', () => {
    const last = renderReport(report(true, 'day'), false).split('\n').at(-1)!;
    expect(last).toContain('Unpriced (no price in the table, not counted as $0): acme-large-1 (2,000 tokens).');
    expect(last).toContain(
      'TOKENLAKE_PRICES_FILE=prices.json with {"version":"local-1","valid_from":"2023-01-01","models":{"acme-large-1":{"provider":"acme"',
    );
    expect(last).toContain('tokenlake aggregate --from 2026-03-04 --to 2026-03-10');
  });

  it('counts unpriced records when the rows do not name models', () => {
    const last = renderReport(report(false, 'day'), false).split('\n').at(-1)!;
    expect(last).toMatch(/^Unpriced: 2 records \(2,000 tokens\) have no price/);
  });
});

describe('parseReportArgs', () => {
  it('reads a period, a view and its options', () => {
    const o = parseReportArgs([
      '--since',
      '2025-09-01',
      '--until',
      '2025-10-31',
      '--by',
      'month',
      '--breakdown',
      '--order',
      'desc',
      '--json',
    ]);
    expect(o.query).toEqual({
      period: { from: '2025-09-01', to: '2025-10-31', window: undefined },
      by: 'month',
      breakdown: true,
      order: 'desc',
    });
    expect(o.json).toBe(true);
  });

  it('defaults to the last 30 days by model', () => {
    expect(parseReportArgs([]).query).toEqual({
      period: { from: undefined, to: undefined, window: undefined },
      by: 'model',
      breakdown: false,
      order: undefined,
    });
  });

  it('names the option a bad value was given to', () => {
    expect(() => parseReportArgs(['--since', '20250901'])).toThrow(
      new ReportUsageError('--since: expected a day as YYYY-MM-DD, got "20250901"'),
    );
    expect(() => parseReportArgs(['--timezone', 'Mars/Base'])).toThrow(
      new ReportUsageError('--timezone: not an IANA time zone: "Mars/Base"'),
    );
    expect(() => parseReportArgs(['--windows', '7d'])).toThrow(ReportUsageError);
  });
});
