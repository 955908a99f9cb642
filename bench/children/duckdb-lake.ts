// The DuckDB side: GROUP BY day, model over the lake's files as they lie in the local data folder (2 threads),
// or COPY … TO a file for the export comparison. Prints one JSON line: timing and what it read.

import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { type DayTotals, emptyDay } from '../expected-totals.ts';

const { values } = parseArgs({
  options: {
    glob: { type: 'string' },
    threads: { type: 'string', default: '2' },
    copy: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});
if (!values.glob) throw new Error('--glob is required');

// The lake's columns, stated so DuckDB does not spend time sampling to infer them.
const COLUMNS = `{id: 'VARCHAR', ts: 'VARCHAR', source: 'VARCHAR', provider: 'VARCHAR', model: 'VARCHAR', project: 'VARCHAR',
  "user": 'VARCHAR', session: 'VARCHAR', machine: 'VARCHAR', api_key: 'VARCHAR', workspace: 'VARCHAR', service_tier: 'VARCHAR',
  input_tokens: 'BIGINT', output_tokens: 'BIGINT', cache_creation_tokens: 'BIGINT', cache_creation_1h_tokens: 'BIGINT',
  cache_read_tokens: 'BIGINT', requests: 'BIGINT', cost_usd: 'DOUBLE', cost_source: 'VARCHAR', latency_ms: 'DOUBLE', bucket_seconds: 'BIGINT'}`;
const source = `read_json('${values.glob}', format = 'newline_delimited', hive_partitioning = true, columns = ${COLUMNS})`;

const instance = await DuckDBInstance.create(':memory:', { threads: values.threads ?? '2' });
const connection = await instance.connect();
const started = performance.now();
if (values.copy) {
  const where = values.from && values.to ? `WHERE dt BETWEEN DATE '${values.from}' AND DATE '${values.to}'` : '';
  const format = values.copy === 'ndjson' ? 'FORMAT JSON' : values.copy === 'csv' ? 'FORMAT CSV, HEADER' : 'FORMAT PARQUET';
  const reader = await connection.runAndReadAll(`COPY (SELECT * EXCLUDE (dt) FROM ${source} ${where}) TO '${values.out}' (${format})`);
  const ms = performance.now() - started;
  const rows = Number(reader.getRows()[0]?.[0] ?? 0);
  process.stdout.write(`${JSON.stringify({ ms, rows })}\n`);
} else {
  const reader = await connection.runAndReadAll(`
    SELECT strftime(dt, '%Y-%m-%d') AS day, model, count(*) AS records,
      sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
      sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_creation_1h_tokens) AS cache_creation_1h_tokens,
      sum(cache_read_tokens) AS cache_read_tokens, sum(cost_usd) AS cost_usd
    FROM ${source} GROUP BY ALL ORDER BY day, model`);
  const ms = performance.now() - started;
  const groups = reader.getRowObjectsJson() as Array<Record<string, string | number>>;
  const daily: Record<string, DayTotals> = {};
  let records = 0;
  for (const g of groups) {
    const d = daily[String(g.day)] ?? emptyDay();
    daily[String(g.day)] = d;
    d.messages += Number(g.records);
    records += Number(g.records);
    for (const k of [
      'input_tokens',
      'output_tokens',
      'cache_creation_tokens',
      'cache_creation_1h_tokens',
      'cache_read_tokens',
      'cost_usd',
    ] as const)
      d[k] += Number(g[k]);
  }
  process.stdout.write(`${JSON.stringify({ ms, records, groups: groups.length, daily })}\n`);
}
connection.closeSync();
instance.closeSync();
