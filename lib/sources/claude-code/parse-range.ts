// Reads the complete lines a transcript gained since the last sync and turns them into records,
// skips and quarantine entries. Synchronous and self-contained (a path in, plain data out), so it
// runs the same on the main thread or on a parser thread.

import { isUtf8 } from 'node:buffer';
import { closeSync, openSync } from 'node:fs';
import { MAX_RAW_CHARS } from '../../store/jsonl.ts';
import type { QuarantineEntry } from '../../usage/lake.ts';
import type { UsageRecord } from '../../usage/record.ts';
import { headHashOfFd } from '../file-head.ts';
import { looksLikeJsonObject, readCompleteLinesSync } from '../file-lines.ts';
import { parseClaudeLine } from './parser.ts';
import type { LogFile } from './paths.ts';

/** Quarantine entries kept per file (all are counted): a corrupt file must not flood the bucket. */
const MAX_QUARANTINE_PER_FILE = 1000;
const USAGE_MARK = Buffer.from('"usage"');

export interface RangeContext {
  user: string | null;
  machine: string | null;
  /** One shared copy of a repeated label (model, project, session, tier). */
  intern: (value: string) => string;
}

interface ParsedRange {
  /** Offset just past the last complete line (a half-written last line waits for the next sync). */
  end: number;
  /** headHashOfFd up to `end`, for the cursor. */
  head: string;
  records: UsageRecord[];
  quarantine: QuarantineEntry[];
  /** Lines looked at. */
  read: number;
  quarantined: number;
  skippedByReason: Record<string, number>;
}

export function parseRange(file: LogFile, from: number, size: number, context: RangeContext): ParsedRange {
  const out: ParsedRange = { end: from, head: '', records: [], quarantine: [], read: 0, quarantined: 0, skippedByReason: {} };
  const skip = (reason: string) => {
    out.skippedByReason[reason] = (out.skippedByReason[reason] ?? 0) + 1;
  };
  const lineContext = {
    projectFolder: file.projectFolder,
    relativePath: file.relativePath,
    offset: 0,
    user: context.user,
    machine: context.machine,
    intern: context.intern,
  };
  const reject = (reason: string, buf: Buffer, s: number, e: number, lineNo: number) => {
    out.quarantined++;
    if (out.quarantine.length >= MAX_QUARANTINE_PER_FILE) return;
    const raw = buf
      .subarray(s, Math.min(e, s + MAX_RAW_CHARS * 4))
      .toString('utf8')
      .slice(0, MAX_RAW_CHARS);
    out.quarantine.push({
      source: 'claude-code',
      origin: file.relativePath,
      line: lineNo,
      reason: `byte ${lineContext.offset}: ${reason}`,
      raw,
    });
  };
  const fd = openSync(file.path, 'r');
  try {
    out.end = readCompleteLinesSync(fd, from, size, (buf, s, e, offset, lineNo) => {
      if (e <= s) return;
      lineContext.offset = offset;
      out.read++;
      const markAt = buf.indexOf(USAGE_MARK, s);
      if (markAt === -1 || markAt >= e) {
        // No usage on this line: skip without decoding unless it is not even an object line.
        if (looksLikeJsonObject(buf, s, e)) skip('not-usage');
        else reject('invalid JSON: not a complete JSON object line', buf, s, e, lineNo);
        return;
      }
      if (!isUtf8(buf.subarray(s, e))) {
        reject('line is not valid UTF-8', buf, s, e, lineNo);
        return;
      }
      const outcome = parseClaudeLine(buf.toString('utf8', s, e), lineContext);
      if (outcome.kind === 'record') out.records.push(outcome.record);
      else if (outcome.kind === 'skip') skip(outcome.reason);
      else reject(outcome.reason, buf, s, e, lineNo);
    });
    out.head = headHashOfFd(fd, out.end);
  } finally {
    closeSync(fd);
  }
  return out;
}
