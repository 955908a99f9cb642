// The sync users run most often finds nothing new. This decides that from the log files' sizes and
// modification times against the per-machine cursors alone — before the sync machinery (sources,
// price tables, schemas) is loaded — so the CLI can answer it in the time of a few stats. It only
// ever says "unchanged" when a full sync would read nothing and leave every cursor as it is; any
// doubt (a source without a probe, a missing or unreadable cursor, a file added, grown, touched
// or removed) answers null and the full sync runs.

import { stat } from 'node:fs/promises';
import type { Config, SourceName } from '../config/config.ts';
import { mapLimited } from '../core/map-limited.ts';
import { cursorKey, statusKey } from '../store/layout.ts';
import { findAmpThreads } from './amp/paths.ts';
import { findLogFiles } from './claude-code/paths.ts';
import { findSessionFiles } from './codex/paths.ts';
import { findGeminiChats } from './gemini-cli/paths.ts';
import { findOpenCodeFiles } from './opencode/paths.ts';
import { databaseStamp } from './opencode/sqlite.ts';
import { findQwenChats } from './qwen-code/paths.ts';
import type { SourceStatus } from './status.ts';

interface Stamp {
  size: number;
  mtimeMs: number;
}

interface ProbedFile {
  path: string;
  /** How the source stamps the file (OpenCode's database counts its -wal); a plain stat otherwise. */
  stamp?: () => Promise<Stamp>;
}

/**
 * How each log source's cursor records a file: `appended` (lib/sources/appended-logs.ts: the
 * offset read up to, the size and mtime seen) or `rewritten` (lib/sources/rewritten-files.ts: the
 * size and mtime seen). `files` is the source's own discovery, null when it would fail or find nothing.
 */
interface Probe {
  cursor: 'appended' | 'rewritten';
  files(config: Config): Promise<ProbedFile[] | null>;
}

const STAT_CONCURRENCY = 32;

const some = <T>(files: T[]) => (files.length > 0 ? files : null);

const PROBES: Partial<Record<SourceName, Probe>> = {
  'claude-code': { cursor: 'appended', files: async (c) => some((await findLogFiles(c.claudeConfigDirs)).files) },
  codex: { cursor: 'appended', files: async (c) => some((await findSessionFiles(c.codexHome)).files) },
  'qwen-code': { cursor: 'appended', files: async (c) => some((await findQwenChats(c.qwenDir)).files) },
  'gemini-cli': { cursor: 'rewritten', files: async (c) => some((await findGeminiChats(c.geminiDir)).files) },
  amp: { cursor: 'rewritten', files: async (c) => some((await findAmpThreads(c.ampDataDir)).files) },
  opencode: {
    cursor: 'rewritten',
    files: async (c) =>
      some(
        (await findOpenCodeFiles(c.opencodeDataDir, c.opencodeDb)).files.map((f) =>
          f.kind === 'database' ? { path: f.path, stamp: () => databaseStamp(f.path) } : { path: f.path },
        ),
      ),
  },
};

/** What the probe reads: a text object by key (the local store). */
interface ProbeStore {
  getText(key: string): Promise<{ text: string } | null>;
  put(key: string, body: string): Promise<unknown>;
}

/** The cursor's files, read as plain JSON (no schema: anything unexpected answers "changed"). */
async function cursorFiles(store: ProbeStore, key: string): Promise<Record<string, Record<string, unknown>> | null> {
  const got = await store.getText(key);
  if (!got) return null;
  try {
    const json = JSON.parse(got.text) as { version?: unknown; files?: unknown };
    if (json.version !== 1 || typeof json.files !== 'object' || json.files === null || Array.isArray(json.files)) return null;
    return json.files as Record<string, Record<string, unknown>>;
  } catch {
    return null;
  }
}

async function sourceUnchanged(probe: Probe, source: SourceName, config: Config, store: ProbeStore): Promise<boolean> {
  const files = await probe.files(config);
  if (!files) return false;
  const cursor = await cursorFiles(store, cursorKey(source, config.machine));
  if (!cursor || Object.keys(cursor).length !== files.length) return false;
  // Stats in flight together: a sequential await per file is most of the probe on a large tree.
  const unchanged = await mapLimited(files, STAT_CONCURRENCY, async (file) => {
    const prior = Object.hasOwn(cursor, file.path) ? cursor[file.path] : undefined;
    if (!prior) return false;
    let now: Stamp;
    try {
      now = file.stamp ? await file.stamp() : await stat(file.path);
    } catch {
      return false;
    }
    // An appended log whose last line was half-written (offset < size) and is still the same size
    // and age is read again by a sync and found as half-written: nothing new either.
    if (prior.size !== now.size || prior.mtime_ms !== now.mtimeMs) return false;
    return !(probe.cursor === 'appended' && !(typeof prior.offset === 'number' && prior.offset <= now.size));
  });
  if (unchanged.includes(false)) return false;
  return true;
}

/**
 * The sources of `config`, when every one is a log source whose files are exactly as its cursor
 * left them; otherwise null (run the sync).
 */
export async function unchangedLogSources(config: Config, store: ProbeStore): Promise<SourceName[] | null> {
  if (config.sources.length === 0) return null;
  for (const source of config.sources) {
    const probe = PROBES[source];
    if (!probe || !(await sourceUnchanged(probe, source, config, store))) return null;
  }
  return [...config.sources];
}

/**
 * Records the run in each source's status as the sync would (a success that read nothing), so
 * data quality's "last synced" stays true. The previous error time is kept.
 */
export async function recordUnchangedRun(config: Config, store: ProbeStore, sources: readonly SourceName[], now: Date): Promise<void> {
  const at = now.toISOString();
  for (const source of sources) {
    const key = statusKey(source, config.machine);
    let lastErrorAt: string | null = null;
    try {
      const previous = JSON.parse((await store.getText(key))?.text ?? 'null') as { last_error_at?: unknown } | null;
      if (typeof previous?.last_error_at === 'string') lastErrorAt = previous.last_error_at;
    } catch {
      // A corrupt status is replaced, as the sync does.
    }
    const status: SourceStatus = {
      source,
      machine: config.machine,
      last_run_at: at,
      last_success_at: at,
      last_error: null,
      last_error_at: lastErrorAt,
      last_run: { read: 0, records: 0, duplicates: 0, quarantined: 0, skipped: 0, objects_written: 0 },
    };
    await store.put(key, JSON.stringify(status));
  }
}
