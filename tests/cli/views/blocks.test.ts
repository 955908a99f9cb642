import { appendFileSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlocksUsageError, parseBlocksArgs, renderBlocksTable, runBlocks } from '../../../cli/views/blocks.ts';
import { blocksReportSchema } from '../../../lib/analytics/blocks.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { assistantLine } from '../../support/claude-logs.ts';
import { NOW, writeRecentTree } from '../../support/recent-claude-tree.ts';

const root = mkdtempSync(join(tmpdir(), 'tl-blocks-'));
const claude = join(root, 'claude');
let transcript = '';
/** The frame's text without its terminal control sequences (ESC [ … letter). */
const ESCAPES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
const ctx = () => ({ cacheDir: join(root, 'cache'), claudeConfigDirs: [claude], pricer: createPricer(), timeZone: 'UTC' });

beforeAll(() => {
  transcript = writeRecentTree(claude).transcript;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function blocks(args: string[], options: { isTTY?: boolean; maxFrames?: number; now?: () => number } = {}) {
  let out = '';
  const code = await runBlocks(
    parseBlocksArgs(args),
    ctx(),
    {
      stdout: (t) => {
        out += t;
      },
      isTTY: options.isTTY ?? false,
      now: options.now ?? (() => NOW),
      ...(options.maxFrames !== undefined ? { maxFrames: options.maxFrames } : {}),
    },
    false,
  );
  return { code, out };
}

describe('tokenlake blocks --json', () => {
  it('matches the hand-computed blocks', async () => {
    const { code, out } = await blocks(['--json']);
    expect(code).toBe(0);
    const report = blocksReportSchema.parse(JSON.parse(out));
    expect(report.covers_from).toBe('2026-11-22T14:30:00.000Z');
    expect(report.blocks.map((b) => [b.start, b.end, b.active, b.records, b.total_tokens])).toEqual([
      ['2026-11-28T22:00:00.000Z', '2026-11-29T03:00:00.000Z', false, 1, 100_000],
      ['2026-11-29T09:00:00.000Z', '2026-11-29T14:00:00.000Z', false, 2, 350_000],
      ['2026-11-29T14:00:00.000Z', '2026-11-29T19:00:00.000Z', true, 2, 120_000],
    ]);
    const [single, past, active] = report.blocks;
    // One message: no elapsed time, no rate.
    expect(single!.burn_rate).toBeNull();
    expect(single!.cost_usd).toBeCloseTo(0.3, 12);
    // $1.65 over the 100 minutes 09:20–11:00: 3,500 tokens/min, $0.99/h; past blocks project nothing.
    expect(past!.cost_usd).toBeCloseTo(1.65, 12);
    expect(past!.burn_rate!.tokens_per_minute).toBeCloseTo(3500, 9);
    expect(past!.burn_rate!.cost_usd_per_hour).toBeCloseTo(0.99, 12);
    expect(past!.projection).toBeNull();
    // $2.40 over the 15 minutes 14:10–14:25: 8,000 tokens/min, $9.60/h; 270 minutes to 19:00.
    expect(active).toMatchObject({ first_activity: '2026-11-29T14:10:00.000Z', last_activity: '2026-11-29T14:25:00.000Z' });
    expect(active!.models).toEqual(['claude-sonnet-4-5-20250929', 'claude-opus-4-1']);
    expect(active!.cost_usd).toBeCloseTo(2.4, 12);
    expect(active!.burn_rate!.tokens_per_minute).toBeCloseTo(8000, 9);
    expect(active!.burn_rate!.io_tokens_per_minute).toBeCloseTo(8000, 9);
    expect(active!.burn_rate!.cost_usd_per_hour).toBeCloseTo(9.6, 12);
    expect(active!.projection!.remaining_minutes).toBe(270);
    expect(active!.projection!.total_tokens).toBeCloseTo(120_000 + 8000 * 270, 6);
    expect(active!.projection!.cost_usd).toBeCloseTo(2.4 + 0.16 * 270, 9);
  });

  it('prints the table with the active block marked', async () => {
    const report = blocksReportSchema.parse(JSON.parse((await blocks(['--json'])).out));
    const lines = renderBlocksTable(report, false).split('\n');
    expect(lines[0]).toBe('tokenlake — Claude 5-hour blocks since 2026-11-22 14:30 (UTC)');
    const active = lines.find((l) => l.startsWith('2026-11-29 14:00'))!;
    expect(active).toContain('ACTIVE, 4h30m left');
    expect(active).toMatch(/\$2\.40\s+\$9\.60\/h\s+\$45\.60$/);
    expect(lines.find((l) => l.startsWith('2026-11-29 09:00'))).toMatch(/done .*\$1\.65\s+\$0\.99\/h\s*$/);
  });
});

describe('tokenlake blocks --live', () => {
  it('refuses to run without a terminal', async () => {
    await expect(blocks(['--live'])).rejects.toThrow(BlocksUsageError);
  });

  it('redraws the active block in place and reads only what was appended', async () => {
    let clock = NOW;
    let frames = '';
    // First frame at 14:30; then a message is appended and the second frame at 14:40 reads just that line.
    const first = await blocks(['--live', '--interval', '0.5'], { isTTY: true, maxFrames: 1, now: () => clock });
    frames += first.out;
    expect(first.out.startsWith('\u001b[?1049h\u001b[?25l\u001b[H')).toBe(true);
    expect(first.out.endsWith('\u001b[J\u001b[?25h\u001b[?1049l')).toBe(true);
    const text = first.out.replace(ESCAPES, '');
    expect(text).toContain('Block      2026-11-29 14:00 → 19:00 (UTC), first message 14:10');
    expect(text).toContain('Elapsed    30m [███░░░░░░░░░░░░░░░░░░░░░░░░░░░] 10% · 4h30m left');
    expect(text).toContain('Cost       $2.40');
    expect(text).toContain('Burn rate  $9.60/h · 8.0 k tokens/min (8.0 k input+output)');
    expect(text).toContain('Projected  $45.60 · 2.3 M tokens at 19:00');

    const line = assistantLine({ ts: '2026-11-29T14:35:00.000Z', msgId: 'a5', requestId: 'q5', output: 20_000, session: 'sess-1' });
    appendFileSync(transcript, `${line}\n`);
    utimesSync(transcript, new Date(NOW), new Date(NOW));
    clock = NOW + 10 * 60_000;
    const second = await blocks(['--live'], { isTTY: true, maxFrames: 1, now: () => clock });
    frames += second.out;
    const text2 = second.out.replace(ESCAPES, '');
    // +$0.30; 140,000 tokens over the 25 minutes 14:10–14:35.
    expect(text2).toContain('Cost       $2.70');
    expect(text2).toContain(`since the start read ${Buffer.byteLength(line) + 1} new bytes from 1 transcript`);
    expect(frames).not.toContain('undefined');
  });
});

describe('parseBlocksArgs', () => {
  it.each([
    [['--live', '--json'], '--live and --json cannot be combined (--json prints once)'],
    [['--live', '--interval', '0'], '--interval: expected seconds between 0.5 and 60, got "0"'],
    [['--interval', '5'], '--interval goes with --live'],
    [['--timezone', 'Nowhere/Land'], '--timezone: not an IANA time zone: "Nowhere/Land"'],
  ])('refuses %j', (args, reason) => {
    expect(() => parseBlocksArgs(args)).toThrow(new BlocksUsageError(reason));
  });
});
