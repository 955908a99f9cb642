import { describe, expect, it } from 'vitest';
import { detectAnomalies, median } from '../../../lib/analytics/anomalies.ts';
import { budgetSchema, budgetStatus } from '../../../lib/analytics/budgets.ts';
import { dayRange } from '../../../lib/core/calendar.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { type Alert, sendOnce } from '../../../lib/pipeline/alerts.ts';
import { alertsFor, runAnalyze } from '../../../lib/pipeline/analyze.ts';
import { BUDGETS_KEY } from '../../../lib/store/layout.ts';
import { serializeUsageObject } from '../../../lib/usage/lake.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { makeRecord, recordId } from '../../../lib/usage/record.ts';
import { MemoryStore } from '../../support/memory-store.ts';

describe('budgetStatus', () => {
  const budget = budgetSchema.parse({ id: 'team', monthly_usd: 100 });

  it('forecasts month-end spend from the 7-day burn rate and finds the run-out day', () => {
    // 10 March: spent 40, burning 5/day, 21 days left → 40 + 105 = 145; runs out after 12 more days.
    const s = budgetStatus(budget, { asOf: '2026-03-10', daysInMonth: 31, spentMonthToDate: 40, spentToday: 3, burnRate7d: 5 });
    expect(s.forecast_usd).toBe(145);
    expect(s.run_out_day).toBe('2026-03-22');
    expect(s.status).toBe('forecast_over');
    expect(s.thresholds_reached).toEqual([]);
    expect(s.thresholds_forecast).toEqual([0.5, 0.8, 1]);
  });

  it('uses the real length of the month, leap February included', () => {
    const s = budgetStatus(budget, { asOf: '2028-02-20', daysInMonth: 29, spentMonthToDate: 60, spentToday: 0, burnRate7d: 4 });
    expect(s.forecast_usd).toBe(96);
    expect(s.run_out_day).toBeNull();
    expect(s.status).toBe('warning');
    expect(s.thresholds_reached).toEqual([0.5]);
  });

  it('is over once spend reaches the limit, or a daily limit is hit', () => {
    expect(budgetStatus(budget, { asOf: '2026-03-31', daysInMonth: 31, spentMonthToDate: 100, spentToday: 1, burnRate7d: 1 }).status).toBe(
      'over',
    );
    const daily = budgetSchema.parse({ id: 'd', monthly_usd: 1000, daily_usd: 10 });
    expect(budgetStatus(daily, { asOf: '2026-03-02', daysInMonth: 31, spentMonthToDate: 12, spentToday: 11, burnRate7d: 1 }).status).toBe(
      'over',
    );
  });
});

describe('detectAnomalies', () => {
  const days = dayRange('2026-02-01', '2026-03-10');
  it('flags a day far above median + k × MAD of the previous 28 days, and not normal noise', () => {
    const byDay = new Map(days.map((d, i) => [d, 10 + (i % 3)])); // 10, 11, 12 …
    byDay.set('2026-03-09', 40);
    byDay.set('2026-03-10', 13);
    const found = detectAnomalies('model', new Map([['gpt-5', byDay]]), days, ['2026-03-04', '2026-03-09', '2026-03-10']);
    expect(found.map((a) => a.day)).toEqual(['2026-03-09']);
    expect(found[0]!.baseline_usd).toBe(11);
    expect(found[0]!.jump_usd).toBe(29);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });

  it('does not judge a series with too little history (a new model, a first sync)', () => {
    const byDay = new Map([
      ['2026-03-05', 2],
      ['2026-03-08', 3],
      ['2026-03-10', 50],
    ]);
    expect(detectAnomalies('project', new Map([['new', byDay]]), days, ['2026-03-10'])).toEqual([]);
  });
});

describe('alerts', () => {
  it('sends each alert once, and retries one whose delivery failed', async () => {
    const store = new MemoryStore();
    const delivered: string[] = [];
    let fail = true;
    const sink = {
      async send(a: Alert) {
        if (a.identity === 'flaky' && fail) throw new Error('down');
        delivered.push(a.identity);
      },
    };
    const alerts: Alert[] = [
      { type: 't', identity: 'a', detail: {} },
      { type: 't', identity: 'flaky', detail: {} },
    ];
    const now = new Date();
    expect(await sendOnce(store, sink, alerts, now, silentLogger)).toEqual(['a']);
    expect(await sendOnce(store, sink, alerts, now, silentLogger)).toEqual([]);
    fail = false;
    expect(await sendOnce(store, sink, alerts, now, silentLogger)).toEqual(['flaky']);
    expect(delivered).toEqual(['a', 'flaky']);
  });

  it('analyze reports budgets, emits a threshold once across runs, and keeps the last good budgets file', async () => {
    const store = new MemoryStore();
    const day = '2026-03-10';
    // $60 of Haiku input on the 10th: 60 M tokens at $1 per million.
    const records = [
      makeRecord({
        id: recordId('b', 1),
        ts: `${day}T09:00:00.000Z`,
        source: 'test',
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        project: 'web',
        input_tokens: 60_000_000,
      }),
    ];
    await store.put(`lake/usage/dt=${day}/test-a.jsonl`, serializeUsageObject(records));
    await store.put(
      BUDGETS_KEY,
      JSON.stringify({
        budgets: [
          { id: 'web', scope: { type: 'project', value: 'web' }, monthly_usd: 100 },
          { id: 'other', scope: { type: 'project', value: 'api' }, monthly_usd: 100 },
        ],
      }),
    );
    const sent: Alert[] = [];
    const deps = {
      store,
      pricer: createPricer(),
      now: () => new Date(`${day}T12:00:00Z`),
      timeZone: 'UTC',
      log: silentLogger,
      alerts: { send: async (a: Alert) => void sent.push(a) },
    };
    const first = await runAnalyze(deps, { days: [day] });
    const web = first.analytics.month_to_date.budgets.find((b) => b.id === 'web')!;
    expect(web.spent_usd).toBeCloseTo(60, 9);
    expect(web.thresholds_reached).toEqual([0.5]);
    expect(first.analytics.month_to_date.budgets.find((b) => b.id === 'other')!.spent_usd).toBe(0);
    // 60 + 60/7 × 21 = 240 forecast: 80 % and 100 % reached by forecast only.
    expect(web.forecast_usd).toBeCloseTo(240, 9);
    // Spend with no history is not an anomaly (nothing usual to compare with): budget alerts only.
    expect(sent.map((a) => a.identity).sort()).toEqual([
      'budget/2026-03/web/actual/0.5',
      'budget/2026-03/web/forecast/0.8',
      'budget/2026-03/web/forecast/1',
    ]);
    await runAnalyze(deps, { days: [day] });
    await runAnalyze(deps, {});
    expect(sent).toHaveLength(3);
    expect(alertsFor(first.analytics)).toHaveLength(3);

    await store.put(BUDGETS_KEY, '{"budgets":[{"id":"web","monthly_usd":-5}]}');
    const broken = await runAnalyze(deps, {});
    expect(broken.analytics.data_quality.budgets_error).toMatch(/budgets\.0\.monthly_usd/);
    expect(broken.analytics.month_to_date.budgets.map((b) => b.id)).toEqual(['web', 'other']);
  });
});
