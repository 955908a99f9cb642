// The qwen-code source: reads only what was appended to each Qwen Code chat since the last sync
// (per-file byte offsets per machine, lib/sources/appended-logs.ts), one record per model response,
// keyed by the record's uuid. A rewritten file is read again from the start; its ids do not change.

import { isUtf8 } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import { SourceError } from '../../core/errors.ts';
import { MAX_RAW_CHARS } from '../../store/jsonl.ts';
import { batchId, type QuarantineEntry } from '../../usage/lake.ts';
import { preferredCopy, type UsageRecord } from '../../usage/record.ts';
import { pullAppendedLogs } from '../appended-logs.ts';
import { looksLikeJsonObject, readCompleteLines } from '../file-lines.ts';
import { countSkip, emptyStats, type Source, type SourceContext, type SourcePull, type SourceStats } from '../source.ts';
import { parseQwenLine } from './parser.ts';
import { findQwenChats, type QwenChatFile } from './paths.ts';

const MAX_QUARANTINE_PER_FILE = 1000;
/** Only lines with usage are decoded; user turns, tool results and system records are skipped as bytes. */
const USAGE_MARK = Buffer.from('"usageMetadata"');

export function createQwenCodeSource(): Source {
  return {
    name: 'qwen-code',
    async pull(context: SourceContext): Promise<SourcePull> {
      const { config } = context;
      const { files, missing } = await findQwenChats(config.qwenDir);
      if (missing) {
        throw new SourceError(
          'qwen-code',
          `no Qwen Code chats folder found (looked in ${config.qwenDir}/projects); set QWEN_RUNTIME_DIR or QWEN_HOME to the folder that holds projects/`,
        );
      }
      const stats = emptyStats();
      const quarantine: QuarantineEntry[] = [];
      const byId = new Map<string, UsageRecord>();
      const { starts, commit } = await pullAppendedLogs({
        source: 'qwen-code',
        context,
        files,
        read: (handle, file, from, size) => readChat(handle, file, from, size, context, stats, quarantine, byId),
      });
      const records = [...byId.values()];
      stats.records = records.length;
      const batch = batchId('qwen-code', config.machine, ...starts);
      return { records, quarantine, stats, batchIdFor: () => batch, commit };
    },
  };
}

function readChat(
  handle: FileHandle,
  file: QwenChatFile,
  from: number,
  size: number,
  context: SourceContext,
  stats: SourceStats,
  quarantine: QuarantineEntry[],
  byId: Map<string, UsageRecord>,
): Promise<number> {
  let quarantinedHere = 0;
  const lineContext = { user: context.config.user, machine: context.config.machine };
  const reject = (reason: string, buf: Buffer, s: number, e: number, offset: number, lineNo: number) => {
    stats.quarantined++;
    if (quarantinedHere++ >= MAX_QUARANTINE_PER_FILE) return;
    const raw = buf
      .subarray(s, Math.min(e, s + MAX_RAW_CHARS * 4))
      .toString('utf8')
      .slice(0, MAX_RAW_CHARS);
    quarantine.push({ source: 'qwen-code', origin: file.relativePath, line: lineNo, reason: `byte ${offset}: ${reason}`, raw });
  };
  // A partial last line (Qwen Code is still writing it) is left for the next sync.
  return readCompleteLines(handle, from, size, (buf, s, e, offset, lineNo) => {
    if (e <= s) return;
    stats.read++;
    const at = buf.indexOf(USAGE_MARK, s);
    if (at === -1 || at >= e) {
      if (looksLikeJsonObject(buf, s, e)) countSkip(stats, 'not-usage');
      else reject('invalid JSON: not a complete JSON object line', buf, s, e, offset, lineNo);
      return;
    }
    if (!isUtf8(buf.subarray(s, e))) {
      reject('line is not valid UTF-8', buf, s, e, offset, lineNo);
      return;
    }
    const outcome = parseQwenLine(buf.toString('utf8', s, e), lineContext);
    if (outcome.kind === 'record') {
      const seen = byId.get(outcome.record.id);
      if (seen) {
        stats.duplicates++;
        byId.set(outcome.record.id, preferredCopy(seen, outcome.record));
      } else byId.set(outcome.record.id, outcome.record);
    } else if (outcome.kind === 'skip') countSkip(stats, outcome.reason);
    else reject(outcome.reason, buf, s, e, offset, lineNo);
  });
}
