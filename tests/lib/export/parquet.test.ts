import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toParquet } from '../../../lib/export/parquet.ts';
import type { ExportTable } from '../../../lib/export/table.ts';

const table: ExportTable = {
  columns: [
    { name: 'id', type: 'string' },
    { name: 'ts', type: 'timestamp' },
    { name: 'input_tokens', type: 'int' },
    { name: 'cost_usd', type: 'double' },
    { name: 'project', type: 'string' },
    { name: 'attributes', type: 'json' },
  ],
  rows: [
    ['a1', '2026-01-31T01:17:33.120Z', 1200, 0.01234, 'web', { tool: 'search' }],
    ['a2', '2026-02-01T00:00:00.000Z', 9_007_199_254_740_991, 0, null, {}],
    ['a3', '2026-02-01T23:59:59.999Z', 0, null, 'émoji ✓', null],
  ],
};

let dir: string;
let db: DuckDBInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenlake-parquet-'));
  db = await DuckDBInstance.create(':memory:');
});
afterAll(() => db.closeSync());

async function query(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const connection = await db.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const reader = await connection.runAndReadAll(sql.replaceAll('FILE', `read_parquet('${file}')`));
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

describe('toParquet', () => {
  it('writes typed columns DuckDB reads: TIMESTAMPTZ, BIGINT, DOUBLE, VARCHAR, JSON', async () => {
    const file = join(dir, 'typed.parquet');
    writeFileSync(file, toParquet(table));
    const types = await query(file, 'DESCRIBE SELECT * FROM FILE');
    expect(types.map((t) => [t.column_name, t.column_type])).toEqual([
      ['id', 'VARCHAR'],
      ['ts', 'TIMESTAMP WITH TIME ZONE'],
      ['input_tokens', 'BIGINT'],
      ['cost_usd', 'DOUBLE'],
      ['project', 'VARCHAR'],
      ['attributes', 'JSON'],
    ]);
    const rows = await query(
      file,
      'SELECT id, epoch_ms(ts)::VARCHAR AS ms, input_tokens::VARCHAR AS n, cost_usd, project, attributes FROM FILE ORDER BY id',
    );
    expect(rows).toEqual([
      {
        id: 'a1',
        ms: String(Date.parse('2026-01-31T01:17:33.120Z')),
        n: '1200',
        cost_usd: 0.01234,
        project: 'web',
        attributes: '{"tool":"search"}',
      },
      { id: 'a2', ms: String(Date.parse('2026-02-01T00:00:00.000Z')), n: '9007199254740991', cost_usd: 0, project: null, attributes: '{}' },
      { id: 'a3', ms: String(Date.parse('2026-02-01T23:59:59.999Z')), n: '0', cost_usd: null, project: 'émoji ✓', attributes: null },
    ]);
  });

  it('reads back with hyparquet too', async () => {
    const bytes = toParquet(table);
    const rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    });
    expect(rows.map((r) => [r.id, (r.ts as Date).toISOString(), r.input_tokens, r.cost_usd])).toEqual([
      ['a1', '2026-01-31T01:17:33.120Z', 1200n, 0.01234],
      ['a2', '2026-02-01T00:00:00.000Z', 9_007_199_254_740_991n, 0],
      ['a3', '2026-02-01T23:59:59.999Z', 0n, null],
    ]);
  });

  it('writes the schema of an empty export', async () => {
    const file = join(dir, 'empty.parquet');
    writeFileSync(file, toParquet({ columns: table.columns, rows: [] }));
    expect(await query(file, 'SELECT count(*)::INTEGER AS n FROM FILE')).toEqual([{ n: 0 }]);
    expect((await query(file, 'DESCRIBE SELECT * FROM FILE')).map((t) => t.column_type)).toContain('TIMESTAMP WITH TIME ZONE');
  });
});
