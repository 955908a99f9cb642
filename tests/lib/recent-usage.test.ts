import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  emptyRecentUsage,
  loadRecentUsage,
  pruneRecentUsage,
  refreshRecentUsage,
  saveRecentUsage,
  statuslineSummarySchema,
} from '../../lib/recent-usage.ts';
import { makeRecord, recordId } from '../../lib/record.ts';
import { parseStatuslineSummary } from '../../lib/statusline.ts';
import { assistantLine, writeLog } from '../support/claude-logs.ts';

const root = mkdtempSync(join(tmpdir(), 'tl-recent-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('refreshRecentUsage', () => {
  it('reads each transcript once, then only what was appended, one record per message', async () => {
    const claude = join(root, 'a');
    const now = Date.parse('2026-11-29T12:00:00Z');
    const line = (id: string, ts: string, output: number) => assistantLine({ ts, msgId: id, requestId: `r-${id}`, output });
    const first = line('m1', '2026-11-29T10:00:00.000Z', 10);
    const file = writeLog(claude, 'p/s.jsonl', [first, line('m1', '2026-11-29T10:00:00.000Z', 40)]);
    // The same message replayed into a resumed session's file counts once.
    writeLog(claude, 'p/resumed.jsonl', [line('m1', '2026-11-29T10:00:00.000Z', 40)]);
    const u = emptyRecentUsage(now);
    const one = await refreshRecentUsage(u, { configDirs: [claude], now });
    expect(one.filesRead).toBe(2);
    expect([...u.records.values()].map((r) => r.output_tokens)).toEqual([40]);
    expect(await refreshRecentUsage(u, { configDirs: [claude], now })).toEqual({ filesRead: 0, bytesRead: 0 });
    const added = `${line('m2', '2026-11-29T11:00:00.000Z', 5)}\n`;
    writeLog(claude, 'p/s.jsonl', [added.trim()], { append: true });
    expect(await refreshRecentUsage(u, { configDirs: [claude], now })).toEqual({ filesRead: 1, bytesRead: Buffer.byteLength(added) });
    expect(u.records.size).toBe(2);
    // A file rewritten from scratch (its first KiB changed) is read again from the start.
    writeFileSync(file, `${line('m3', '2026-11-29T11:30:00.000Z', 7)}\n`);
    await refreshRecentUsage(u, { configDirs: [claude], now });
    expect(u.records.has(recordId('claude-code', 'm3', 'r-m3'))).toBe(true);
  });

  it('does not open transcripts last written before the horizon, and survives a save and load', async () => {
    const claude = join(root, 'b');
    const now = Date.parse('2026-11-29T12:00:00Z');
    const old = writeLog(claude, 'p/old.jsonl', [assistantLine({ ts: '2026-11-01T10:00:00.000Z', msgId: 'o', output: 1 })]);
    utimesSync(old, new Date('2026-11-01T10:00:00Z'), new Date('2026-11-01T10:00:00Z'));
    writeLog(claude, 'p/new.jsonl', [assistantLine({ ts: '2026-11-29T10:00:00.000Z', msgId: 'n', output: 2, session: 's9' })]);
    const u = emptyRecentUsage(now);
    expect((await refreshRecentUsage(u, { configDirs: [claude], now })).filesRead).toBe(1);
    await saveRecentUsage(join(root, 'cache-b'), u);
    const back = await loadRecentUsage(join(root, 'cache-b'), now);
    expect(back.records).toEqual(u.records);
    expect(back.files).toEqual(u.files);
    expect(back.coversFrom).toBe(u.coversFrom);
  });
});

describe('pruneRecentUsage', () => {
  it('drops whole blocks before the horizon, keeping a block that straddles it', () => {
    const u = emptyRecentUsage(0);
    const add = (n: number, iso: string) =>
      u.records.set(
        `id-${n}`,
        makeRecord({ id: `id-${n}`, ts: iso, source: 'claude-code', provider: 'anthropic', model: 'm', output_tokens: 1 }),
      );
    add(1, '2026-11-20T08:00:00.000Z'); // block 08:00–13:00, gone
    add(2, '2026-11-20T14:10:00.000Z'); // block 14:00–19:00 straddles 15:00: kept whole
    add(3, '2026-11-20T18:00:00.000Z');
    pruneRecentUsage(u, Date.parse('2026-11-20T15:00:00Z'));
    expect([...u.records.keys()]).toEqual(['id-2', 'id-3']);
    expect(u.coversFrom).toBe(Date.parse('2026-11-20T14:00:00Z'));
  });
});

describe('the status line summary check', () => {
  const summary = fc.record({
    version: fc.constantFrom(1, 2),
    refreshed_at: fc.oneof(fc.integer(), fc.constant(Number.NaN)),
    hours: fc.array(
      fc.tuple(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.nat(), fc.oneof(fc.nat(), fc.constant(-1))),
    ),
    sessions: fc.array(fc.tuple(fc.oneof(fc.string(), fc.constant(7)), fc.double({ noNaN: true, noDefaultInfinity: true }))),
    blocks: fc.array(
      fc.record({
        start: fc.integer(),
        end: fc.integer(),
        cost_usd: fc.double({ noNaN: true, noDefaultInfinity: true }),
        tokens: fc.oneof(fc.nat(), fc.constant(1.5)),
        cost_usd_per_hour: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
        tokens_per_minute: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
      }),
    ),
    files: fc.array(fc.tuple(fc.string(), fc.oneof(fc.nat(), fc.constant(-3)))),
  });

  it('accepts exactly what the zod schema accepts', () => {
    fc.assert(
      fc.property(summary, (s) => {
        expect(parseStatuslineSummary(s) !== null).toBe(statuslineSummarySchema.safeParse(s).success);
      }),
      { numRuns: 500 },
    );
    expect(parseStatuslineSummary(null)).toBeNull();
  });
});
