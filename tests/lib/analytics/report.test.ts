import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../../lib/analytics/period.ts';
import { buildReport, emptyPeriodHint, type ReportInputRow, reportSchema } from '../../../lib/analytics/report.ts';
import { emptySums, type UsageSums } from '../../../lib/usage/rollup.ts';

const sums = (fields: Partial<UsageSums>): UsageSums => ({ ...emptySums(), records: 1, requests: 1, ...fields });
const row = (iso: string, fields: Partial<ReportInputRow> & { sums: UsageSums }): ReportInputRow => ({
  at: Date.parse(iso),
  model: 'claude-sonnet-4-5',
  provider: 'anthropic',
  project: 'web',
  user: 'alice',
  machine: 'mbp',
  ...fields,
});

// 2026-03-01 is a Sunday; 2026-03-02 a Monday.
const rows = [
  row('2026-03-01T10:00:00Z', { sums: sums({ input_tokens: 100, cost_usd: 1 }) }),
  row('2026-03-02T09:00:00Z', { model: 'claude-opus-4-1', sums: sums({ output_tokens: 50, cost_usd: 4 }) }),
  row('2026-03-02T23:00:00Z', { project: null, sums: sums({ input_tokens: 10, cost_usd: 0.5 }) }),
  row('2026-03-09T00:00:00Z', {
    model: 'acme-1',
    provider: 'acme',
    sums: sums({ input_tokens: 7, unpriced_records: 1, unpriced_tokens: 7 }),
  }),
];
const period = {
  from: '2026-03-01',
  to: '2026-03-31',
  timeZone: 'UTC',
  start: new Date('2026-03-01T00:00:00Z'),
  end: new Date('2026-04-01T00:00:00Z'),
  window: null,
};
const base = {
  rows,
  period,
  bucketOf: (at: number, g: 'day' | 'week' | 'month') => bucketOf(at, g, 'UTC'),
  lake: { first_day: '2026-01-05', last_day: '2026-03-09' },
  generatedAt: new Date('2026-04-02T00:00:00Z'),
  dataQuality: { quarantined_lines: 0, invalid_lines: 0, refused_records: 0 },
};

describe('buildReport', () => {
  it('groups by ISO week (labelled by its Monday), oldest first, with shares of the cost', () => {
    const r = reportSchema.parse(buildReport({ ...base, by: 'week', breakdown: false }));
    expect(r.rows.map((x) => [x.key, x.cost_usd, x.records, x.share])).toEqual([
      ['2026-02-23', 1, 1, 1 / 5.5],
      ['2026-03-02', 4.5, 2, 4.5 / 5.5],
      ['2026-03-09', 0, 1, 0],
    ]);
    expect(r.rows[1]!.models_used).toEqual(['claude-opus-4-1', 'claude-sonnet-4-5']);
    expect(r.totals).toMatchObject({ cost_usd: 5.5, records: 4, input_tokens: 117, output_tokens: 50, unpriced_records: 1 });
    expect(r.period.days).toBe(31);
    expect(r.order).toBe('asc');
  });

  it('puts a row per model under each row with --breakdown, most cost first', () => {
    const r = buildReport({ ...base, by: 'day', breakdown: true, order: 'desc' });
    expect(r.rows.map((x) => x.key)).toEqual(['2026-03-09', '2026-03-02', '2026-03-01']);
    expect(r.rows[1]!.models!.map((m) => [m.model, m.cost_usd, m.records])).toEqual([
      ['claude-opus-4-1', 4, 1],
      ['claude-sonnet-4-5', 0.5, 1],
    ]);
  });

  it('ranks entities by cost, names missing labels "(none)", and reverses with asc', () => {
    const desc = buildReport({ ...base, by: 'project', breakdown: false });
    expect(desc.rows.map((x) => [x.key, x.cost_usd])).toEqual([
      ['web', 5],
      ['(none)', 0.5],
    ]);
    const asc = buildReport({ ...base, by: 'model', breakdown: false, order: 'asc' });
    expect(asc.rows.map((x) => [x.key, x.provider])).toEqual([
      ['acme-1', 'acme'],
      ['claude-sonnet-4-5', 'anthropic'],
      ['claude-opus-4-1', 'anthropic'],
    ]);
  });

  it('gives a session its project with most cost and its first and last message', () => {
    const sessionRows: ReportInputRow[] = [
      row('2026-03-01T10:00:00Z', {
        session: 's1',
        first_ts: '2026-03-01T10:05:00.000Z',
        last_ts: '2026-03-01T10:55:00.000Z',
        sums: sums({ cost_usd: 1 }),
      }),
      row('2026-03-01T12:00:00Z', {
        session: 's1',
        project: 'api',
        first_ts: '2026-03-01T12:01:00.000Z',
        last_ts: '2026-03-01T12:02:00.000Z',
        sums: sums({ cost_usd: 2 }),
      }),
      row('2026-03-01T11:00:00Z', {
        session: 's2',
        first_ts: '2026-03-01T11:00:00.000Z',
        last_ts: '2026-03-01T11:00:00.000Z',
        sums: sums({}),
      }),
    ];
    const r = buildReport({ ...base, rows: sessionRows, by: 'session', breakdown: false });
    expect(r.rows.map((x) => [x.key, x.project, x.first_activity, x.last_activity, x.cost_usd])).toEqual([
      ['s1', 'api', '2026-03-01T10:05:00.000Z', '2026-03-01T12:02:00.000Z', 3],
      ['s2', 'web', '2026-03-01T11:00:00.000Z', '2026-03-01T11:00:00.000Z', 0],
    ]);
  });
});

describe('emptyPeriodHint', () => {
  const report = (lake: { first_day: string; last_day: string } | null, window: '30d' | null = '30d') => ({
    period: { from: '2026-05-15', to: '2026-06-13', time_zone: 'UTC', start: '', end: '', days: 30, window },
    lake,
  });

  it('names the span the lake holds and a --since that reaches it', () => {
    expect(emptyPeriodHint(report({ first_day: '2025-09-03', last_day: '2026-05-11' }), '2026-06-13', 400)).toBe(
      'no usage in the last 30 days; the lake holds 2025-09-03 … 2026-05-11; try --since 2025-09-01',
    );
  });

  it('adds --until when --since alone would pass the 400-day cap', () => {
    // 2024-01-01 … today is over 400 days: the last 400 days of the lake instead.
    expect(emptyPeriodHint(report({ first_day: '2024-01-20', last_day: '2024-12-31' }, null), '2026-06-13', 400)).toBe(
      'no usage from 2026-05-15 to 2026-06-13; the lake holds 2024-01-20 … 2024-12-31; try --since 2024-01-01 --until 2024-12-31',
    );
    expect(emptyPeriodHint(report({ first_day: '2023-01-20', last_day: '2024-12-31' }), '2026-06-13', 400)).toMatch(
      /try --since 2023-11-28 --until 2024-12-31$/,
    );
  });

  it('says nothing when the lake is empty', () => {
    expect(emptyPeriodHint(report(null), '2026-06-13', 400)).toBeNull();
  });
});
