// JSON export: one array of row objects (what DuckDB's read_json and most tools take as is).

import { type ExportTable, rowObject } from './table.ts';

export function toJsonArray(table: ExportTable): string {
  return `[${toJsonElements(table)}]\n`;
}

/** The array's elements, comma-separated (for an export written in parts). */
export function toJsonElements(table: ExportTable): string {
  return table.rows.map((row) => JSON.stringify(rowObject(table.columns, row))).join(',\n');
}
