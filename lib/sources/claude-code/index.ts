// The claude-code source: reads only what was appended to each transcript since the last sync
// (per-file byte offsets in the bucket), de-duplicates responses across lines, files and sessions,
// and keeps the largest copy of each. A truncated or replaced file is read again from the start.

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
import { countSkip, emptyStats, type Source, type SourceContext, type SourcePull } from '../source.ts';
import { parseClaudeLine } from './parser.ts';
import { findLogFiles, type LogFile } from './paths.ts';

const HEAD_BYTES = 1024;
const MAX_QUARANTINE_PER_FILE = 1000;
const USAGE_MARK = Buffer.from('"usage"');

const fileCursorSchema = z.object({ offset: z.int().nonnegative(), size: z.int().nonnegative(), mtime_ms: z.number(), head: z.string() });
const cursorSchema = z.object({ version: z.literal(1), files: z.record(z.string(), fileCursorSchema) });
type FileCursor = z.infer<typeof fileCursorSchema>;

async function headHash(handle: FileHandle, length: number): Promise<string> {
  const n = Math.min(length, HEAD_BYTES);
  const buf = Buffer.alloc(n);
  if (n > 0) await handle.read(buf, 0, n, 0);
  return createHash('sha256').update(buf).digest('hex').slice(0, 16);
}

export function createClaudeCodeSource(): Source {
  return {
    name: 'claude-code',
    async pull(context: SourceContext): Promise<SourcePull> {
      const { config, store } = context;
      const { files, missing } = await findLogFiles(config.claudeConfigDirs);
      if (files.length === 0 && missing.length === config.claudeConfigDirs.length) {
        throw new SourceError(
          'claude-code',
          `no Claude Code log directory found (looked in ${missing.join(', ')}); set CLAUDE_CONFIG_DIR to the folder that holds projects/`,
        );
      }
      const key = cursorKey('claude-code', config.machine);
      const previous = (await loadCursor(store, key, cursorSchema)) ?? { version: 1 as const, files: {} };
      const nextFiles: Record<string, FileCursor> = { ...previous.files };
      const stats = emptyStats();
      const quarantine: QuarantineEntry[] = [];
      const byId = new Map<string, UsageRecord>();
      const starts: string[] = [];
      const labels = new Map<string, string>();
      const intern = (value: string) => {
        const shared = labels.get(value);
        if (shared !== undefined) return shared;
        labels.set(value, value);
        return value;
      };

      for (const file of files) {
        const prior = previous.files[file.path];
        const info = await stat(file.path);
        if (prior && prior.size === info.size && prior.offset === info.size && prior.mtime_ms === info.mtimeMs) continue;
        const handle = await open(file.path, 'r');
        try {
          let offset = 0;
          if (prior && info.size >= prior.offset) {
            const head = await headHash(handle, prior.offset);
            if (head === prior.head) offset = prior.offset;
          }
          if (offset === info.size) {
            nextFiles[file.path] = { ...(prior as FileCursor), size: info.size, mtime_ms: info.mtimeMs };
            continue;
          }
          starts.push(`${file.path}:${offset}`);
          const end = await readLines(handle, file, offset, info.size, context, stats, quarantine, byId, intern);
          nextFiles[file.path] = { offset: end, size: info.size, mtime_ms: info.mtimeMs, head: await headHash(handle, end) };
        } finally {
          await handle.close();
        }
      }
      // Files that disappeared (Claude Code purges transcripts after 30 days) leave the cursor.
      const present = new Set(files.map((f) => f.path));
      for (const p of Object.keys(nextFiles)) if (!present.has(p)) delete nextFiles[p];

      const records = [...byId.values()];
      stats.records = records.length;
      const batch = batchId('claude-code', config.machine, ...starts);
      const unchanged = JSON.stringify(nextFiles) === JSON.stringify(previous.files);
      return {
        records,
        quarantine,
        stats,
        batchIdFor: () => batch,
        // A sync that found nothing new writes nothing (cheap idle pushes from many laptops).
        commit: () => (unchanged ? Promise.resolve() : saveCursor(store, key, { version: 1, files: nextFiles })),
      };
    },
  };
}

/** Reads complete lines in [from, size); returns the offset just past the last complete line. */
function readLines(
  handle: FileHandle,
  file: LogFile,
  from: number,
  size: number,
  context: SourceContext,
  stats: ReturnType<typeof emptyStats>,
  quarantine: QuarantineEntry[],
  byId: Map<string, UsageRecord>,
  intern: (value: string) => string,
): Promise<number> {
  let quarantinedHere = 0;
  const lineContext = {
    projectFolder: file.projectFolder,
    relativePath: file.relativePath,
    offset: 0,
    user: context.config.user,
    machine: context.config.machine,
    intern,
  };
  const reject = (reason: string, buf: Buffer, s: number, e: number, lineNo: number) => {
    stats.quarantined++;
    if (quarantinedHere++ >= MAX_QUARANTINE_PER_FILE) return;
    const raw = buf
      .subarray(s, Math.min(e, s + MAX_RAW_CHARS * 4))
      .toString('utf8')
      .slice(0, MAX_RAW_CHARS);
    quarantine.push({
      source: 'claude-code',
      origin: file.relativePath,
      line: lineNo,
      reason: `byte ${lineContext.offset}: ${reason}`,
      raw,
    });
  };
  // A partial last line (Claude Code is still writing it) is left for the next sync.
  return readCompleteLines(handle, from, size, (buf, s, e, offset, lineNo) => {
    if (e <= s) return;
    lineContext.offset = offset;
    stats.read++;
    const markAt = buf.indexOf(USAGE_MARK, s);
    if (markAt === -1 || markAt >= e) {
      // No usage on this line: skip without decoding unless it is not even an object line.
      if (looksLikeJsonObject(buf, s, e)) countSkip(stats, 'not-usage');
      else reject('invalid JSON: not a complete JSON object line', buf, s, e, lineNo);
      return;
    }
    if (!isUtf8(buf.subarray(s, e))) {
      reject('line is not valid UTF-8', buf, s, e, lineNo);
      return;
    }
    const outcome = parseClaudeLine(buf.toString('utf8', s, e), lineContext);
    if (outcome.kind === 'record') {
      const r = outcome.record;
      const seen = byId.get(r.id);
      if (seen) {
        stats.duplicates++;
        byId.set(r.id, preferredCopy(seen, r));
      } else byId.set(r.id, r);
    } else if (outcome.kind === 'skip') countSkip(stats, outcome.reason);
    else reject(outcome.reason, buf, s, e, lineNo);
  });
}
