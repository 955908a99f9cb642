// The codex source: reads only what was appended to each Codex CLI rollout since the last sync
// (per-file byte offsets and parse state in the bucket, per machine), one record per model
// response. A truncated or replaced file is read again from the start; ids are global, so a
// session copied to another machine or moved to archived_sessions/ is still counted once.

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { z } from 'zod';
import { cursorKey, loadCursor, saveCursor } from '../../cursor.ts';
import { SourceError } from '../../errors.ts';
import { MAX_RAW_CHARS } from '../../jsonl.ts';
import { batchId, type QuarantineEntry } from '../../lake.ts';
import { preferredCopy, type UsageRecord } from '../../record.ts';
import { looksLikeJsonObject, readCompleteLines } from '../file-lines.ts';
import { countSkip, emptyStats, type Source, type SourceContext, type SourcePull, type SourceStats } from '../source.ts';
import { type CodexFileState, initialCodexState, parseCodexLine } from './parser.ts';
import { findSessionFiles, SESSION_FOLDERS, type SessionFile } from './paths.ts';

const HEAD_BYTES = 1024;
const MAX_QUARANTINE_PER_FILE = 1000;
/** Only lines with one of these are decoded; the rest (messages, tool calls, compactions) are skipped as bytes. */
const MARKS = ['"token_count"', '"turn_context"', '"session_meta"'].map((m) => Buffer.from(m));

const totalsSchema = z.object({ input: z.number(), cached: z.number(), output: z.number(), reasoning: z.number() });
const stateSchema = z.object({
  session: z.string().nullable(),
  scope: z.string().nullable(),
  cwd: z.string().nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  totals: totalsSchema.nullable(),
  fork: z.object({ child: z.string(), replaySeen: z.boolean(), waiting: z.boolean(), baseline: totalsSchema.nullable() }).nullable(),
});
const fileCursorSchema = z.object({
  offset: z.int().nonnegative(),
  size: z.int().nonnegative(),
  mtime_ms: z.number(),
  head: z.string(),
  state: stateSchema,
});
const cursorSchema = z.object({ version: z.literal(1), files: z.record(z.string(), fileCursorSchema) });
type FileCursor = z.infer<typeof fileCursorSchema>;

async function headHash(handle: FileHandle, length: number): Promise<string> {
  const n = Math.min(length, HEAD_BYTES);
  const buf = Buffer.alloc(n);
  if (n > 0) await handle.read(buf, 0, n, 0);
  return createHash('sha256').update(buf).digest('hex').slice(0, 16);
}

function hasMark(buf: Buffer, start: number, end: number): boolean {
  for (const mark of MARKS) {
    const at = buf.indexOf(mark, start);
    if (at !== -1 && at < end) return true;
  }
  return false;
}

export function createCodexSource(): Source {
  return {
    name: 'codex',
    async pull(context: SourceContext): Promise<SourcePull> {
      const { config, store } = context;
      const { files, missing } = await findSessionFiles(config.codexHome);
      if (files.length === 0 && missing.length === SESSION_FOLDERS.length) {
        throw new SourceError(
          'codex',
          `no Codex CLI sessions folder found (looked in ${missing.join(', ')}); set CODEX_HOME to the folder that holds sessions/`,
        );
      }
      const key = cursorKey('codex', config.machine);
      const previous = (await loadCursor(store, key, cursorSchema)) ?? { version: 1 as const, files: {} };
      const nextFiles: Record<string, FileCursor> = { ...previous.files };
      const stats = emptyStats();
      const quarantine: QuarantineEntry[] = [];
      const byId = new Map<string, UsageRecord>();
      const starts: string[] = [];

      for (const file of files) {
        const prior = previous.files[file.path];
        const info = await stat(file.path);
        if (prior && prior.size === info.size && prior.offset === info.size && prior.mtime_ms === info.mtimeMs) continue;
        const handle = await open(file.path, 'r');
        try {
          let offset = 0;
          let state: CodexFileState = initialCodexState();
          if (prior && info.size >= prior.offset && (await headHash(handle, prior.offset)) === prior.head) {
            offset = prior.offset;
            state = structuredClone(prior.state);
          }
          if (offset === info.size) {
            nextFiles[file.path] = { ...(prior as FileCursor), size: info.size, mtime_ms: info.mtimeMs };
            continue;
          }
          starts.push(`${file.path}:${offset}`);
          const end = await readFile(handle, file, offset, info.size, state, context, stats, quarantine, byId);
          nextFiles[file.path] = { offset: end, size: info.size, mtime_ms: info.mtimeMs, head: await headHash(handle, end), state };
        } finally {
          await handle.close();
        }
      }
      const present = new Set(files.map((f) => f.path));
      for (const p of Object.keys(nextFiles)) if (!present.has(p)) delete nextFiles[p];

      const records = [...byId.values()];
      stats.records = records.length;
      const batch = batchId('codex', config.machine, ...starts);
      const next = { version: 1 as const, files: nextFiles };
      const unchanged = JSON.stringify(next) === JSON.stringify(previous);
      return {
        records,
        quarantine,
        stats,
        batchIdFor: () => batch,
        // Nothing new: no write at all, so an idle push costs one GET for this source.
        commit: () => (unchanged ? Promise.resolve() : saveCursor(store, key, next)),
      };
    },
  };
}

async function readFile(
  handle: FileHandle,
  file: SessionFile,
  from: number,
  size: number,
  state: CodexFileState,
  context: SourceContext,
  stats: SourceStats,
  quarantine: QuarantineEntry[],
  byId: Map<string, UsageRecord>,
): Promise<number> {
  let quarantinedHere = 0;
  const lineContext = { relativePath: file.relativePath, offset: 0, user: context.config.user, machine: context.config.machine };
  const reject = (reason: string, buf: Buffer, s: number, e: number, offset: number, lineNo: number) => {
    stats.quarantined++;
    if (quarantinedHere++ >= MAX_QUARANTINE_PER_FILE) return;
    const raw = buf
      .subarray(s, Math.min(e, s + MAX_RAW_CHARS * 4))
      .toString('utf8')
      .slice(0, MAX_RAW_CHARS);
    quarantine.push({ source: 'codex', origin: file.relativePath, line: lineNo, reason: `byte ${offset}: ${reason}`, raw });
  };
  // A partial last line (Codex is still writing it) is left for the next sync.
  return readCompleteLines(handle, from, size, (buf, s, e, offset, lineNo) => {
    if (e <= s) return;
    stats.read++;
    if (!hasMark(buf, s, e)) {
      if (looksLikeJsonObject(buf, s, e)) countSkip(stats, 'not-usage');
      else reject('invalid JSON: not a complete JSON object line', buf, s, e, offset, lineNo);
      return;
    }
    if (!isUtf8(buf.subarray(s, e))) {
      reject('line is not valid UTF-8', buf, s, e, offset, lineNo);
      return;
    }
    lineContext.offset = offset;
    const outcome = parseCodexLine(buf.toString('utf8', s, e), state, lineContext);
    if (outcome.kind === 'record') {
      const r = outcome.record;
      const seen = byId.get(r.id);
      if (seen) {
        stats.duplicates++;
        byId.set(r.id, preferredCopy(seen, r));
      } else byId.set(r.id, r);
    } else if (outcome.kind === 'duplicate') stats.duplicates++;
    else if (outcome.kind === 'skip') countSkip(stats, outcome.reason);
    else reject(outcome.reason, buf, s, e, offset, lineNo);
  });
}
