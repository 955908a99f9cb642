#!/usr/bin/env node
// SQL over the local lake with DuckDB (installed with the project; no duckdb binary needed):
//   npm run lake:sql -- "select model, sum(output_tokens) from usage group by 1 order by 2 desc"
//   npm run lake:sql -- --file infra/athena/queries/window_totals.duckdb.sql --as-of 2026-11-23
// Views: lake_usage / lake_events — the lake lines as written (infra/athena/duckdb_views.sql, the
// Athena tables' twins; the lake is at-least-once, so an id can appear in more than one object) —
// and usage: one copy per id and day, the one analyze counts (most tokens, then the latest).
// The lake is read where the local stack keeps it: $TOKENLAKE_DATA_DIR (default ./.tokenlake)/$TOKENLAKE_BUCKET (default tokenlake).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { file: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
});
if (values.help || (positionals.length === 0 && !values.file)) {
  process.stdout.write(
    `${readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 9)
      .join('\n')
      .replaceAll('// ', '')}\n`,
  );
  process.exit(values.help ? 0 : 2);
}
if (values['as-of'] !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values['as-of'])) {
  process.stderr.write(`lake:sql: --as-of: expected a day as YYYY-MM-DD, got "${values['as-of']}"\n`);
  process.exit(2);
}

const lake = join(resolve(process.env.TOKENLAKE_DATA_DIR ?? '.tokenlake'), process.env.TOKENLAKE_BUCKET || 'tokenlake', 'lake');
const hasLines = (dataset) => {
  const dir = join(lake, dataset);
  return (
    existsSync(dir) && readdirSync(dir).some((d) => d.startsWith('dt=') && readdirSync(join(dir, d)).some((f) => f.endsWith('.jsonl')))
  );
};
if (!hasLines('usage')) {
  process.stderr.write(`lake:sql: no usage in ${join(lake, 'usage')} (run "npx tokenlake sync", or set TOKENLAKE_DATA_DIR)\n`);
  process.exit(1);
}

const quote = (s) => s.replaceAll("'", "''");
const views = readFileSync(join(root, 'infra', 'athena', 'duckdb_views.sql'), 'utf8').split(/;\s*\n/);
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
try {
  for (const statement of views) {
    if (!/CREATE/i.test(statement)) continue;
    const dataset = /lake_events/.test(statement) ? 'events' : 'usage';
    if (!hasLines(dataset)) continue;
    await connection.run(
      statement
        .replaceAll('{{usage_files}}', quote(join(lake, 'usage', '*', '*.jsonl')))
        .replaceAll('{{events_files}}', quote(join(lake, 'events', '*', '*.jsonl'))),
    );
  }
  await connection.run(`CREATE VIEW usage AS
    SELECT * EXCLUDE (copy_rank) FROM (
      SELECT *, row_number() OVER (
        PARTITION BY dt, id
        ORDER BY input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens DESC, ts DESC) AS copy_rank
      FROM lake_usage)
    WHERE copy_rank = 1`);
  if (values['as-of']) await connection.run(`SET VARIABLE as_of = '${values['as-of']}'`);
  const sql = values.file ? readFileSync(values.file, 'utf8') : positionals.join(' ');
  const reader = await connection.runAndReadAll(sql);
  const rows = reader.getRowObjectsJson();
  if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else process.stdout.write(`${table(reader.columnNames(), rows)}\n`);
} catch (error) {
  process.stderr.write(`lake:sql: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  connection.closeSync();
}

/** A plain aligned table (numbers right-aligned). */
function table(columns, rows) {
  const cells = rows.map((r) => columns.map((c) => (r[c] === null ? '' : String(r[c]))));
  const numeric = columns.map((_, i) => cells.length > 0 && cells.every((row) => row[i] === '' || !Number.isNaN(Number(row[i]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (row) =>
    row
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), `(${rows.length} rows)`].join('\n');
}
