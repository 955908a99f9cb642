// CSV per RFC 4180: CRLF line ends, a header row, fields quoted when they hold a comma, a quote,
// CR or LF, quotes doubled. Formula injection is neutralised the OWASP way: a text cell starting
// with = + - @ TAB or CR gets a leading apostrophe (') so spreadsheets show it as text instead
// of evaluating it. Numbers are never prefixed (a number is not a formula).

import type { CellValue, ExportTable } from './table.ts';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'number') text = Number.isFinite(value) ? String(value) : '';
  else if (typeof value === 'boolean') text = value ? 'true' : 'false';
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = value;
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(table: ExportTable): string {
  return `${table.columns.map((c) => csvCell(c.name)).join(',')}\r\n${toCsvRows(table)}`;
}

/** The data rows only (for an export written in parts after one header). */
export function toCsvRows(table: ExportTable): string {
  let out = '';
  for (const row of table.rows) out += `${row.map(csvCell).join(',')}\r\n`;
  return out;
}
