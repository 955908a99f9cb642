// Adversarial: labels that a spreadsheet would run as a formula (or a DDE call) when a CSV or FOCUS
// export is opened — the OWASP triggers, the control characters before them, leading spaces, the
// pipe, and the full-width and small forms that some spreadsheets fold to ASCII. Each such label,
// wherever it lands in an export (project, user, model, entity), comes out as text: one leading
// apostrophe, the rest unchanged.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { csvCell } from '../../lib/export/csv.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

const NOW = new Date('2026-11-23T10:00:00.000Z');
/** Each label starts with what a spreadsheet may evaluate. */
const DANGEROUS = [
  '=1+1',
  '+1+1',
  '-1+1',
  '@SUM(A1:A9)',
  '\t=1+1',
  '\r=1+1',
  '\n=1+1',
  '|calc',
  "=cmd|' /C calc'!A0",
  '=HYPERLINK("http://evil.example","x")',
  '   =1+1',
  '\u00a0@SUM(A1)',
  '\u3000=1+1',
  '\uff1d1+1', // ＝
  '\uff0b1', // ＋
  '\uff0d1', // －
  '\uff20SUM(A1)', // ＠
  '\uff5ccalc', // ｜
  '\ufe661+1', // ﹦
  '\ufe621', // ﹢
  '\ufe631', // ﹣
  '\u22121', // − minus sign
];
/** Look alike, but no spreadsheet evaluates them: left as they are. */
const HARMLESS = ['a=1', 'web|api', 'x@y.z', ' plain', 'claude-sonnet-4-5', '%d', '\u200b=1+1'];

let data: string;
let stack: LocalStack;

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'tl-adv-csv-'));
  const config = parseConfig({ TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', PORT: '0' });
  stack = await startLocalStack({ config, now: () => NOW, log: silentLogger, sources: [], schedule: false });
  const events = [...DANGEROUS, ...HARMLESS].flatMap((label, i) => [
    {
      event_type: 'llm.usage',
      ts: '2026-11-22T09:00:00Z',
      event_id: `csv-${i}`,
      attributes: { provider: 'openai', model: label, project: label, user: label },
      metrics: { input_tokens: 10, cost_usd: 0.5 },
    },
    { event_type: 'task.completed', ts: '2026-11-22T09:00:00Z', event_id: `csv-task-${i}`, entity_type: 'task', entity_id: label },
  ]);
  const res = await fetch(`${stack.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(res.status).toBe(200);
  await stack.idle();
});

afterAll(async () => {
  await stack?.stop();
  if (data) rmSync(data, { recursive: true, force: true });
});

/** A strict RFC 4180 reader (CRLF records, quoted fields), independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

async function exportCsv(query: string): Promise<string[][]> {
  const res = await fetch(`${stack.url}/v1/export?${query}&window=7d`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
  expect(res.status, query).toBe(200);
  return parseCsv(await res.text());
}

function column(rows: string[][], name: string): string[] {
  const at = rows[0]!.indexOf(name);
  expect(at, `column ${name} in ${rows[0]}`).toBeGreaterThanOrEqual(0);
  return rows.slice(1).map((r) => r[at]!);
}

describe('formula-looking labels in exports', () => {
  it('come out of the CSV usage export as text in every label column, and harmless ones unchanged', async () => {
    const rows = await exportCsv('format=csv&dataset=usage');
    for (const name of ['project', 'user', 'model']) {
      const cells = column(rows, name);
      for (const label of DANGEROUS) {
        expect(cells, `${name} ${JSON.stringify(label)}`).toContain(`'${label}`);
        expect(cells, `${name} ${JSON.stringify(label)}`).not.toContain(label);
      }
      for (const label of HARMLESS) expect(cells, `${name} ${JSON.stringify(label)}`).toContain(label);
    }
  });

  it('come out of the FOCUS export and the events export as text too', async () => {
    const focus = await exportCsv('format=focus');
    const accounts = column(focus, 'BillingAccountName');
    for (const label of DANGEROUS) expect(accounts, JSON.stringify(label)).toContain(`'${label}`);
    const events = await exportCsv('format=csv&dataset=events');
    const entities = column(events, 'entity_id');
    for (const label of DANGEROUS) expect(entities, JSON.stringify(label)).toContain(`'${label}`);
    // Whatever the column, no cell of these exports starts a formula unless it is a number.
    const asciiTrigger = /^[=+\-@|\t\r\n]/;
    for (const rows of [focus, events]) {
      for (const cell of rows.flat()) {
        if (asciiTrigger.test(cell.trimStart())) expect(Number.isFinite(Number(cell)), JSON.stringify(cell)).toBe(true);
      }
    }
  });

  it('are neutralised for any text after any trigger, and round-trip with exactly one apostrophe (property)', () => {
    const trigger = fc.constantFrom('=', '+', '-', '@', '|', '\t', '\r', '\n', '\uff1d', '\uff0b', '\uff0d', '\uff20', '\u2212');
    fc.assert(
      fc.property(fc.constantFrom('', ' ', '  ', '\u00a0'), trigger, fc.string(), (spaces, start, rest) => {
        // Control characters count only in first place; after spaces they are just text.
        if (spaces !== '' && /[\t\r\n]/.test(start)) return;
        const label = `${spaces}${start}${rest}`;
        const [[cell]] = parseCsv(`${csvCell(label)}\r\n`) as [[string]];
        expect(cell).toBe(`'${label}`);
      }),
      { numRuns: 300, seed: 18 },
    );
  });
});
