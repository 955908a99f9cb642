// What the log sources whose files are rewritten, not only appended, share (Gemini CLI chats, Amp
// threads, OpenCode message files): a file is read again whole when its size or mtime changed, and
// the cursor (per machine) keeps, per file, the ids already written with their token totals, so a
// re-read writes only responses that are new or grew. Ids are the agent's own, so a copy that is
// written twice anyway (a crash before the cursor moved) is one record after analyze's de-dup.

import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { loadCursor, saveCursor } from '../store/cursor.ts';
import { cursorKey } from '../store/layout.ts';
import { batchId, type QuarantineEntry } from '../usage/lake.ts';
import { preferredCopy, totalTokens, type UsageRecord } from '../usage/record.ts';
import { countSkip, emptyStats, type SourceContext, type SourceStats } from './source.ts';

/** What reading one file gave. `read` counts the messages (or lines) looked at. */
export interface FileReading {
  records: UsageRecord[];
  quarantine: QuarantineEntry[];
  read: number;
  skipped: Record<string, number>;
  /**
   * Keys of every item of the file that was rejected (e.g. 'messages.3'), including those not
   * quarantined again because the previous read already did: a re-read quarantines only new ones.
   */
  rejectedKeys?: string[];
}

interface RewrittenFile {
  path: string;
}

/** The file as the previous sync saw it: its size, so an appended file's old bad lines are not quarantined twice. */
export interface PreviousRead {
  size: number;
  /** Items of the file already quarantined by an earlier read. */
  rejected: ReadonlySet<string>;
}

interface RewrittenFilesOptions<F extends RewrittenFile> {
  source: string;
  context: SourceContext;
  files: readonly F[];
  read(file: F, previous: PreviousRead | null): Promise<FileReading>;
  /** What tells that a file changed; default its own size and mtime (a database adds its -wal file). */
  stamp?(file: F): Promise<{ size: number; mtimeMs: number }>;
}

interface RewrittenFilesPull {
  records: UsageRecord[];
  quarantine: QuarantineEntry[];
  stats: SourceStats;
  batch: string;
  commit(): Promise<void>;
}

/** First 16 hex chars of a record id: enough to tell a file's responses apart, half the cursor size. */
const shortId = (id: string) => id.slice(0, 16);

const fileCursorSchema = z.object({
  size: z.int().nonnegative(),
  mtime_ms: z.number(),
  /** short record id → token total of the copy written. */
  written: z.record(z.string(), z.int().nonnegative()),
  rejected: z.array(z.string()).optional(),
});
const cursorSchema = z.object({ version: z.literal(1), files: z.record(z.string(), fileCursorSchema) });
type FileCursor = z.infer<typeof fileCursorSchema>;

export async function pullRewrittenFiles<F extends RewrittenFile>(options: RewrittenFilesOptions<F>): Promise<RewrittenFilesPull> {
  const { context, files, source } = options;
  const key = cursorKey(source, context.config.machine);
  const previous = (await loadCursor(context.store, key, cursorSchema)) ?? { version: 1 as const, files: {} };
  const next: Record<string, FileCursor> = { ...previous.files };
  // Every id already written from any file: a response copied into another file (a Gemini chat
  // migrated from .json to .jsonl) is not written again.
  const writtenBefore = new Map<string, number>();
  for (const f of Object.values(previous.files))
    for (const [id, total] of Object.entries(f.written)) writtenBefore.set(id, Math.max(writtenBefore.get(id) ?? 0, total));

  const stats = emptyStats();
  const quarantine: QuarantineEntry[] = [];
  const byId = new Map<string, UsageRecord>();
  const starts: string[] = [];
  const changed = [];
  for (const file of files) {
    const info = options.stamp ? await options.stamp(file) : await stat(file.path);
    const prior = previous.files[file.path];
    if (prior && prior.size === info.size && prior.mtime_ms === info.mtimeMs) continue;
    changed.push({ file, prior, size: info.size, mtimeMs: info.mtimeMs });
    starts.push(`${file.path}:${info.size}:${info.mtimeMs}`);
  }
  for (const [i, c] of changed.entries()) {
    context.progress?.(i, changed.length, source);
    const reading = await options.read(c.file, c.prior ? { size: c.prior.size, rejected: new Set(c.prior.rejected ?? []) } : null);
    stats.read += reading.read;
    for (const [reason, n] of Object.entries(reading.skipped)) countSkip(stats, reason, n);
    stats.quarantined += reading.quarantine.length;
    quarantine.push(...reading.quarantine);
    const written: Record<string, number> = {};
    for (const r of reading.records) {
      const short = shortId(r.id);
      const total = totalTokens(r);
      written[short] = Math.max(written[short] ?? 0, total);
      const before = writtenBefore.get(short);
      if (before !== undefined && before >= total) {
        countSkip(stats, 'already-written');
        continue;
      }
      const held = byId.get(r.id);
      if (held) {
        stats.duplicates++;
        byId.set(r.id, preferredCopy(held, r));
      } else byId.set(r.id, r);
    }
    // Ids a file no longer holds (a rewound Gemini turn) leave its entry; their records stay.
    next[c.file.path] = {
      size: c.size,
      mtime_ms: c.mtimeMs,
      written,
      ...(reading.rejectedKeys && reading.rejectedKeys.length > 0 ? { rejected: reading.rejectedKeys } : {}),
    };
  }
  context.progress?.(changed.length, changed.length, source);
  const present = new Set(files.map((f) => f.path));
  for (const p of Object.keys(next)) if (!present.has(p)) delete next[p];
  const unchanged = JSON.stringify(next) === JSON.stringify(previous.files);
  const records = [...byId.values()];
  stats.records = records.length;
  return {
    records,
    quarantine,
    stats,
    // Keyed by what was read (paths, sizes, mtimes): a crashed and retried pull rewrites its objects.
    batch: batchId(source, context.config.machine, ...starts),
    commit: () => (unchanged ? Promise.resolve() : saveCursor(context.store, key, { version: 1, files: next })),
  };
}
