// The last days of Claude Code usage on this machine, read straight from its transcripts: what
// `blocks`, the live view and the status line show, fresher than the lake (no sync needed). The
// read is incremental: per-file byte offsets in a machine-local cache file, so a refresh parses
// only what was appended. Same parser and record ids as the claude-code source, one record per id
// (the largest copy). Owns the cache file; never touches the lake. The status line's summary of it
// is lib/statusline/summary.ts; the refresh that writes both is lib/statusline/refresh.ts.

import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { type BlockActivity, identifyBlocks } from '../analytics/blocks.ts';
import { parseClaudeLine } from '../sources/claude-code/parser.ts';
import { findLogFiles } from '../sources/claude-code/paths.ts';
import { readCompleteLines } from '../sources/file-lines.ts';
import type { PricedUsage, Pricer } from '../usage/pricing/price.ts';
import type { UsageRecord } from '../usage/record.ts';

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How far back the cache keeps usage: a week of blocks; the status line needs two days. */
const RECENT_HORIZON_MS = 7 * DAY_MS;
const HEAD_BYTES = 1024;
const USAGE_MARK = Buffer.from('"usage"');

const RECENT_STATE_FILE = 'claude-code-recent.json';

const count = z.int().nonnegative();

/**
 * One message: [ts ms, model, provider, session, project, service tier, input, output, cache
 * write, of it 1 h, cache read, USD (null = unpriced), 1 when the source reported the cost].
 * Labels are indexes into `labels` (-1 = null). Kept as tuples in memory too: a heavy week is
 * ~60,000 of them, and objects per message made a refresh spend its time collecting garbage.
 */
type Entry = [number, number, number, number, number, number, number, number, number, number, number, number | null, 0 | 1];
const entrySchema = z.tuple([
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
  z.union([z.literal(0), z.literal(1)]),
]);

const fileStateSchema = z.object({ path: z.string(), offset: count, size: count, mtime_ms: z.number(), head: z.string() });

/**
 * The cache file (`<cache dir>/claude-code-recent.json`). Offsets say how far each transcript was
 * read; `head` is a hash of its first KiB, so a truncated or replaced file is read again; costs
 * were priced with the tables labelled `price_version` (another label reprices every entry).
 * @example {"version":2,"covers_from":1778500000000,"price_version":"litellm-00035b69-7eff989a",
 *  "labels":["claude-sonnet-4-5","anthropic","s-1","web","standard"],
 *  "files":[{"path":"/home/a/.claude/projects/-home-a-web/s-1.jsonl","offset":2048,"size":2048,"mtime_ms":1778510000000,"head":"ab12…"}],
 *  "ids":["9f2c…"],"entries":[[1778509000000,0,1,2,3,4,1200,340,0,0,5100,0.00888,0]]}
 */
const recentStateSchema = z.object({
  version: z.literal(2),
  /** Usage from this instant on is complete in `entries` (ms). */
  covers_from: z.number(),
  price_version: z.string(),
  labels: z.array(z.string()),
  files: z.array(fileStateSchema),
  /** Record ids (the claude-code source's, first 16 hex digits), parallel to `entries`. */
  ids: z.array(z.string()),
  entries: z.array(entrySchema),
});
type RecentState = z.infer<typeof recentStateSchema>;

/** The working state of one reader: what a `--live` loop keeps between refreshes. */
export interface RecentUsage {
  coversFrom: number;
  priceVersion: string;
  labels: string[];
  labelIndex: Map<string, number>;
  files: Map<string, { offset: number; size: number; mtime_ms: number; head: string }>;
  entries: Map<string, Entry>;
}

export interface RefreshStats {
  filesRead: number;
  bytesRead: number;
}

export function emptyRecentUsage(now: number, horizonMs = RECENT_HORIZON_MS): RecentUsage {
  return { coversFrom: now - horizonMs, priceVersion: '', labels: [], labelIndex: new Map(), files: new Map(), entries: new Map() };
}

function labelOf(u: RecentUsage, v: string | null): number {
  if (v === null) return -1;
  let i = u.labelIndex.get(v);
  if (i === undefined) {
    i = u.labels.length;
    u.labels.push(v);
    u.labelIndex.set(v, i);
  }
  return i;
}

export const at = (u: RecentUsage, i: number) => (i >= 0 ? (u.labels[i] ?? null) : null);

const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isIndex = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= -1;

