// `tokenlake blocks`: Claude's 5-hour usage blocks of the last week from this machine's Claude
// Code transcripts (read incrementally into the cache, so no sync is needed), as a table, --json,
// or --live: the active block redrawn in place on a terminal, reading only what was appended.
// The frames are pure functions of the data and the clock, so they are tested without a terminal.

import { parseArgs } from 'node:util';
import {
  BLOCK_HOURS,
  type Block,
  type BlocksReport,
  blocksReportSchema,
  blockToJson,
  blockTokens,
  burnRate,
  identifyBlocks,
  isActiveBlock,
  projectBlock,
} from '../../lib/analytics/blocks.ts';
import { isValidTimeZone } from '../../lib/core/calendar.ts';
import { loadRecentUsage, type RecentUsage, type RefreshStats, recentActivity } from '../../lib/statusline/recent-usage.ts';
import { refreshRecentCache } from '../../lib/statusline/refresh.ts';
import type { Pricer } from '../../lib/usage/pricing/price.ts';
import { compact, int, renderTable, usd } from '../format.ts';
import { localMinute } from './report.ts';

export const BLOCKS_HELP = `tokenlake blocks [--json] [--live [--interval SECONDS]] [--timezone ZONE]

Claude's ${BLOCK_HOURS}-hour usage blocks of the last 7 days, from this machine's Claude Code transcripts (no
sync needed): a block starts at the first message after the previous block ended, on the hour, and
lasts ${BLOCK_HOURS} hours. Per block: tokens, cost, burn rate (tokens/min and $/h between its first and last
message) and, for the active block, the projection to its end. --live redraws the active block in
place every --interval seconds (default 2; Ctrl-C quits), reading only what was appended.

Examples: tokenlake blocks
          tokenlake blocks --live`;

export class BlocksUsageError extends Error {}

interface BlocksOptions {
  json: boolean;
  live: boolean;
  intervalMs: number;
  timeZone: string | undefined;
  help: boolean;
}

