// CSV per RFC 4180: CRLF line ends, a header row, fields quoted when they hold a comma, a quote,
// CR or LF, quotes doubled. Formula injection is neutralised the OWASP way, extended: a text cell
// gets a leading apostrophe (') so spreadsheets show it as text instead of evaluating it when it
// starts with TAB, CR or LF, or when its first visible character (after spaces) is one a
// spreadsheet reads as a formula or a DDE call: = + - @ | or their full-width and small forms
// (＝ ＋ － ＠ ｜ ﹦ ﹢ ﹣) and the minus sign −, which some spreadsheets fold to ASCII on import.
// Numbers are never prefixed (a number is not a formula), and are written in plain decimal
// notation: JavaScript's 4.18e-7 is not a number FOCUS (or every spreadsheet) reads.

import type { CellValue, ExportTable } from './table.ts';

/** Control characters that start a cell: a spreadsheet may drop them and read what follows. */
const CONTROL_START = /^[\t\r\n]/;
/** A formula trigger as the first character after any spaces (ASCII, no-break, ideographic). */
const FORMULA_START = /^[ \u00a0\u3000]*[=+\-@|\uff1d\uff0b\uff0d\uff20\uff5c\ufe66\ufe62\ufe63\u2212]/;

/** True when a text cell would be read as a formula (or a DDE call) by a spreadsheet. */
function looksLikeFormula(text: string): boolean {
  return CONTROL_START.test(text) || FORMULA_START.test(text);
}

/**
 * A finite number in plain decimal notation with the digits of String(n) (the shortest that reads
 * back as the same double): 4.18e-7 → "0.000000418", 1.5e21 → "1500000000000000000000".
 */
export function plainNumber(n: number): string {
  const text = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, lead, fraction = '', exponent] = m;
  const digits = `${lead}${fraction}`;
  // The decimal point sits after `point` digits.
  const point = 1 + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

export function csvCell(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'number') text = Number.isFinite(value) ? plainNumber(value) : '';
  else if (typeof value === 'boolean') text = value ? 'true' : 'false';
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = value;
  if (typeof value === 'string' && looksLikeFormula(text)) text = `'${text}`;
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
