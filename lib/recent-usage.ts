// The last days of Claude Code usage on this machine, read straight from its transcripts: what
// `blocks`, the live view and the status line show, fresher than the lake (no sync needed). The
// read is incremental: per-file byte offsets in a machine-local cache file, so a refresh parses
// only what was appended. Same parser and record ids as the claude-code source, one record per id
// (the largest copy). Owns the cache file and the status line's summary; never touches the lake.

import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { type Block, type BlockActivity, blockTokens, burnRate, identifyBlocks } from './blocks.ts';
import type { Pricer } from './pricing/price.ts';
import { makeRecord, preferredCopy, type UsageRecord } from './record.ts';
import { parseClaudeLine } from './sources/claude-code/parser.ts';
import { findLogFiles } from './sources/claude-code/paths.ts';
import { readCompleteLines } from './sources/file-lines.ts';
import { REFRESH_LOCK_FILE, REFRESH_LOCK_STALE_MS, STATUSLINE_SUMMARY_FILE } from './statusline.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How far back the cache keeps usage: a week of blocks; the status line needs two days. */
export const RECENT_HORIZON_MS = 7 * DAY_MS;
/** What the status line summary holds: enough for "today" in any zone and the active block. */
const SUMMARY_MS = 48 * HOUR_MS;
const HEAD_BYTES = 1024;
const USAGE_MARK = Buffer.from('"usage"');

export const RECENT_STATE_FILE = 'claude-code-recent.json';

const count = z.int().nonnegative();

/** A cached record: [id, ts ms, model, provider, session, project, service tier, input, output, cache write, of it 1 h, cache read, reported USD]; labels are indexes into `labels`, -1 = null. */
const cachedRecordSchema = z.tuple([
  z.string(),
  z.number(),
  z.int(),
  z.int(),
  z.int(),
  z.int(),
  z.int(),
  count,
  count,
  count,
  count,
  count,
  z.number().nonnegative().nullable(),
]);
type CachedRecord = z.infer<typeof cachedRecordSchema>;

/**
 * The cache file (`<cache dir>/claude-code-recent.json`). Offsets say how far each transcript was
 * read; `head` is a hash of its first KiB, so a truncated or replaced file is read again.
 * @example {"version":1,"covers_from":1778500000000,"labels":["claude-sonnet-4-5","anthropic","s-1","web","standard"],
 *  "files":[{"path":"/home/a/.claude/projects/-home-a-web/s-1.jsonl","offset":2048,"size":2048,"mtime_ms":1778510000000,"head":"ab12…"}],
 *  "records":[["9f2c…",1778509000000,0,1,2,3,4,1200,340,0,0,5100,null]]}
 */
const recentStateSchema = z.object({
  version: z.literal(1),
  /** Usage from this instant on is complete in `records` (ms). */
  covers_from: z.number(),
  labels: z.array(z.string()),
  files: z.array(z.object({ path: z.string(), offset: count, size: count, mtime_ms: z.number(), head: z.string() })),
  records: z.array(cachedRecordSchema),
});
type RecentState = z.infer<typeof recentStateSchema>;

/** The working state of one reader: what a `--live` loop keeps between refreshes. */
export interface RecentUsage {
  coversFrom: number;
  files: Map<string, { offset: number; size: number; mtime_ms: number; head: string }>;
  records: Map<string, UsageRecord>;
}

export interface RefreshStats {
  filesRead: number;
  bytesRead: number;
}

export function emptyRecentUsage(now: number, horizonMs = RECENT_HORIZON_MS): RecentUsage {
  return { coversFrom: now - horizonMs, files: new Map(), records: new Map() };
}

function toState(u: RecentUsage): RecentState {
  const labels: string[] = [];
  const index = new Map<string, number>();
  const label = (v: string | null) => {
    if (v === null) return -1;
    let i = index.get(v);
    if (i === undefined) {
      i = labels.length;
      labels.push(v);
      index.set(v, i);
    }
    return i;
  };
  const records: CachedRecord[] = [];
  for (const r of u.records.values()) {
    records.push([
      r.id,
      Date.parse(r.ts),
      label(r.model),
      label(r.provider),
      label(r.session),
      label(r.project),
      label(r.service_tier),
      r.input_tokens,
      r.output_tokens,
      r.cache_creation_tokens,
      r.cache_creation_1h_tokens,
      r.cache_read_tokens,
      r.cost_source === 'reported' ? r.cost_usd : null,
    ]);
  }
  return {
    version: 1,
    covers_from: u.coversFrom,
    labels,
    files: [...u.files].map(([path, f]) => ({ path, ...f })),
    records,
  };
}

