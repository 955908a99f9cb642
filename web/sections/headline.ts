// The headline cards: the window's cost, tokens, requests and burn rate, and the month to date
// with its month-end forecast. Each value carries its unformatted number in `data-raw`.

import type { Analytics, AnalyticsWindow } from '../api-types.ts';
import { h } from '../dom.ts';
import { formatCompact, formatInt, formatUsd } from '../format.ts';
import { isCustomWindow, windowLabel } from './panel.ts';

function card(metric: string, label: string, value: string, raw: number, sub: string): HTMLElement {
  return h(
    'div',
    { class: 'card' },
    h('dt', {}, label),
    h('dd', { class: 'value', 'data-metric': metric, 'data-raw': raw }, value),
    h('dd', { class: 'sub' }, sub),
  );
}

export function headlineSection(a: Analytics, w: AnalyticsWindow): HTMLElement {
  const t = w.totals;
  const mtd = a.month_to_date;
  const monthName = new Intl.DateTimeFormat('en-US', { month: 'long', timeZone: 'UTC' }).format(Date.parse(`${mtd.from}T00:00:00Z`));
  const perRequest = t.requests > 0 ? t.cost_usd / t.requests : 0;
  return h(
    'section',
    {
      class: 'headline',
      id: 'headline',
      'aria-labelledby': 'headline-title',
      'data-window': isCustomWindow(w) ? 'custom' : `${w.days}d`,
    },
    h('h2', { id: 'headline-title' }, windowLabel(w)),
    h(
      'dl',
      { class: 'cards' },
      card(
        'cost_usd',
        'Cost',
        formatUsd(t.cost_usd),
        t.cost_usd,
        // Unpriced usage is left out of the sum, and the card says so rather than look complete.
        t.unpriced_records > 0
          ? `+ ${formatCompact(t.unpriced_tokens)} unpriced tokens`
          : t.requests > 0
            ? `${formatUsd(perRequest)} per request`
            : 'no requests',
      ),
      card('total_tokens', 'Tokens', `${formatCompact(t.total_tokens)}`, t.total_tokens, `${formatInt(t.total_tokens)} tokens`),
      card(
        'requests',
        'Requests',
        formatInt(t.requests),
        t.requests,
        t.requests > 0 ? `${formatCompact(t.total_tokens / t.requests)} tokens per request` : '—',
      ),
      card(
        'burn_rate_usd_per_day',
        'Burn rate',
        `${formatUsd(w.burn_rate_usd_per_day)}/day`,
        w.burn_rate_usd_per_day,
        `cost ÷ ${w.days} days`,
      ),
      card(
        'month_to_date_usd',
        `${monthName} to date`,
        formatUsd(mtd.cost_usd),
        mtd.cost_usd,
        `day ${mtd.days_elapsed} of ${mtd.days_in_month}`,
      ),
      card(
        'forecast_usd',
        'Month-end forecast',
        formatUsd(mtd.forecast_usd),
        mtd.forecast_usd,
        `at the 7-day rate of ${formatUsd(mtd.burn_rate_usd_per_day)}/day`,
      ),
    ),
  );
}
