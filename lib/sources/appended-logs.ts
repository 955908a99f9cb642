// What every local log source shares (Claude Code, Codex CLI): per-file byte offsets kept per
// machine in the bucket, so a sync reads only what was appended; a truncated or replaced file (its
// first KiB changed) is read again from the start; files that disappeared leave the cursor; a pull
// that found nothing new writes no cursor. The source supplies only how to read a file's new bytes.

import { hash } from 'node:crypto';
import { readSync, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { z } from 'zod';
import { loadCursor, saveCursor } from '../cursor.ts';
import { cursorKey } from '../store/layout.ts';
import type { SourceContext } from './source.ts';

const HEAD_BYTES = 1024;

export interface AppendedLogFile {
  path: string;
}

export interface AppendedLogsOptions<F extends AppendedLogFile, S> {
  source: string;
  context: SourceContext;
  files: readonly F[];
  /** Parse state a source carries from one sync to the next per file (Codex's running totals). */
  state?: { schema: z.ZodType<S>; initial: () => S };
  /** Reads the complete lines of `[from, size)`; returns the offset just past the last one. */
  read(handle: FileHandle, file: F, from: number, size: number, state: S | undefined): Promise<number>;
  /** Told the start positions (`path:offset`) of the files about to be read, before the first read. */
  onPlan?(starts: string[]): void | Promise<void>;
  /** Called after each file is read (a source may write what it holds). */
  afterFile?(): Promise<void>;
}

export interface AppendedLogsPull {
  /** `path:offset` of every file read, in order: the identity of this pull's batch. */
  starts: string[];
  /** Saves the new offsets; a no-op when nothing changed. */
  commit(): Promise<void>;
}

/** A digest of a file's first KiB (up to `length`): a replaced or truncated file changes it. */
async function headHash(handle: FileHandle, length: number): Promise<string> {
  const n = Math.min(length, HEAD_BYTES);
  const buf = Buffer.alloc(n);
  // Synchronous and one-shot: a first sync does this for every log file.
  if (n > 0) readSync(handle.fd, buf, 0, n, 0);
  return hash('sha256', buf).slice(0, 16);
}

export async function pullAppendedLogs<F extends AppendedLogFile, S>(options: AppendedLogsOptions<F, S>): Promise<AppendedLogsPull> {
  const { context, files } = options;
  const fileCursorSchema = z.object({
    offset: z.int().nonnegative(),
    size: z.int().nonnegative(),
    mtime_ms: z.number(),
    head: z.string(),
    state: (options.state?.schema ?? z.unknown()).optional(),
  });
  const cursorSchema = z.object({ version: z.literal(1), files: z.record(z.string(), fileCursorSchema) });
  type FileCursor = z.infer<typeof fileCursorSchema>;

  const key = cursorKey(options.source, context.config.machine);
  const previous = (await loadCursor(context.store, key, cursorSchema)) ?? { version: 1 as const, files: {} };
  const next: Record<string, FileCursor> = { ...previous.files };
  // Plan first (which files grew, from where), so the pull's identity — its start positions — is
  // known before anything is read: a source that writes while it reads keys its objects by it.
  const plan: Array<{ file: F; offset: number; size: number; mtimeMs: number; state: S | undefined }> = [];
  for (const file of files) {
    const prior = previous.files[file.path];
    // Synchronous: a sync stats every log file, and a local stat is microseconds.
    const info = statSync(file.path);
    if (prior && prior.size === info.size && prior.offset === info.size && prior.mtime_ms === info.mtimeMs) continue;
    let offset = 0;
    let state = options.state?.initial();
    if (prior && info.size >= prior.offset) {
      const handle = await open(file.path, 'r');
      try {
        if ((await headHash(handle, prior.offset)) === prior.head) {
          offset = prior.offset;
          if (options.state && prior.state !== undefined) state = structuredClone(prior.state as S);
        }
      } finally {
        await handle.close();
      }
    }
    if (offset === info.size) {
      next[file.path] = { ...(prior as FileCursor), size: info.size, mtime_ms: info.mtimeMs };
      continue;
    }
    plan.push({ file, offset, size: info.size, mtimeMs: info.mtimeMs, state });
  }
  const starts = plan.map((p) => `${p.file.path}:${p.offset}`);
  await options.onPlan?.(starts);
  for (const [i, p] of plan.entries()) {
    context.progress?.(i, plan.length, options.source);
    const handle = await open(p.file.path, 'r');
    try {
      const end = await options.read(handle, p.file, p.offset, p.size, p.state);
      next[p.file.path] = {
        offset: end,
        size: p.size,
        mtime_ms: p.mtimeMs,
        head: await headHash(handle, end),
        ...(options.state ? { state: p.state } : {}),
      };
    } finally {
      await handle.close();
    }
    await options.afterFile?.();
  }
  context.progress?.(plan.length, plan.length, options.source);
  // Files that disappeared (Claude Code purges transcripts after 30 days) leave the cursor.
  const present = new Set(files.map((f) => f.path));
  for (const p of Object.keys(next)) if (!present.has(p)) delete next[p];
  const unchanged = JSON.stringify(next) === JSON.stringify(previous.files);
  return {
    starts,
    // A sync that found nothing new writes nothing (cheap idle pushes from many laptops).
    commit: () => (unchanged ? Promise.resolve() : saveCursor(context.store, key, { version: 1, files: next })),
  };
}
