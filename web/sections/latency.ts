// Request latency per model: p50/p90/p95/p99 (from mergeable sketches, within the stated relative
// accuracy), output tokens per second and the peak requests per minute, with an "All models" row.

import type { AnalyticsWindow } from '../api-types.ts';
import { dataTable, h } from '../dom.ts';
import { formatInt, formatMs } from '../format.ts';
import { section } from './panel.ts';

type Row = AnalyticsWindow['latency_by_model'][number];

export function latencySection(w: AnalyticsWindow): HTMLElement {
  const all = w.latency;
  if (all.count === 0 && w.latency_by_model.length === 0) {
    return section(
      'latency',
      'Latency',
      h('p', { class: 'empty' }, `No latency percentiles: ${all.reason ?? 'no request in this window reported its latency'}.`),
    );
  }
  const rows: Row[] = [...w.latency_by_model, { ...all, key: 'All models', provider: '' }];
  return section(
    'latency',
    'Latency per request',
    dataTable<Row>({
      caption: `Request latency percentiles by model (within ±${Math.round(all.relative_accuracy * 100)}%)`,
      columns: [
        { header: 'Model', cell: (r) => r.key },
        { header: 'Requests', numeric: true, cell: (r) => formatInt(r.count), raw: (r) => r.count },
        {
          header: 'p50',
          numeric: true,
          cell: (r) => (r.p50_ms === null ? h('span', { class: 'muted' }, r.reason ?? '—') : formatMs(r.p50_ms)),
          raw: (r) => r.p50_ms,
        },
        { header: 'p90', numeric: true, cell: (r) => formatMs(r.p90_ms), raw: (r) => r.p90_ms },
        { header: 'p95', numeric: true, cell: (r) => formatMs(r.p95_ms), raw: (r) => r.p95_ms },
        { header: 'p99', numeric: true, cell: (r) => formatMs(r.p99_ms), raw: (r) => r.p99_ms },
        {
          header: 'Output tokens/s',
          numeric: true,
          cell: (r) => (r.output_tokens_per_second === null ? '—' : formatInt(r.output_tokens_per_second)),
          raw: (r) => r.output_tokens_per_second,
        },
        {
          header: 'Peak req/min',
          numeric: true,
          cell: (r) => formatInt(r.peak_requests_per_minute),
          raw: (r) => r.peak_requests_per_minute,
        },
      ],
      rows,
      rowKey: (r) => `${r.provider}/${r.key}`,
    }),
  );
}
