// The data-quality warnings at the top of the page, never hidden: failing sources, syncs still
// running or cut short, budgets over or about to be, an invalid budgets file, unpriced models, and
// lines or records the lake could not count. Empty (no panel) when all is well.

import type { Analytics } from '../api-types.ts';
import { type Child, h } from '../dom.ts';
import { formatCompact, formatDayLong, formatInstant, formatInt, formatUsd } from '../format.ts';

interface Warning {
  level: 'error' | 'warning' | 'info';
  text: Child[];
}

type DataQuality = Analytics['data_quality'];

function sourceWarnings(q: DataQuality): Warning[] {
  return q.sources
    .filter((s) => !s.ok)
    .map((s) => {
      const where = s.machine ? ` on ${s.machine}` : '';
      const since = s.last_error_at ? ` (last attempt ${formatInstant(s.last_error_at)})` : '';
      const lastGood = s.last_success_at ? ` Last success ${formatInstant(s.last_success_at)}.` : ' It has never succeeded.';
      return {
        level: 'error',
        text: [h('strong', {}, `Source “${s.source}”${where} is failing`), `${since}: ${s.last_error ?? 'unknown error'}.${lastGood}`],
      };
    });
}

function syncWarnings(q: DataQuality): Warning[] {
  return q.unfinished_syncs.map((sync) => {
    const holder = sync.host && sync.pid ? ` (process ${sync.pid} on ${sync.host})` : '';
    return sync.state === 'running'
      ? {
          level: 'info',
          text: [
            h('strong', {}, `A sync of ${sync.machine} is running`),
            `${sync.started_at ? ` since ${formatInstant(sync.started_at)}` : ''}${holder}: the totals may not include all of its data yet.`,
          ],
        }
      : {
          level: 'warning',
          text: [
            h('strong', {}, `A sync of ${sync.machine} was interrupted`),
            `${sync.started_at ? ` (started ${formatInstant(sync.started_at)})` : ''}${holder}: the totals may be incomplete until the next sync finishes it.`,
          ],
        };
  });
}

function budgetWarnings(a: Analytics): Warning[] {
  const out: Warning[] = [];
  for (const b of a.month_to_date.budgets) {
    if (b.status === 'over')
      out.push({
        level: 'error',
        text: [h('strong', {}, `Budget “${b.scope}” is over`), `: ${formatUsd(b.spent_usd)} spent of ${formatUsd(b.limit_usd)}.`],
      });
    else if (b.status === 'forecast_over')
      out.push({
        level: 'warning',
        text: [
          h('strong', {}, `Budget “${b.scope}” will run out`),
          ` ${b.run_out_day ? `on ${formatDayLong(b.run_out_day)}` : 'this month'} at the current rate.`,
        ],
      });
  }
  const invalid = a.data_quality.budgets_error;
  if (invalid)
    out.push({
      level: 'warning',
      text: [h('strong', {}, 'The budgets file is invalid'), ` (the last good version is used): ${invalid}`],
    });
  return out;
}

/** Usage the totals leave out or could not count, over the last 90 days. */
function countingWarnings(q: DataQuality): Warning[] {
  const out: Warning[] = [];
  if (q.unpriced_models.length > 0 || q.unpriced_records > 0) {
    const models =
      q.unpriced_models.length > 0
        ? q.unpriced_models.map((m) => `${m.model} (${formatCompact(m.tokens)} tokens)`).join(', ')
        : 'some models';
    out.push({
      level: 'warning',
      text: [
        h('strong', {}, 'No price known'),
        ` for ${models}: ${formatInt(q.unpriced_records)} ${q.unpriced_records === 1 ? 'record' : 'records'} in the last 90 days ${q.unpriced_records === 1 ? 'is' : 'are'} shown as unpriced, not as $0, so costs are understated. Add a price with TOKENLAKE_PRICES_FILE, then re-aggregate.`,
      ],
    });
  }
  if (q.quarantined_lines > 0)
    out.push({
      level: 'warning',
      text: [
        h('strong', {}, `${formatInt(q.quarantined_lines)} quarantined ${q.quarantined_lines === 1 ? 'line' : 'lines'}`),
        ' failed validation and are not counted (kept under quarantine/ with the reason).',
      ],
    });
  if (q.invalid_lake_lines > 0)
    out.push({
      level: 'warning',
      text: [h('strong', {}, `${formatInt(q.invalid_lake_lines)} invalid lake lines`), ' were skipped while aggregating.'],
    });
  if (q.refused_records > 0)
    out.push({
      level: 'warning',
      text: [
        h('strong', {}, `${formatInt(q.refused_records)} refused ${q.refused_records === 1 ? 'record' : 'records'}`),
        ' (impossible values: a day’s sums would have overflowed) are not counted.',
      ],
    });
  if (q.failed_days.length > 0)
    out.push({
      level: 'warning',
      text: [
        h('strong', {}, `${q.failed_days.length} ${q.failed_days.length === 1 ? 'day' : 'days'} could not be re-aggregated`),
        ` (their previous rollup is shown): ${q.failed_days.map((f) => `${formatDayLong(f.day)} (${f.dataset}): ${f.error}`).join('; ')}.`,
      ],
    });
  if (q.duplicates_dropped > 0)
    out.push({
      level: 'info',
      text: [
        h('strong', {}, `${formatInt(q.duplicates_dropped)} duplicate ${q.duplicates_dropped === 1 ? 'record' : 'records'}`),
        ' dropped (the same request read more than once); counted once.',
      ],
    });
  return out;
}

const TAG = { error: 'Error', warning: 'Warning', info: 'Note' } as const;

export function warningsSection(a: Analytics): HTMLElement | null {
  const q = a.data_quality;
  const warnings = [...sourceWarnings(q), ...syncWarnings(q), ...budgetWarnings(a), ...countingWarnings(q)];
  if (warnings.length === 0) return null;
  return h(
    'section',
    { class: 'warnings', id: 'warnings', 'aria-labelledby': 'warnings-title' },
    h('h2', { id: 'warnings-title' }, 'Data quality'),
    h(
      'ul',
      {},
      ...warnings.map((w) =>
        h(
          'li',
          { class: `warning warning-${w.level}`, 'data-level': w.level },
          h('span', { class: 'warning-tag' }, TAG[w.level]),
          ' ',
          ...w.text,
        ),
      ),
    ),
  );
}