/** The cache check on the hot path: accepts only what `recentStateSchema` accepts, without zod's cost per entry. */
function parseStateFast(value: unknown): RecentState | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.version !== 2 || typeof v.covers_from !== 'number' || !Number.isFinite(v.covers_from) || typeof v.price_version !== 'string')
    return null;
  if (!Array.isArray(v.labels) || !Array.isArray(v.files) || !Array.isArray(v.ids) || !Array.isArray(v.entries)) return null;
  if (v.ids.length !== v.entries.length || v.labels.some((l) => typeof l !== 'string') || v.ids.some((id) => typeof id !== 'string'))
    return null;
  for (const f of v.files as unknown[]) {
    const o = f as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || typeof o.path !== 'string' || !isCount(o.offset) || !isCount(o.size)) return null;
    if (typeof o.mtime_ms !== 'number' || !Number.isFinite(o.mtime_ms) || typeof o.head !== 'string') return null;
  }
  for (const e of v.entries as unknown[]) {
    if (!Array.isArray(e) || e.length !== 13 || typeof e[0] !== 'number' || !Number.isFinite(e[0])) return null;
    for (let i = 1; i <= 5; i++) if (!isIndex(e[i])) return null;
    for (let i = 6; i <= 10; i++) if (!isCount(e[i])) return null;
    if (!(e[11] === null || (typeof e[11] === 'number' && Number.isFinite(e[11]) && e[11] >= 0)) || (e[12] !== 0 && e[12] !== 1))
      return null;
  }
  return value as RecentState;
}

/** The cache file's recent usage; a missing, unreadable or foreign one starts empty (it is only a cache). */
export async function loadRecentUsage(cacheDir: string, now: number, horizonMs = RECENT_HORIZON_MS): Promise<RecentUsage> {
  let state: RecentState | null = null;
  try {
    const json: unknown = JSON.parse(await readFile(join(cacheDir, RECENT_STATE_FILE), 'utf8'));
    state = parseStateFast(json) ?? recentStateSchema.safeParse(json).data ?? null;
  } catch {
    state = null; // missing or not JSON: start over
  }
  if (!state) return emptyRecentUsage(now, horizonMs);
  const entries = new Map<string, Entry>();
  for (let i = 0; i < state.ids.length; i++) entries.set(state.ids[i]!, state.entries[i] as Entry);
  return {
    coversFrom: state.covers_from,
    priceVersion: state.price_version,
    labels: state.labels,
    labelIndex: new Map(state.labels.map((l, i) => [l, i])),
    files: new Map(state.files.map(({ path, ...f }) => [path, f])),
    entries,
  };
}

/** Writes a file whole or not at all (a reader never sees half of it): temp file, then rename. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

export async function saveRecentUsage(cacheDir: string, u: RecentUsage): Promise<void> {
  // Labels no entry uses any more (sessions that aged out) are dropped on the way.
  const used = new Map<number, number>();
  const labels: string[] = [];
  const remap = (i: number) => {
    if (i < 0) return -1;
    let j = used.get(i);
    if (j === undefined) {
      j = labels.length;
      labels.push(u.labels[i]!);
      used.set(i, j);
    }
    return j;
  };
  const ids: string[] = [];
  const entries: Entry[] = [];
  for (const [id, e] of u.entries) {
    ids.push(id);
    entries.push([e[0], remap(e[1]), remap(e[2]), remap(e[3]), remap(e[4]), remap(e[5]), e[6], e[7], e[8], e[9], e[10], e[11], e[12]]);
  }
  const state: RecentState = {
    version: 2,
    covers_from: u.coversFrom,
    price_version: u.priceVersion,
    labels,
    files: [...u.files].map(([path, f]) => ({ path, ...f })),
    ids,
    entries,
  };
  await writeAtomically(join(cacheDir, RECENT_STATE_FILE), JSON.stringify(state));
}

async function headHash(handle: FileHandle, length: number): Promise<string> {
  const n = Math.min(length, HEAD_BYTES);
  const buf = Buffer.alloc(n);
  if (n > 0) await handle.read(buf, 0, n, 0);
  return createHash('sha256').update(buf).digest('hex').slice(0, 16);
}

/** The first 16 hex digits (64 bits) of a record id: unique among a week of messages, and a third of the cache file. */
export function shortId(id: string): string {
  return id.slice(0, 16);
}

export const entryTokens = (e: Entry) => e[6] + e[7] + e[8] + e[10];

/** The entry's usage in the shape the pricer takes. */
function pricedUsage(u: RecentUsage, e: Entry): PricedUsage {
  return {
    model: at(u, e[1]) ?? 'unknown',
    provider: at(u, e[2]) ?? 'anthropic',
    ts: new Date(e[0]).toISOString(),
    service_tier: at(u, e[5]),
    input_tokens: e[6],
    output_tokens: e[7],
    cache_creation_tokens: e[8],
    cache_creation_1h_tokens: e[9],
    cache_read_tokens: e[10],
    requests: 1,
    bucket_seconds: null,
  };
}

/** A record's cost as the lake counts it: the reported cost wins, else the price table; null = unpriced. */
function costOfRecord(r: UsageRecord, pricer: Pricer): number | null {
  if (r.cost_source === 'reported' && r.cost_usd !== null) return r.cost_usd;
  return pricer.price(r);
}

