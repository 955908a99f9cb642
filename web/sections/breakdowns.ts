// Who and what the window's cost went to: the top projects and users side by side (ten each, the
// rest counted), and every model with its provider, share and tokens by kind.

import type { Analytics, AnalyticsWindow } from '../api-types.ts';
import { dataTable, fragment, h, meter } from '../dom.ts';
import { formatCompact, formatInt, formatShare, formatUsd } from '../format.ts';
import { costCell, modelColors, OTHER_COLOR, section, windowLabel } from './panel.ts';

const TOP_ROWS = 10;

type Breakdown = AnalyticsWindow['by_project'][number];
type ModelRow = AnalyticsWindow['by_model'][number];

function breakdownTable(id: string, caption: string, keyHeader: string, rows: readonly Breakdown[]): HTMLElement {
  const top = rows.slice(0, TOP_ROWS);
  const restCount = rows.length - top.length;
  return h(
    'div',
    { id },
    dataTable<Breakdown>({
      caption,
      captionHidden: true,
      columns: [
        { header: keyHeader, cell: (r) => r.key },
        { header: 'Cost', numeric: true, cell: (r) => costCell(r), raw: (r) => r.cost_usd },
        { header: 'Share', numeric: true, cell: (r) => fragment(formatShare(r.share), meter(r.share)), raw: (r) => r.share },
        { header: 'Tokens', numeric: true, cell: (r) => formatCompact(r.total_tokens), raw: (r) => r.total_tokens },
        { header: 'Requests', numeric: true, cell: (r) => formatInt(r.requests), raw: (r) => r.requests },
      ],
      rows: top,
      rowKey: (r) => r.key,
    }),
    restCount > 0 ? h('p', { class: 'muted' }, `and ${restCount} more`) : null,
    rows.length === 0 ? h('p', { class: 'empty' }, 'No usage in this window.') : null,
  );
}

export function projectsAndUsersSection(w: AnalyticsWindow): HTMLElement {
  const label = windowLabel(w).toLowerCase();
  return h(
    'div',
    { class: 'pair' },
    section('projects', 'Top projects', breakdownTable('projects-table', `Top projects by cost, ${label}`, 'Project', w.by_project)),
    section('users', 'Top users', breakdownTable('users-table', `Top users by cost, ${label}`, 'User', w.by_user)),
  );
}

export function modelsSection(a: Analytics, w: AnalyticsWindow): HTMLElement {
  const colors = modelColors(a);
  return section(
    'models',
    'Models',
    dataTable<ModelRow>({
      caption: `Cost and tokens by model, ${windowLabel(w).toLowerCase()}`,
      captionHidden: true,
      columns: [
        {
          header: 'Model',
          cell: (r) => {
            const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
            swatch.style.background = colors.get(r.key) ?? OTHER_COLOR;
            return h('span', {}, swatch, r.key);
          },
        },
        { header: 'Provider', cell: (r) => r.provider },
        {
          header: 'Cost',
          numeric: true,
          // A model without a price shows that, not a misleading $0.00.
          cell: (r) => costCell(r),
          raw: (r) => r.cost_usd,
        },
        { header: 'Share', numeric: true, cell: (r) => formatShare(r.share), raw: (r) => r.share },
        { header: 'Input', numeric: true, cell: (r) => formatCompact(r.input_tokens), raw: (r) => r.input_tokens },
        { header: 'Output', numeric: true, cell: (r) => formatCompact(r.output_tokens), raw: (r) => r.output_tokens },
        { header: 'Cache write', numeric: true, cell: (r) => formatCompact(r.cache_creation_tokens), raw: (r) => r.cache_creation_tokens },
        { header: 'Cache read', numeric: true, cell: (r) => formatCompact(r.cache_read_tokens), raw: (r) => r.cache_read_tokens },
        { header: 'Requests', numeric: true, cell: (r) => formatInt(r.requests), raw: (r) => r.requests },
      ],
      rows: w.by_model,
      rowKey: (r) => r.key,
      footer: [
        'All models',
        '',
        formatUsd(w.totals.cost_usd),
        '',
        formatCompact(w.totals.input_tokens),
        formatCompact(w.totals.output_tokens),
        formatCompact(w.totals.cache_creation_tokens),
        formatCompact(w.totals.cache_read_tokens),
        formatInt(w.totals.requests),
      ],
    }),
  );
}