function fromState(s: RecentState): RecentUsage {
  const at = (i: number) => (i >= 0 ? (s.labels[i] ?? null) : null);
  const records = new Map<string, UsageRecord>();
  for (const [id, ts, model, provider, session, project, tier, input, output, cw, cw1h, cr, reported] of s.records) {
    records.set(
      id,
      makeRecord({
        id,
        ts: new Date(ts).toISOString(),
        source: 'claude-code',
        provider: at(provider) ?? 'anthropic',
        model: at(model) ?? 'unknown',
        session: at(session),
        project: at(project),
        service_tier: at(tier),
        input_tokens: input,
        output_tokens: output,
        cache_creation_tokens: cw,
        cache_creation_1h_tokens: cw1h,
        cache_read_tokens: cr,
        ...(reported !== null ? { cost_usd: reported, cost_source: 'reported' as const } : {}),
      }),
    );
  }
  return { coversFrom: s.covers_from, files: new Map(s.files.map(({ path, ...f }) => [path, f])), records };
}

/** The cache file's recent usage; a missing, unreadable or foreign one starts empty (it is only a cache). */
export async function loadRecentUsage(cacheDir: string, now: number, horizonMs = RECENT_HORIZON_MS): Promise<RecentUsage> {
  let text: string;
  try {
    text = await readFile(join(cacheDir, RECENT_STATE_FILE), 'utf8');
  } catch {
    return emptyRecentUsage(now, horizonMs);
  }
  try {
    const parsed = recentStateSchema.safeParse(JSON.parse(text));
    if (parsed.success) return fromState(parsed.data);
  } catch {
    // not JSON: start over
  }
  return emptyRecentUsage(now, horizonMs);
}

/** Writes a file whole or not at all (a reader never sees half of it): temp file, then rename. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

export async function saveRecentUsage(cacheDir: string, u: RecentUsage): Promise<void> {
  await writeAtomically(join(cacheDir, RECENT_STATE_FILE), JSON.stringify(toState(u)));
}

async function headHash(handle: FileHandle, length: number): Promise<string> {
  const n = Math.min(length, HEAD_BYTES);
  const buf = Buffer.alloc(n);
  if (n > 0) await handle.read(buf, 0, n, 0);
  return createHash('sha256').update(buf).digest('hex').slice(0, 16);
}

/** Keeps one copy per id (the largest), like the lake's de-duplication. */
function keep(records: Map<string, UsageRecord>, r: UsageRecord): void {
  const seen = records.get(r.id);
  records.set(r.id, seen ? preferredCopy(seen, r) : r);
}

/**
 * Reads what was appended to the transcripts since the last refresh into `u` (in place), drops
 * usage older than the horizon, and says how much it read. Files not modified within the horizon
 * are not opened: they cannot hold newer usage. The horizon moves by whole blocks, so a block that
 * straddles it keeps its first message and its start.
 */