export function parseBlocksArgs(args: string[]): BlocksOptions {
  let values: { json?: boolean; live?: boolean; interval?: string; timezone?: string; help?: boolean };
  try {
    values = parseArgs({
      args,
      options: {
        json: { type: 'boolean' },
        live: { type: 'boolean' },
        interval: { type: 'string' },
        timezone: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new BlocksUsageError((error as Error).message);
  }
  if (values.json && values.live) throw new BlocksUsageError('--live and --json cannot be combined (--json prints once)');
  let intervalMs = 2000;
  if (values.interval !== undefined) {
    const n = Number(values.interval);
    if (!/^\d+(\.\d+)?$/.test(values.interval) || !(n >= 0.5 && n <= 60))
      throw new BlocksUsageError(`--interval: expected seconds between 0.5 and 60, got "${values.interval}"`);
    if (!values.live) throw new BlocksUsageError('--interval goes with --live');
    intervalMs = n * 1000;
  }
  if (values.timezone !== undefined && !isValidTimeZone(values.timezone))
    throw new BlocksUsageError(`--timezone: not an IANA time zone: "${values.timezone}"`);
  return { json: values.json ?? false, live: values.live ?? false, intervalMs, timeZone: values.timezone, help: values.help ?? false };
}

function blocksReport(usage: RecentUsage, now: number, timeZone: string): BlocksReport {
  const blocks = identifyBlocks(recentActivity(usage));
  return blocksReportSchema.parse({
    generated_at: new Date(now).toISOString(),
    time_zone: timeZone,
    source: 'claude-code',
    block_hours: BLOCK_HOURS,
    covers_from: new Date(usage.coversFrom).toISOString(),
    blocks: blocks.map((b) => blockToJson(b, now)),
  });
}

/** `2h05m`. */
function hoursMinutes(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const h = Math.floor(minutes / 60);
  return h > 0 ? `${h}h${String(minutes % 60).padStart(2, '0')}m` : `${minutes}m`;
}

function cost(b: { cost_usd: number; unpriced_records: number }): string {
  return b.unpriced_records > 0 ? `${usd(b.cost_usd)} + unpriced` : usd(b.cost_usd);
}

export function renderBlocksTable(report: BlocksReport, color: boolean): string {
  const tz = report.time_zone;
  const now = Date.parse(report.generated_at);
  const rows = report.blocks.map((b) => [
    localMinute(b.start, tz),
    localMinute(b.end, tz).slice(11),
    b.active ? `ACTIVE, ${hoursMinutes(Date.parse(b.end) - now)} left` : 'done',
    b.models.join(', '),
    int(b.total_tokens),
    cost(b),
    b.burn_rate ? `${usd(b.burn_rate.cost_usd_per_hour)}/h` : '—',
    b.projection ? usd(b.projection.cost_usd) : '',
  ]);
  const header = ['Block start', 'End', 'Status', 'Models', 'Tokens', 'Cost', 'Burn', 'Projected'];
  const lines = [`tokenlake — Claude ${BLOCK_HOURS}-hour blocks since ${localMinute(report.covers_from, tz)} (${tz})`, ''];
  if (report.blocks.length === 0) lines.push('No Claude Code usage in the last 7 days on this machine.');
  else lines.push(renderTable(header, rows, null, { color, numeric: new Set([4, 5, 6, 7]) }));
  return lines.join('\n');
}

const BAR_WIDTH = 30;

/** One frame of `blocks --live`: the active block, or when the next one can start. */
function renderLiveFrame(input: {
  blocks: readonly Block[];
  now: number;
  timeZone: string;
  intervalMs: number;
  /** What the refreshes of this live view read so far, together. */
  stats: RefreshStats;
}): string[] {
  const { now, timeZone: tz } = input;
  const active = input.blocks.find((b) => isActiveBlock(b, now)) ?? null;
  const lines = [`tokenlake · Claude ${BLOCK_HOURS}-hour block · live every ${input.intervalMs / 1000}s · Ctrl-C quits`, ''];
  if (!active) {
    const last = input.blocks.at(-1);
    lines.push('No active block: the next message starts one.');
    if (last) lines.push(`The last block ran ${localMinute(last.start, tz)} → ${localMinute(last.end, tz).slice(11)}: ${cost(last)}.`);
  } else {
    const elapsed = now - active.start;
    const fraction = Math.min(1, elapsed / (active.end - active.start));
    const filled = Math.round(fraction * BAR_WIDTH);
    const rate = burnRate(active);
    const projection = projectBlock(active, now);
    lines.push(
      `Block      ${localMinute(active.start, tz)} → ${localMinute(active.end, tz).slice(11)} (${tz}), first message ${localMinute(active.first, tz).slice(11)}`,
      `Elapsed    ${hoursMinutes(elapsed)} [${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${Math.round(fraction * 100)}% · ${hoursMinutes(active.end - now)} left`,
      `Tokens     ${int(blockTokens(active))} (input ${int(active.input_tokens)} · output ${int(active.output_tokens)} · cache write ${int(active.cache_creation_tokens)} · cache read ${int(active.cache_read_tokens)})`,
      `Cost       ${cost(active)}`,
      rate
        ? `Burn rate  ${usd(rate.cost_usd_per_hour)}/h · ${compact(rate.tokens_per_minute)} tokens/min (${compact(rate.io_tokens_per_minute)} input+output)`
        : 'Burn rate  — (one message so far)',
      projection
        ? `Projected  ${usd(projection.cost_usd)} · ${compact(projection.total_tokens)} tokens at ${localMinute(active.end, tz).slice(11)}`
        : 'Projected  —',
      `Models     ${active.models.join(', ')}`,
    );
  }
  lines.push(
    '',
    `Updated ${localMinute(now, tz).slice(11)}:${String(new Date(now).getUTCSeconds()).padStart(2, '0')} · since the start read ${int(input.stats.bytesRead)} new bytes from ${input.stats.filesRead} transcript${input.stats.filesRead === 1 ? '' : 's'}`,
  );
  return lines;
}

interface BlocksIo {
  stdout: (text: string) => void;
  isTTY: boolean;
  now: () => number;
  /** Resolves when the live view should stop (Ctrl-C); tests pass their own. */
  stopped?: Promise<void>;
  /** For tests: the number of frames to draw before stopping. */
  maxFrames?: number;
}

interface BlocksContext {
  cacheDir: string;
  claudeConfigDirs: readonly string[];
  pricer: Pricer;
  timeZone: string;
}

export async function runBlocks(options: BlocksOptions, ctx: BlocksContext, io: BlocksIo, color: boolean): Promise<number> {
  const timeZone = options.timeZone ?? ctx.timeZone;
  if (!options.live) {
    const now = io.now();
    const { usage } = await refreshRecentCache({
      cacheDir: ctx.cacheDir,
      configDirs: ctx.claudeConfigDirs,
      pricer: ctx.pricer,
      now,
      timeZone: ctx.timeZone,
    });
    const report = blocksReport(usage, now, timeZone);
    io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderBlocksTable(report, color)}\n`);
    return 0;
  }
  if (!io.isTTY) throw new BlocksUsageError('--live redraws a terminal; without one, run "tokenlake blocks --json" on a schedule');
  // The alternate screen keeps the user's scrollback; the cursor is hidden while frames redraw.
  io.stdout('\u001b[?1049h\u001b[?25l');
  let stop = false;
  void io.stopped?.then(() => {
    stop = true;
  });
  try {
    const usage = await loadRecentUsage(ctx.cacheDir, io.now());
    const read: RefreshStats = { filesRead: 0, bytesRead: 0 };
    for (let frame = 0; !stop && (io.maxFrames === undefined || frame < io.maxFrames); frame++) {
      const now = io.now();
      const { stats } = await refreshRecentCache({
        cacheDir: ctx.cacheDir,
        configDirs: ctx.claudeConfigDirs,
        pricer: ctx.pricer,
        now,
        timeZone: ctx.timeZone,
        usage,
      });
      read.bytesRead += stats.bytesRead;
      read.filesRead += stats.filesRead;
      const blocks = identifyBlocks(recentActivity(usage));
      const lines = renderLiveFrame({ blocks, now, timeZone, intervalMs: options.intervalMs, stats: read });
      // Home, each line cleared to its end, then everything below: no flicker, no leftovers.
      io.stdout(`\u001b[H${lines.map((l) => `${l}\u001b[K`).join('\n')}\n\u001b[J`);
      if (io.maxFrames !== undefined && frame + 1 >= io.maxFrames) break;
      await Promise.race([new Promise((r) => setTimeout(r, options.intervalMs)), io.stopped ?? new Promise(() => {})]);
    }
  } finally {
    io.stdout('\u001b[?25h\u001b[?1049l');
  }
  return 0;
}
