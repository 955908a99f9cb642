// What every local log source shares (Claude Code, Codex CLI): per-file byte offsets kept per
// machine in the bucket, so a sync reads only what was appended; a truncated or replaced file (its
// first KiB changed, lib/sources/file-head.ts) is read again from the start; files that disappeared
// leave the cursor; a pull that found nothing new writes no cursor. The source supplies only how to
// read a file's new bytes.

import { closeSync, openSync, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { z } from 'zod';
import { loadCursor, saveCursor } from '../store/cursor.ts';
import { cursorKey } from '../store/layout.ts';
import { headHashOfFd } from './file-head.ts';
import type { SourceContext } from './source.ts';

interface AppendedLogFile {
  path: string;
}

interface AppendedLogsOptions<F extends AppendedLogFile, S> {
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

interface AppendedLogsPull {
  /** `path:offset` of every file read, in order: the identity of this pull's batch. */
  starts: string[];
  /** Saves the new offsets; a no-op when nothing changed. */
  commit(): Promise<void>;
}

/** One file to read: from `offset` (where the last sync stopped) to `size`. */
interface LogTask<F extends AppendedLogFile, S> {
  file: F;
  offset: number;
  size: number;
  mtimeMs: number;
  /** The parse state carried from the last sync (Codex's running totals), when the source keeps one. */
  state: S | undefined;
}

/** Where a read ended: just past the last complete line, with the digest of the file's head up to there. */
interface LogEnd<S> {
  end: number;
  head: string;
  state?: S | undefined;
}

interface AppendedLogsPlan<F extends AppendedLogFile, S> {
  /** The files that grew, in the order given, each from where it was left. */
  tasks: Array<LogTask<F, S>>;
  /** `path:offset` of every task: the identity of this pull's batch. */
  starts: string[];
  /** Tells the cursor where a task's read ended. */
  done(task: LogTask<F, S>, end: LogEnd<S>): void;
  /** Saves the new offsets; a no-op when nothing changed. */
  commit(): Promise<void>;
}

/**
 * Plans a pull of appended logs: which files grew and from where (a truncated or replaced file —
 * its head changed — from the start), without reading them. The source reads the tasks its own
 * way (in order, or on parser threads), tells each end with `done`, and commits after the lake
 * holds what it read.
 */
export async function planAppendedLogs<F extends AppendedLogFile, S>(options: {
  source: string;
  context: SourceContext;
  files: readonly F[];
  state?: { schema: z.ZodType<S>; initial: () => S };
}): Promise<AppendedLogsPlan<F, S>> {
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
  const tasks: Array<LogTask<F, S>> = [];
  for (const file of files) {
    const prior = Object.hasOwn(previous.files, file.path) ? previous.files[file.path] : undefined;
    // Synchronous: a sync stats every log file, and a local stat is microseconds.
    const info = statSync(file.path);
    if (prior && prior.size === info.size && prior.offset === info.size && prior.mtime_ms === info.mtimeMs) continue;
    let offset = 0;
    let state = options.state?.initial();
    if (prior && info.size >= prior.offset) {
      const fd = openSync(file.path, 'r');
      try {
        if (headHashOfFd(fd, prior.offset) === prior.head) {
          offset = prior.offset;
          if (options.state && prior.state !== undefined) state = structuredClone(prior.state as S);
        }
      } finally {
        closeSync(fd);
      }
    }
    if (offset === info.size) {
      next[file.path] = { ...(prior as FileCursor), size: info.size, mtime_ms: info.mtimeMs };
      continue;
    }
    tasks.push({ file, offset, size: info.size, mtimeMs: info.mtimeMs, state });
  }
  // Files that disappeared (Claude Code purges transcripts after 30 days) leave the cursor.
  const present = new Set(files.map((f) => f.path));
  for (const p of Object.keys(next)) if (!present.has(p)) delete next[p];
  return {
    tasks,
    starts: tasks.map((t) => `${t.file.path}:${t.offset}`),
    done(task, end) {
      next[task.file.path] = {
        offset: end.end,
        size: task.size,
        mtime_ms: task.mtimeMs,
        head: end.head,
        ...(options.state ? { state: end.state } : {}),
      };
    },
    async commit() {
      // A sync that found nothing new writes nothing (cheap idle pushes from many laptops).
      if (JSON.stringify(next) === JSON.stringify(previous.files)) return;
      await saveCursor(context.store, key, { version: 1, files: next });
    },
  };
}

/** Plans, then reads each task in order with `options.read` (the sources that read in-process). */
export async function pullAppendedLogs<F extends AppendedLogFile, S>(options: AppendedLogsOptions<F, S>): Promise<AppendedLogsPull> {
  const { context } = options;
  const plan = await planAppendedLogs<F, S>({
    source: options.source,
    context,
    files: options.files,
    ...(options.state ? { state: options.state } : {}),
  });
  await options.onPlan?.(plan.starts);
  for (const [i, task] of plan.tasks.entries()) {
    context.progress?.(i, plan.tasks.length, options.source);
    const handle = await open(task.file.path, 'r');
    try {
      const end = await options.read(handle, task.file, task.offset, task.size, task.state);
      plan.done(task, { end, head: headHashOfFd(handle.fd, end), state: task.state });
    } finally {
      await handle.close();
    }
    await options.afterFile?.();
  }
  context.progress?.(plan.tasks.length, plan.tasks.length, options.source);
  return { starts: plan.starts, commit: () => plan.commit() };
}