/** Keeps one entry per id: the copy with more tokens, then the later one (as the lake's de-duplication). */
function keep(u: RecentUsage, r: UsageRecord, pricer: Pricer): void {
  const ts = Date.parse(r.ts);
  const id = shortId(r.id);
  const seen = u.entries.get(id);
  const tokens = r.input_tokens + r.output_tokens + r.cache_creation_tokens + r.cache_read_tokens;
  if (seen && (entryTokens(seen) > tokens || (entryTokens(seen) === tokens && seen[0] >= ts))) return;
  const reported = r.cost_source === 'reported' && r.cost_usd !== null;
  u.entries.set(id, [
    ts,
    labelOf(u, r.model),
    labelOf(u, r.provider),
    labelOf(u, r.session),
    labelOf(u, r.project),
    labelOf(u, r.service_tier),
    r.input_tokens,
    r.output_tokens,
    r.cache_creation_tokens,
    r.cache_creation_1h_tokens,
    r.cache_read_tokens,
    costOfRecord(r, pricer),
    reported ? 1 : 0,
  ]);
}

/** Prices every entry again when the tables changed since they were priced (reported costs stay). */
function repriceIfNeeded(u: RecentUsage, pricer: Pricer, now: number): boolean {
  const version = pricer.versionAt(new Date(now).toISOString());
  if (u.priceVersion === version) return false;
  for (const e of u.entries.values()) if (e[12] === 0) e[11] = pricer.price(pricedUsage(u, e));
  u.priceVersion = version;
  return true;
}

/**
 * Reads what was appended to the transcripts since the last refresh into `u` (in place), prices
 * it, drops usage older than the horizon, and says how much it read. Files not modified within the
 * horizon are not opened: they cannot hold newer usage. The horizon moves by whole blocks, so a
 * block that straddles it keeps its first message and its start. `changed` says whether `u` must be saved.
 */
export async function refreshRecentUsage(
  u: RecentUsage,
  options: { configDirs: readonly string[]; now: number; pricer: Pricer; horizonMs?: number },
): Promise<RefreshStats & { changed: boolean }> {
  const horizon = options.now - (options.horizonMs ?? RECENT_HORIZON_MS);
  let changed = repriceIfNeeded(u, options.pricer, options.now);
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
        if (outcome.kind === 'record' && Date.parse(outcome.record.ts) >= horizon) keep(u, outcome.record, options.pricer);
      });
      stats.filesRead++;
      stats.bytesRead += end - from;
      u.files.set(file.path, { offset: end, size: info.size, mtime_ms: info.mtimeMs, head: await headHash(handle, end) });
      changed = true;
    } finally {
      await handle.close();
    }
  }
  for (const path of u.files.keys()) {
    if (present.has(path)) continue;
    u.files.delete(path);
    changed = true;
  }
  if (pruneRecentUsage(u, horizon)) changed = true;
  return { ...stats, changed };
}

/**
 * Drops usage before the horizon, by whole blocks: what stays starts at the first message of the
 * first block that ends after the horizon, so the blocks computed later keep their starts.
 * Returns whether anything was dropped.
 */
export function pruneRecentUsage(u: RecentUsage, horizon: number): boolean {
  const blocks = identifyBlocks(recentActivity(u));
  const firstKept = blocks.find((b) => b.end > horizon);
  const keepFrom = firstKept ? Math.min(firstKept.first, horizon) : horizon;
  let dropped = false;
  for (const [id, e] of u.entries) {
    if (e[0] >= keepFrom) continue;
    u.entries.delete(id);
    dropped = true;
  }
  // Usage is complete from the later of the old coverage and the block start kept.
  const covers = Math.max(u.coversFrom, firstKept ? Math.min(firstKept.start, horizon) : horizon);
  if (covers !== u.coversFrom) dropped = true;
  u.coversFrom = covers;
  return dropped;
}

/**
 * The messages as block activity, summed per UTC hour and model (first and last message kept):
 * blocks never split an hour, and a week of messages becomes a few hundred rows.
 */
export function recentActivity(u: RecentUsage): BlockActivity[] {
  const rows = new Map<string, BlockActivity>();
  for (const e of u.entries.values()) {
    const key = `${Math.floor(e[0] / HOUR_MS)}\u0000${e[1]}`;
    let a = rows.get(key);
    if (!a) {
      a = {
        first: e[0],
        last: e[0],
        model: at(u, e[1]) ?? 'unknown',
        records: 0,
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_tokens: 0,
        cache_read_tokens: 0,
        cost_usd: 0,
        unpriced_records: 0,
      };
      rows.set(key, a);
    }
    if (e[0] < a.first) a.first = e[0];
    if (e[0] > a.last) a.last = e[0];
    a.records += 1;
    a.input_tokens += e[6];
    a.output_tokens += e[7];
    a.cache_creation_tokens += e[8];
    a.cache_read_tokens += e[10];
    if (e[11] === null) a.unpriced_records += 1;
    else a.cost_usd += e[11];
  }
  return [...rows.values()];
}

// ── the status line's summary ────────────────────────────────────────────────────────────────
