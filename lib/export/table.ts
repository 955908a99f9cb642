// The shape every export writer takes: named, typed columns and rows of plain values. Datasets
// (usage records, daily sums, events, FOCUS charges) build one; writers (CSV, JSON, NDJSON,
// Parquet) only serialise it, so a format never decides what a column means.

/** string: text; timestamp: ISO UTC instant string; int: whole number; double: float; json: object. */
type ColumnType = 'string' | 'timestamp' | 'int' | 'double' | 'json';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

export type CellValue = string | number | boolean | null | Record<string, unknown>;

export interface ExportTable {
  columns: ColumnSpec[];
  /** One array per row, values in column order. */
  rows: CellValue[][];
}

/** Keeps the named columns, in the order given. */
export function selectColumns(table: ExportTable, names: readonly string[]): ExportTable {
  const index = names.map((n) => table.columns.findIndex((c) => c.name === n));
  return {
    columns: index.map((i) => table.columns[i]!),
    rows: table.rows.map((row) => index.map((i) => row[i] ?? null)),
  };
}

/** Rows as objects keyed by column name (JSON and NDJSON). */
export function rowObject(columns: readonly ColumnSpec[], row: readonly CellValue[]): Record<string, CellValue> {
  const out: Record<string, CellValue> = {};
  columns.forEach((c, i) => {
    out[c.name] = row[i] ?? null;
  });
  return out;
}