export async function refreshRecentUsage(
  u: RecentUsage,
  options: { configDirs: readonly string[]; now: number; horizonMs?: number },
): Promise<RefreshStats> {
  const horizon = options.now - (options.horizonMs ?? RECENT_HORIZON_MS);
  const { files } = await findLogFiles(options.configDirs);
  const stats: RefreshStats = { filesRead: 0, bytesRead: 0 };
  const present = new Set<string>();
  for (const file of files) {
    present.add(file.path);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(file.path);
    } catch {
      continue; // removed between listing and stat
    }
    const prior = u.files.get(file.path);
    if (!prior && info.mtimeMs < horizon) continue;
    if (prior && prior.size === info.size && prior.mtime_ms === info.mtimeMs && prior.offset === info.size) continue;
    let handle: FileHandle;
    try {
      handle = await open(file.path, 'r');
    } catch {
      continue;
    }
    try {
      let from = 0;
      if (prior && info.size >= prior.offset && (await headHash(handle, prior.offset)) === prior.head) from = prior.offset;
      const context = { projectFolder: file.projectFolder, relativePath: file.relativePath, offset: 0, user: null, machine: null };
      // A partial last line (Claude Code is still writing it) is left for the next refresh.
      const end = await readCompleteLines(handle, from, info.size, (buf, s, e, offset) => {
        const mark = buf.indexOf(USAGE_MARK, s);
        if (mark === -1 || mark >= e) return;
        context.offset = offset;
        const outcome = parseClaudeLine(buf.toString('utf8', s, e), context);
        if (outcome.kind === 'record' && Date.parse(outcome.record.ts) >= horizon) keep(u.records, outcome.record);
      });
      stats.filesRead++;
      stats.bytesRead += end - from;
      u.files.set(file.path, { offset: end, size: info.size, mtime_ms: info.mtimeMs, head: await headHash(handle, end) });
    } finally {
      await handle.close();
    }
  }
  for (const path of u.files.keys()) if (!present.has(path)) u.files.delete(path);
  pruneRecentUsage(u, horizon);
  return stats;
}

/**
 * Drops usage before the horizon, by whole blocks: what stays starts at the first message of the
 * first block that ends after the horizon, so the blocks computed later keep their starts.
 */
export function pruneRecentUsage(u: RecentUsage, horizon: number): void {
  const blocks = identifyBlocks([...u.records.values()].map((r) => activityOf(r, 0, false)));
  const firstKept = blocks.find((b) => b.end > horizon);
  const keepFrom = firstKept ? Math.min(firstKept.first, horizon) : horizon;
  for (const [id, r] of u.records) if (Date.parse(r.ts) < keepFrom) u.records.delete(id);
  // Usage is complete from the later of the old coverage and the block start kept.
  u.coversFrom = Math.max(u.coversFrom, firstKept ? Math.min(firstKept.start, horizon) : horizon);
}

function activityOf(r: UsageRecord, cost: number, unpriced: boolean): BlockActivity {
  const at = Date.parse(r.ts);
  return {
    first: at,
    last: at,
    model: r.model,
    records: 1,
    input_tokens: r.input_tokens,
    output_tokens: r.output_tokens,
    cache_creation_tokens: r.cache_creation_tokens,
    cache_read_tokens: r.cache_read_tokens,
    cost_usd: cost,
    unpriced_records: unpriced ? 1 : 0,
  };
}

/** A record's cost as the lake would count it: the reported cost wins, else the price table; null = unpriced. */
export function costOfRecord(r: UsageRecord, pricer: Pricer): number | null {
  if (r.cost_source === 'reported' && r.cost_usd !== null) return r.cost_usd;
  return pricer.price(r);
}

/** Every record as block activity, priced. */
export function recentActivity(u: RecentUsage, pricer: Pricer): BlockActivity[] {
  const out: BlockActivity[] = [];
  for (const r of u.records.values()) {
    const cost = costOfRecord(r, pricer);
    out.push(activityOf(r, cost ?? 0, cost === null));
  }
  return out;
}

// ── the status line's summary ────────────────────────────────────────────────────────────────

/**
 * What the status line reads on every call (`<cache dir>/statusline.json`, a few KiB): written by
 * a refresh, so the status line itself parses no transcript and prices nothing. Times in ms.
 * @example {"version":1,"refreshed_at":1778510000000,"hours":[[1778508000000,1.25,480000,0]],
 *  "sessions":[["3b1f…",0.42]],"blocks":[{"start":1778504400000,"end":1778522400000,"cost_usd":1.25,
 *  "tokens":480000,"cost_usd_per_hour":0.9,"tokens_per_minute":5000}],"files":[["/home/a/.claude/projects/p/3b1f.jsonl",20480]]}
 */
export const statuslineSummarySchema = z.object({
  version: z.literal(1),
  refreshed_at: z.number(),
  /** [UTC hour start, USD, tokens, unpriced records] for each hour with usage in the last 48 h. */
  hours: z.array(z.tuple([z.number(), z.number(), count, count])),
  /** [session id, USD over the cache's horizon] for sessions active in the last 48 h. */
  sessions: z.array(z.tuple([z.string(), z.number()])),
  /** Blocks that end after now − 48 h, oldest first. */
  blocks: z.array(
    z.object({
      start: z.number(),
      end: z.number(),
      cost_usd: z.number(),
      tokens: count,
      cost_usd_per_hour: z.number().nullable(),
      tokens_per_minute: z.number().nullable(),
    }),
  ),
  /** [transcript path, size read] of transcripts modified in the last 48 h: the status line compares its own. */
  files: z.array(z.tuple([z.string(), count])),
});
export type StatuslineSummary = z.infer<typeof statuslineSummarySchema>;

