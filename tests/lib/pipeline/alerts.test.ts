import { describe, expect, it } from 'vitest';
import { budgetStatus, dayReaching } from '../../../lib/analytics/budgets.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { type Alert, alertDay, describeAlert, recentAlerts } from '../../../lib/pipeline/alerts.ts';
import { alertsFor, runAnalyze } from '../../../lib/pipeline/analyze.ts';
import { BUDGETS_KEY } from '../../../lib/store/layout.ts';
import { serializeUsageObject } from '../../../lib/usage/lake.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { makeRecord, recordId } from '../../../lib/usage/record.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const anomaly = (day: string): Alert => ({
  type: 'anomaly.detected',
  identity: `anomaly/${day}/model/m`,
  detail: { day, dimension: 'model', key: 'claude-opus-4-1', cost_usd: 42.1, baseline_usd: 6.8, jump_usd: 35.3 },
});
const budgetAlert = (threshold: number, basis: 'actual' | 'forecast'): Alert => ({
  type: 'budget.threshold_crossed',
  identity: `budget/2026-11/team/${basis}/${threshold}`,
  detail: {
    budget: 'team',
    scope: 'all usage',
    month: '2026-11',
    limit_usd: 500,
    spent_usd: 412,
    forecast_usd: 530,
    run_out_day: '2026-11-27',
    threshold,
    basis,
  },
});
const analytics = {
  as_of: '2026-11-29',
  month_to_date: {
    budgets: [
      {
        ...budgetStatus(
          { id: 'team', scope: { type: 'global' }, monthly_usd: 500, thresholds: [0.5, 0.8, 1] },
          {
            asOf: '2026-11-29',
            daysInMonth: 30,
            spentMonthToDate: 412,
            spentToday: 12,
            burnRate7d: 20,
            // $250 by the 3rd (a back-filled first week), $400 on the 28th.
            spentByDay: [
              ['2026-11-02', 200],
              ['2026-11-03', 50],
              ['2026-11-28', 150],
              ['2026-11-29', 12],
            ],
          },
        ),
      },
    ],
  },
} as unknown as Parameters<typeof recentAlerts>[1];

describe('the alert horizon', () => {
  it('dates each reached threshold by the running total', () => {
    expect(
      dayReaching(
        [
          ['2026-11-02', 200],
          ['2026-11-03', 50],
          ['2026-11-28', 150],
        ],
        250,
      ),
    ).toBe('2026-11-03');
    expect(dayReaching([['2026-11-02', 200]], 250)).toBeNull();
    expect(analytics.month_to_date.budgets[0]!.reached_on).toEqual([
      { threshold: 0.5, day: '2026-11-03' },
      { threshold: 0.8, day: '2026-11-28' },
    ]);
  });

  it('keeps alerts about today and yesterday, drops those about days a sync back-filled', () => {
    const alerts = [
      anomaly('2026-11-29'),
      anomaly('2026-11-28'),
      anomaly('2026-11-27'),
      budgetAlert(0.5, 'actual'),
      budgetAlert(0.8, 'actual'),
      budgetAlert(1, 'forecast'),
    ];
    expect(alerts.map((a) => alertDay(a, analytics))).toEqual([
      '2026-11-29',
      '2026-11-28',
      '2026-11-27',
      '2026-11-03',
      '2026-11-28',
      '2026-11-29',
    ]);
    expect(recentAlerts(alerts, analytics).map((a) => a.identity)).toEqual([
      'anomaly/2026-11-29/model/m',
      'anomaly/2026-11-28/model/m',
      'budget/2026-11/team/actual/0.8',
      'budget/2026-11/team/forecast/1',
    ]);
    expect(recentAlerts(alerts, analytics, 1).map((a) => a.identity)).toEqual([
      'anomaly/2026-11-29/model/m',
      'budget/2026-11/team/forecast/1',
    ]);
  });

  it('sends no budget alert when analyze first sees a threshold reached on a day long past', async () => {
    // A sync on the 20th back-fills the 5th: $60 of a $100 budget (60 M Haiku input tokens at $1).
    const store = new MemoryStore();
    const record = makeRecord({
      id: recordId('h', 1),
      ts: '2026-03-05T09:00:00.000Z',
      source: 'test',
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      input_tokens: 60_000_000,
    });
    await store.put('lake/usage/dt=2026-03-05/test-a.jsonl', serializeUsageObject([record]));
    await store.put(BUDGETS_KEY, JSON.stringify({ budgets: [{ id: 'all', monthly_usd: 100 }] }));
    const sent: Alert[] = [];
    const deps = {
      store,
      pricer: createPricer(),
      now: () => new Date('2026-03-20T12:00:00Z'),
      timeZone: 'UTC',
      log: silentLogger,
      alerts: { send: async (a: Alert) => void sent.push(a) },
    };
    const result = await runAnalyze(deps, { days: ['2026-03-05'] });
    // Reached, and dated the 5th: no alert on the 20th.
    expect(result.analytics.month_to_date.budgets[0]!.thresholds_reached).toEqual([0.5]);
    expect(result.analytics.month_to_date.budgets[0]!.reached_on).toEqual([{ threshold: 0.5, day: '2026-03-05' }]);
    expect(alertsFor(result.analytics)).toEqual([]);
    expect(sent).toEqual([]);
  });
});

describe('describeAlert', () => {
  it('writes one readable line per alert', () => {
    expect(describeAlert(anomaly('2026-11-28'))).toBe(
      'alert: model claude-opus-4-1 cost $42.10 on 2026-11-28, against $6.80 on a usual day (+$35.30)',
    );
    expect(describeAlert(budgetAlert(0.8, 'actual'))).toBe(
      'alert: budget team (all usage) reached 80 % of $500.00 in 2026-11: $412.00 spent',
    );
    expect(describeAlert(budgetAlert(1, 'forecast'))).toBe(
      'alert: budget team (all usage) is on track to pass 100 % of $500.00 in 2026-11: $530.00 forecast, runs out 2026-11-27',
    );
  });
});
