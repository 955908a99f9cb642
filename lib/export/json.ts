// JSON export: one array of row objects (what DuckDB's read_json and most tools take as is).

import { type ExportTable, rowObject } from './table.ts';

export function toJsonArray(table: ExportTable): string {
  const parts = table.rows.map((row) => JSON.stringify(rowObject(table.columns, row)));
  return `[${parts.join(',\n')}]\n`;
}
