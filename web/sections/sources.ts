// Each source's last run and last success and whether it is failing, with the 90-day counts of
// what was not counted and the price table(s) in use.

import type { Analytics } from '../api-types.ts';
import { dataTable, fragment, h } from '../dom.ts';
import { formatAge, formatInstant, formatInt } from '../format.ts';
import { section } from './panel.ts';

type Row = Analytics['data_quality']['sources'][number];

/** `now` is the viewer's clock (ms), for "5 min ago". */
export function sourcesSection(a: Analytics, now: number): HTMLElement {
  const q = a.data_quality;
  const sources = q.sources;
  return section(
    'sources',
    'Sources',
    sources.length === 0
      ? h('p', { class: 'empty' }, 'No source has synced yet.')
      : dataTable<Row>({
          caption: 'Sources and their last sync',
          captionHidden: true,
          columns: [
            { header: 'Source', cell: (s) => (s.machine ? `${s.source} (${s.machine})` : s.source) },
            {
              header: 'Last run',
              cell: (s) => fragment(formatInstant(s.last_run_at), ' ', h('span', { class: 'muted' }, formatAge(s.last_run_at, now))),
            },
            { header: 'Last success', cell: (s) => (s.last_success_at ? formatInstant(s.last_success_at) : 'never') },
            {
              header: 'Status',
              cell: (s) =>
                s.ok
                  ? h('span', { class: 'badge badge-ok' }, 'OK')
                  : h('span', { class: 'badge badge-over', title: s.last_error ?? '' }, 'Failing'),
            },
          ],
          rows: sources,
          rowKey: (s) => `${s.source}/${s.machine ?? ''}`,
        }),
    h(
      'p',
      { class: 'muted' },
      `Last 90 days: ${formatInt(q.quarantined_lines)} quarantined lines, ${formatInt(q.duplicates_dropped)} duplicates dropped, ${formatInt(q.unpriced_records)} unpriced records. Prices: ${a.price_table}${q.price_tables['90d'].length > 1 ? ` (90 days priced with ${q.price_tables['90d'].join(', ')})` : ''}.`,
    ),
  );
}
