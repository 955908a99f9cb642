// Parquet export with hyparquet-writer (pure JS, small enough for a Lambda bundle). The schema is
// explicit so types never depend on the data: timestamps as INT64 TIMESTAMP(MILLIS, UTC) (DuckDB
// reads TIMESTAMP WITH TIME ZONE), whole numbers as INT64, money and latency as DOUBLE, labels as
// UTF-8 strings, objects as JSON; every column nullable, so an empty export still has a schema.

import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSpec, ExportTable } from './table.ts';

// The SchemaElement type lives in hyparquet (a dev dependency); the shape is small enough to state.
interface ParquetSchemaElement {
  name: string;
  num_children?: number;
  type?: 'INT64' | 'DOUBLE' | 'BYTE_ARRAY';
  repetition_type?: 'OPTIONAL';
  converted_type?: 'UTF8' | 'JSON' | 'TIMESTAMP_MILLIS';
  logical_type?: { type: 'TIMESTAMP'; isAdjustedToUTC: boolean; unit: 'MILLIS' };
}

function schemaElement(column: ColumnSpec): ParquetSchemaElement {
  const name = column.name;
  switch (column.type) {
    case 'string':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' };
    case 'json':
      return { name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'OPTIONAL' };
    case 'int':
      return { name, type: 'INT64', repetition_type: 'OPTIONAL' };
    case 'double':
      return { name, type: 'DOUBLE', repetition_type: 'OPTIONAL' };
    case 'timestamp':
      return {
        name,
        type: 'INT64',
        repetition_type: 'OPTIONAL',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      };
  }
}

function columnValues(column: ColumnSpec, index: number, table: ExportTable): unknown[] {
  return table.rows.map((row) => {
    const v = row[index];
    if (v === null || v === undefined) return null;
    switch (column.type) {
      case 'int':
        return BigInt(Math.trunc(Number(v)));
      case 'double':
        return Number(v);
      case 'timestamp':
        return new Date(String(v));
      case 'json':
        return v;
      default:
        return typeof v === 'string' ? v : JSON.stringify(v);
    }
  });
}

export function toParquet(table: ExportTable): Uint8Array {
  const schema = [{ name: 'root', num_children: table.columns.length }, ...table.columns.map(schemaElement)];
  const columnData = table.columns.map((c, i) => ({ name: c.name, data: columnValues(c, i, table) }));
  const buffer = parquetWriteBuffer({
    columnData,
    schema,
    createdBy: 'tokenlake',
  } as Parameters<typeof parquetWriteBuffer>[0]);
  return new Uint8Array(buffer);
}
