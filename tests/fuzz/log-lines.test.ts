// Property tests: any bytes in a Claude Code log either become valid records or are quarantined
// with a reason, the counts add up, and nothing throws. Bounded in CI; FUZZ_RUNS=N for longer.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { createClaudeCodeSource } from '../../lib/sources/claude-code/index.ts';
import { parseJsonl } from '../../lib/store/jsonl.ts';
import { usageRecordSchema } from '../../lib/usage/record.ts';
import { assistantLine } from '../support/claude-logs.ts';
import { MemoryStore } from '../support/memory-store.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 60);

/** Lines a real log might hold, valid or mangled. */
const lineArb = fc.oneof(
  fc
    .record({
      msg: fc.constantFrom('m1', 'm2', 'm3', undefined),
      input: fc.oneof(fc.nat(1_000_000), fc.integer({ min: -5, max: -1 }), fc.constant(1.5), fc.constant(2 ** 60)),
      output: fc.nat(100_000),
      hour: fc.integer({ min: 0, max: 23 }),
    })
    .map((l) =>
      assistantLine({
        ts: `2026-03-01T${String(l.hour).padStart(2, '0')}:00:00.000Z`,
        msgId: l.msg,
        requestId: l.msg ? 'r' : undefined,
        input: l.input as number,
        output: l.output,
      }),
    ),
  fc.json(),
  fc.string({ unit: 'binary' }),
  fc.constant('{"type":"assistant","message":{"usage":'),
  fc.constant('\u0000\u0000"usage"'),
  fc.constant(''),
  fc.constant('{"type":"user","message":{"content":"a"}}'),
);

const bytesArb = fc
  .tuple(fc.array(lineArb, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.uint8Array({ maxLength: 64 }))
  .map(([lines, eol, finalNewline, junk]) => {
    const text = lines.map((l) => l.replaceAll('\n', ' ').replaceAll('\r', ' ')).join(eol) + (finalNewline ? eol : '');
    // Occasionally splice raw bytes (invalid UTF-8, NULs) into the middle.
    const buf = Buffer.from(text);
    const at = Math.floor(buf.length / 2);
    return junk.length > 0 && junk[0]! % 4 === 0 ? Buffer.concat([buf.subarray(0, at), Buffer.from(junk), buf.subarray(at)]) : buf;
  });

describe('fuzzing the claude-code reader', () => {
  it('never throws, emits only valid records, and accounts for every line', async () => {
    await fc.assert(
      fc.asyncProperty(bytesArb, async (bytes) => {
        const root = mkdtempSync(join(tmpdir(), 'tl-fuzz-'));
        try {
          mkdirSync(join(root, 'projects', 'p'), { recursive: true });
          writeFileSync(join(root, 'projects', 'p', 's.jsonl'), bytes);
          const config = parseConfig({
            CLAUDE_CONFIG_DIR: root,
            TOKENLAKE_SOURCES: 'claude-code',
            TOKENLAKE_MACHINE: 'm',
            TOKENLAKE_USER: 'u',
          });
          const pull = await createClaudeCodeSource().pull({
            store: new MemoryStore(),
            config,
            now: new Date('2026-03-02T00:00:00Z'),
            log: silentLogger,
          });
          for (const r of pull.records) expect(usageRecordSchema.safeParse(r).success).toBe(true);
          const s = pull.stats;
          // Every non-empty complete line is exactly one of: a record, a duplicate, quarantined, skipped.
          expect(s.records + s.duplicates + s.quarantined + s.skipped).toBe(s.read);
          expect(pull.quarantine.every((q) => q.reason.length > 0 && q.line > 0)).toBe(true);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: runs, seed: 20261123 },
    );
  });

  it('parses lake lines into valid records or rejects with a reason, never throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.json(), fc.string()), { maxLength: 30 }), (lines) => {
        const text = lines.join('\n');
        const { values, rejects } = parseJsonl(text, usageRecordSchema);
        const nonEmpty = text.split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '').length;
        expect(values.length + rejects.length).toBe(nonEmpty);
        expect(rejects.every((r) => r.reason.length > 0)).toBe(true);
      }),
      { numRuns: runs * 5, seed: 7 },
    );
  });
});
