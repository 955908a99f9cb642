// The physical reference: how fast one core turns the same log lines into objects with
// JSON.parse (no I/O, no validation). Lines are split from files already in memory; the time
// covers splitting + decoding + parsing, then parsing alone. Prints one JSON line in MB/s.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { 'max-mb': { type: 'string', default: '256' } }, allowPositionals: true });
const maxBytes = Number(values['max-mb']) * 1024 * 1024;
const buffers: Buffer[] = [];
let bytes = 0;
for (const file of positionals) {
  if (bytes >= maxBytes) break;
  const b = readFileSync(file);
  buffers.push(b);
  bytes += b.length;
}

let lines = 0;
let parsed = 0;
let failed = 0;
const splitStarted = performance.now();
const texts: string[] = [];
for (const b of buffers) {
  let s = 0;
  for (;;) {
    const nl = b.indexOf(0x0a, s);
    const e = nl === -1 ? b.length : nl;
    if (e > s) texts.push(b.toString('utf8', s, e));
    if (nl === -1) break;
    s = nl + 1;
  }
}
const splitMs = performance.now() - splitStarted;
const parseStarted = performance.now();
for (const t of texts) {
  lines++;
  try {
    JSON.parse(t);
    parsed++;
  } catch {
    failed++;
  }
}
const parseMs = performance.now() - parseStarted;
const mb = bytes / 1024 / 1024;
process.stdout.write(
  `${JSON.stringify({ bytes, lines, parsed, failed, splitMs, parseMs, parseMBps: mb / (parseMs / 1000), splitAndParseMBps: mb / ((splitMs + parseMs) / 1000) })}\n`,
);
