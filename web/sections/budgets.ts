// This month's budgets: limit, spent, the month-end forecast and the run-out day at the 7-day burn
// rate, and a status; without budgets, how to set one and the forecast for all usage.

import type { Analytics } from '../api-types.ts';
import { dataTable, fragment, h, meter } from '../dom.ts';
import { formatDayLong, formatShare, formatUsd } from '../format.ts';
import { section } from './panel.ts';

type Budget = Analytics['month_to_date']['budgets'][number];

const BUDGET_STATUS: Record<Budget['status'], string> = {
  ok: 'On track',
  warning: 'Near limit',
  over: 'Over budget',
  forecast_over: 'Forecast over',
};

export function budgetsSection(a: Analytics): HTMLElement {
  const mtd = a.month_to_date;
  const budgets = mtd.budgets;
  if (budgets.length === 0) {
    return section(
      'budgets',
      'Budgets this month',
      h(
        'p',
        { class: 'empty' },
        'No budgets are set. A budget gives a monthly limit, the month-end forecast against it and the day it runs out. Set one with ',
        h('code', {}, 'tokenlake budgets set'),
        '.',
      ),
      h(
        'p',
        { class: 'muted' },
        `Month-end forecast for all usage: ${formatUsd(mtd.forecast_usd)} (spent ${formatUsd(mtd.cost_usd)} so far).`,
      ),
    );
  }
  return section(
    'budgets',
    'Budgets this month',
    dataTable<Budget>({
      caption: `Budgets for ${mtd.month}: spent, forecast at month end and run-out day at the 7-day burn rate`,
      captionHidden: true,
      columns: [
        { header: 'Scope', cell: (b) => b.scope },
        { header: 'Limit', numeric: true, cell: (b) => formatUsd(b.limit_usd), raw: (b) => b.limit_usd },
        {
          header: 'Spent',
          numeric: true,
          cell: (b) =>
            fragment(
              formatUsd(b.spent_usd),
              ' ',
              h('span', { class: 'muted' }, `(${formatShare(b.limit_usd > 0 ? b.spent_usd / b.limit_usd : 0)})`),
              meter(b.limit_usd > 0 ? b.spent_usd / b.limit_usd : 1, b.status),
            ),
          raw: (b) => b.spent_usd,
        },
        { header: 'Forecast', numeric: true, cell: (b) => formatUsd(b.forecast_usd), raw: (b) => b.forecast_usd },
        { header: 'Runs out', cell: (b) => (b.run_out_day ? formatDayLong(b.run_out_day) : 'not this month') },
        { header: 'Status', cell: (b) => h('span', { class: `badge badge-${b.status}` }, BUDGET_STATUS[b.status]) },
      ],
      rows: budgets,
      rowKey: (b) => b.id,
    }),
  );
}
