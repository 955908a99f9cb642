// Hand-built hourly rollup rows for the query tests: every sum zero unless the test sets it.

import type { Period } from '../../../../lib/analytics/period.ts';
import type { HourRow } from '../../../../lib/analytics/rollup-query.ts';
import { ROLLUP_SCHEMA_VERSION, type Rollup, type RollupRow } from '../../../../lib/usage/rollup.ts';

export function hourRow(at: string, fields: Partial<RollupRow> = {}): HourRow {
  const instant = Date.parse(at);
  const row: RollupRow = {
    source: 'demo',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    project: null,
    user: null,
    machine: null,
    api_key: null,
    workspace: null,
    hour: new Date(instant).getUTCHours(),
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_tokens: 0,
    cache_read_tokens: 0,
    requests: 0,
    records: 0,
    cost_usd: 0,
    reported_cost_usd: 0,
    reported_priced_usd: 0,
    unpriced_records: 0,
    unpriced_tokens: 0,
    ...fields,
  };
  return { at: instant, row };
}

export function utcPeriod(start: string, end: string, timeZone = 'UTC'): Period {
  return { start: new Date(start), end: new Date(end), timeZone, window: null };
}

export function rollupOf(day: string, rows: RollupRow[], latency: Rollup['latency'] = []): Rollup {
  return {
    schema_version: ROLLUP_SCHEMA_VERSION,
    day,
    built_at: `${day}T23:59:00.000Z`,
    price_table: 'test',
    inputs: [],
    rows,
    latency,
    stats: { records: rows.length, duplicates: 0, invalid_lines: 0, quarantined_lines: 0 },
  };
}

/** The local calendar day of an instant, by the platform's own zone rules. */
export function localDayOf(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

export function allTokens(r: RollupRow): number {
  return r.input_tokens + r.output_tokens + r.cache_creation_tokens + r.cache_read_tokens;
}
