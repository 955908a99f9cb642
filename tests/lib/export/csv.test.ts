import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, plainNumber, toCsv } from '../../../lib/export/csv.ts';
import type { ExportTable } from '../../../lib/export/table.ts';

/** A strict RFC 4180 reader (CRLF records, quoted fields), independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        cell += c;
        i++;
      }
    } else if (c === '"' && cell === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else {
      if (c === '"' || c === '\n' || c === '\r') throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
      cell += c;
      i++;
    }
  }
  if (cell !== '' || row.length > 0) throw new Error('last record lacks CRLF');
  return rows;
}

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['', ''],
  ])('quotes %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+49 30 1234', "'+49 30 1234"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\tcmd', "'\tcmd"],
    ['\r=cmd', `"'\r=cmd"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['\n=1+1', `"'\n=1+1"`],
    ['|cmd', "'|cmd"],
    ['  =1+1', "'  =1+1"],
    ['\u00a0@SUM(A1)', "'\u00a0@SUM(A1)"],
    ['\uff1d1+1', "'\uff1d1+1"],
    ['\uff0bcmd', "'\uff0bcmd"],
    ['\uff0d2', "'\uff0d2"],
    ['\uff20SUM(A1)', "'\uff20SUM(A1)"],
    ['\uff5ccmd', "'\uff5ccmd"],
    ['\ufe66cmd', "'\ufe66cmd"],
    ['\u22121', "'\u22121"],
  ])('neutralises the formula %j with a leading apostrophe', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each(['a=b', 'web|api', 'x@y.z', 'claude-sonnet-4-5', ' plain', '50%', '\u3000text'])('leaves %j as it is', (value) => {
    expect(csvCell(value)).toBe(value);
  });

  it('writes numbers, booleans, nulls and objects without the prefix', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(null)).toBe('');
    expect(csvCell({ a: 1, b: 'x,y' })).toBe('"{""a"":1,""b"":""x,y""}"');
  });
});

describe('toCsv', () => {
  it('writes a header and CRLF records that an RFC 4180 reader gets back exactly', () => {
    const table: ExportTable = {
      columns: [
        { name: 'user', type: 'string' },
        { name: 'cost_usd', type: 'double' },
        { name: 'note', type: 'string' },
      ],
      rows: [
        ['alice', 0.012345, 'multi\r\nline, "quoted"'],
        ['=cmd|calc', null, '-x'],
      ],
    };
    const text = toCsv(table);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(text)).toEqual([
      ['user', 'cost_usd', 'note'],
      ['alice', '0.012345', 'multi\r\nline, "quoted"'],
      ["'=cmd|calc", '', "'-x"],
    ]);
  });

  it('writes only the header for no rows', () => {
    expect(toCsv({ columns: [{ name: 'a', type: 'int' }], rows: [] })).toBe('a\r\n');
  });
});

describe('plainNumber', () => {
  it.each([
    [4.18e-7, '0.000000418'],
    [1e-7, '0.0000001'],
    [-2.5e-10, '-0.00000000025'],
    [0.000001, '0.000001'],
    [1.5e21, '1500000000000000000000'],
    [1.2345e22, '12345000000000000000000'],
    [123.45, '123.45'],
    [0, '0'],
    [-0, '0'],
    [42, '42'],
  ])('writes %s as %s', (n, text) => {
    expect(plainNumber(n)).toBe(text);
  });

  it('never writes an exponent and always reads back as the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const text = plainNumber(n);
        expect(text).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Number(text)).toBe(n === 0 ? 0 : n);
      }),
      { numRuns: 500 },
    );
  });

  it('is how CSV cells carry numbers', () => {
    expect(csvCell(4.18e-7)).toBe('0.000000418');
  });
});
