// The claude-code source: reads only what was appended to each transcript since the last sync
// (per-file byte offsets in the bucket), de-duplicates responses across lines, files and sessions,
// and keeps the largest copy of each. A truncated or replaced file is read again from the start.

import { isUtf8 } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import { SourceError } from '../../errors.ts';
import { MAX_RAW_CHARS } from '../../jsonl.ts';
import { batchId, type QuarantineEntry } from '../../lake.ts';
import { preferredCopy, totalTokens, type UsageRecord } from '../../record.ts';
import { pullAppendedLogs } from '../appended-logs.ts';
import { looksLikeJsonObject, readCompleteLines } from '../file-lines.ts';
import { countSkip, emptyStats, type Source, type SourceContext, type SourcePull } from '../source.ts';
import { parseClaudeLine } from './parser.ts';
import { findLogFiles, type LogFile } from './paths.ts';

const MAX_QUARANTINE_PER_FILE = 1000;
/** Records a pull holds before writing them (about 0.3 KB each): bounds a first sync's memory. */
export const FLUSH_RECORDS = 50_000;
const USAGE_MARK = Buffer.from('"usage"');

export function createClaudeCodeSource(options: { flushRecords?: number } = {}): Source {
  const flushRecords = options.flushRecords ?? FLUSH_RECORDS;
  return {
    name: 'claude-code',
    async pull(context: SourceContext): Promise<SourcePull> {
      const { config } = context;
      const { files, missing } = await findLogFiles(config.claudeConfigDirs);
      if (files.length === 0 && missing.length === config.claudeConfigDirs.length) {
        throw new SourceError(
          'claude-code',
          `no Claude Code log directory found (looked in ${missing.join(', ')}); set CLAUDE_CONFIG_DIR to the folder that holds projects/`,
        );
      }
      const stats = emptyStats();
      const quarantine: QuarantineEntry[] = [];
      // Records not written yet, one per id (the largest copy), and the token total of every id
      // already written by an earlier part of this pull: a later, larger copy (the final one after
      // an early streaming copy) is written again and analyze keeps the larger.
      const byId = new Map<string, UsageRecord>();
      const written = new Map<string, number>();
      let unique = 0;
      let batch = '';
      let part = 0;
      const collect = (r: UsageRecord) => {
        const held = byId.get(r.id);
        if (held) {
          stats.duplicates++;
          byId.set(r.id, preferredCopy(held, r));
          return;
        }
        const writtenTotal = written.get(r.id);
        if (writtenTotal !== undefined) {
          stats.duplicates++;
          if (totalTokens(r) > writtenTotal) byId.set(r.id, r);
          return;
        }
        unique++;
        byId.set(r.id, r);
      };
      const labels = new Map<string, string>();
      const intern = (value: string) => {
        const shared = labels.get(value);
        if (shared !== undefined) return shared;
        labels.set(value, value);
        return value;
      };
      const { commit } = await pullAppendedLogs({
        source: 'claude-code',
        context,
        files,
        onPlan: (starts) => {
          batch = batchId('claude-code', config.machine, ...starts);
        },
        read: (handle, file, from, size) => readLines(handle, file, from, size, context, stats, quarantine, collect, intern),
        afterFile: async () => {
          if (!context.emit || byId.size < flushRecords) return;
          const records = [...byId.values()];
          byId.clear();
          for (const r of records) written.set(r.id, Math.max(written.get(r.id) ?? 0, totalTokens(r)));
          // Part keys derive from the pull's start positions: a retried pull rewrites the same parts.
          await context.emit(records, `${batch}-p${part++}`);
        },
      });
      stats.records = unique;
      return { records: [...byId.values()], quarantine, stats, batchIdFor: () => batch, commit };
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
  collect: (record: UsageRecord) => void,
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
    if (outcome.kind === 'record') collect(outcome.record);
    else if (outcome.kind === 'skip') countSkip(stats, outcome.reason);
    else reject(outcome.reason, buf, s, e, lineNo);
  });
}
