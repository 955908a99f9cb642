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
  shortId,
} from '../../../lib/statusline/recent-usage.ts';
import { parseStatuslineSummary } from '../../../lib/statusline/statusline.ts';
import { statuslineSummarySchema } from '../../../lib/statusline/summary.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { recordId } from '../../../lib/usage/record.ts';
import { assistantLine, writeLog } from '../../support/claude-logs.ts';

const pricer = createPricer();
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
    const one = await refreshRecentUsage(u, { configDirs: [claude], now, pricer });
    expect(one.filesRead).toBe(2);
    // Output tokens of the one entry: the larger copy. Its cost: 40 sonnet output tokens at $15 per million.
    expect([...u.entries.values()].map((e) => [e[7], e[11]])).toEqual([[40, (40 * 15) / 1e6]]);
    expect(await refreshRecentUsage(u, { configDirs: [claude], now, pricer })).toEqual({ filesRead: 0, bytesRead: 0, changed: false });
    const added = `${line('m2', '2026-11-29T11:00:00.000Z', 5)}\n`;
    writeLog(claude, 'p/s.jsonl', [added.trim()], { append: true });
    expect(await refreshRecentUsage(u, { configDirs: [claude], now, pricer })).toEqual({
      filesRead: 1,
      bytesRead: Buffer.byteLength(added),
      changed: true,
    });
    expect(u.entries.size).toBe(2);
    // A file rewritten from scratch (its first KiB changed) is read again from the start.
    writeFileSync(file, `${line('m3', '2026-11-29T11:30:00.000Z', 7)}\n`);
    await refreshRecentUsage(u, { configDirs: [claude], now, pricer });
    expect(u.entries.has(shortId(recordId('claude-code', 'm3', 'r-m3')))).toBe(true);
  });

  it('does not open transcripts last written before the horizon, and survives a save and load', async () => {
    const claude = join(root, 'b');
    const now = Date.parse('2026-11-29T12:00:00Z');
    const old = writeLog(claude, 'p/old.jsonl', [assistantLine({ ts: '2026-11-01T10:00:00.000Z', msgId: 'o', output: 1 })]);
    utimesSync(old, new Date('2026-11-01T10:00:00Z'), new Date('2026-11-01T10:00:00Z'));
    writeLog(claude, 'p/new.jsonl', [assistantLine({ ts: '2026-11-29T10:00:00.000Z', msgId: 'n', output: 2, session: 's9' })]);
    const u = emptyRecentUsage(now);
    expect((await refreshRecentUsage(u, { configDirs: [claude], now, pricer })).filesRead).toBe(1);
    await saveRecentUsage(join(root, 'cache-b'), u);
    const back = await loadRecentUsage(join(root, 'cache-b'), now);
    expect(back.entries).toEqual(u.entries);
    expect(back.files).toEqual(u.files);
    expect(back.labels).toEqual(u.labels);
    expect(back.coversFrom).toBe(u.coversFrom);
  });
});

describe('pruneRecentUsage', () => {
  it('drops whole blocks before the horizon, keeping a block that straddles it', () => {
    const u = emptyRecentUsage(0);
    const add = (n: number, iso: string) => u.entries.set(`id-${n}`, [Date.parse(iso), -1, -1, -1, -1, -1, 0, 1, 0, 0, 0, 0, 0]);
    add(1, '2026-11-20T08:00:00.000Z'); // block 08:00–13:00, gone
    add(2, '2026-11-20T14:10:00.000Z'); // block 14:00–19:00 straddles 15:00: kept whole
    add(3, '2026-11-20T18:00:00.000Z');
    expect(pruneRecentUsage(u, Date.parse('2026-11-20T15:00:00Z'))).toBe(true);
    expect(pruneRecentUsage(u, Date.parse('2026-11-20T15:00:00Z'))).toBe(false);
    expect([...u.entries.keys()]).toEqual(['id-2', 'id-3']);
    expect(u.coversFrom).toBe(Date.parse('2026-11-20T14:00:00Z'));
  });
});

describe('the status line summary check', () => {
  /** Mostly valid values, sometimes one that is not: both answers occur. */
  const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
    fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
  const money = fc.double({ noNaN: true, noDefaultInfinity: true });
  const few = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 2 });
  const summary = fc.record({
    version: mostly(fc.constant(1), fc.constant(2)),
    refreshed_at: mostly(fc.integer(), fc.constant(Number.NaN)),
    time_zone: mostly(fc.constantFrom('UTC', 'Asia/Tokyo'), fc.constant(3)),
    days: few(fc.tuple(mostly(fc.string(), fc.constant(null)), fc.integer(), mostly(fc.integer(), fc.constant(Number.NaN)))),
    hours: few(fc.tuple(fc.integer(), money, fc.nat(), mostly(fc.nat(), fc.constant(-1)))),
    sessions: few(fc.tuple(mostly(fc.string(), fc.constant(7)), money)),
    blocks: few(
      fc.record({
        start: fc.integer(),
        end: fc.integer(),
        cost_usd: money,
        tokens: mostly(fc.nat(), fc.constant(1.5)),
        cost_usd_per_hour: fc.option(money),
        tokens_per_minute: fc.option(money),
      }),
    ),
    files: few(fc.tuple(fc.string(), mostly(fc.nat(), fc.constant(-3)))),
  });

  it('accepts exactly what the zod schema accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(summary, (s) => {
        const ok = statuslineSummarySchema.safeParse(s).success;
        if (ok) accepted++;
        expect(parseStatuslineSummary(s) !== null).toBe(ok);
      }),
      { numRuns: 1000 },
    );
    // Both answers occur, so the comparison says something.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(1000);
    expect(parseStatuslineSummary(null)).toBeNull();
  });
});