export function summarizeForStatusline(u: RecentUsage, pricer: Pricer, now: number): StatuslineSummary {
  const since = now - SUMMARY_MS;
  const hours = new Map<number, [number, number, number, number]>();
  const sessionCost = new Map<string, number>();
  const activeSessions = new Set<string>();
  for (const r of u.records.values()) {
    const at = Date.parse(r.ts);
    const cost = costOfRecord(r, pricer);
    if (r.session !== null) {
      sessionCost.set(r.session, (sessionCost.get(r.session) ?? 0) + (cost ?? 0));
      if (at >= since) activeSessions.add(r.session);
    }
    if (at < since) continue;
    const hour = Math.floor(at / HOUR_MS) * HOUR_MS;
    const h = hours.get(hour) ?? [hour, 0, 0, 0];
    h[1] += cost ?? 0;
    h[2] += r.input_tokens + r.output_tokens + r.cache_creation_tokens + r.cache_read_tokens;
    if (cost === null) h[3] += 1;
    hours.set(hour, h);
  }
  const blocks = identifyBlocks(recentActivity(u, pricer)).filter((b: Block) => b.end > since);
  return {
    version: 1,
    refreshed_at: now,
    hours: [...hours.values()].sort((a, b) => a[0] - b[0]),
    sessions: [...activeSessions].sort().map((s) => [s, sessionCost.get(s) ?? 0]),
    blocks: blocks.map((b) => {
      const rate = burnRate(b);
      return {
        start: b.start,
        end: b.end,
        cost_usd: b.cost_usd,
        tokens: blockTokens(b),
        cost_usd_per_hour: rate?.cost_usd_per_hour ?? null,
        tokens_per_minute: rate?.tokens_per_minute ?? null,
      };
    }),
    files: [...u.files]
      .filter(([, f]) => f.mtime_ms >= since)
      .map(([path, f]) => [path, f.offset] as [string, number])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  };
}

export async function writeStatuslineSummary(cacheDir: string, summary: StatuslineSummary): Promise<void> {
  await writeAtomically(join(cacheDir, STATUSLINE_SUMMARY_FILE), JSON.stringify(statuslineSummarySchema.parse(summary)));
}

/**
 * Loads the cache, reads what was appended to the transcripts, and saves the cache and the status
 * line's summary. Concurrent refreshes are safe: each saved state is consistent with its own
 * offsets, and re-reading lines adds nothing (one record per id).
 */
export async function refreshRecentCache(options: {
  cacheDir: string;
  configDirs: readonly string[];
  pricer: Pricer;
  now: number;
  usage?: RecentUsage;
}): Promise<{ usage: RecentUsage; stats: RefreshStats }> {
  const usage = options.usage ?? (await loadRecentUsage(options.cacheDir, options.now));
  const stats = await refreshRecentUsage(usage, { configDirs: options.configDirs, now: options.now });
  if (stats.filesRead > 0 || !options.usage) await saveRecentUsage(options.cacheDir, usage);
  await writeStatuslineSummary(options.cacheDir, summarizeForStatusline(usage, options.pricer, options.now));
  return { usage, stats };
}

/**
 * Runs `work` unless another refresh holds the lock (a file created exclusively; one older than
 * REFRESH_LOCK_STALE_MS is taken over). Returns false when it did not run.
 */
export async function withRefreshLock(cacheDir: string, now: number, work: () => Promise<void>): Promise<boolean> {
  const path = join(cacheDir, REFRESH_LOCK_FILE);
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = now - (await stat(path).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
    if (age < REFRESH_LOCK_STALE_MS) return false;
    await utimes(path, new Date(now), new Date(now)); // taken over: fresh again for the others
  }
  try {
    await work();
    return true;
  } finally {
    await unlink(path).catch(() => {});
  }
}
