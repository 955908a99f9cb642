// NDJSON (JSON Lines): one JSON object per row, keys in column order, '\n' after every line.
// Timestamps stay ISO strings and json columns stay objects, as in the lake.

import { type ExportTable, rowObject } from './table.ts';

export function toNdjson(table: ExportTable): string {
  let out = '';
  for (const row of table.rows) out += `${JSON.stringify(rowObject(table.columns, row))}\n`;
  return out;
}
