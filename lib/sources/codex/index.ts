// The codex source: reads only what was appended to each Codex CLI rollout since the last sync
// (per-file byte offsets and parse state in the bucket, per machine), one record per model
// response. A truncated or replaced file is read again from the start; ids are global, so a
// session copied to another machine or moved to archived_sessions/ is still counted once.

import { isUtf8 } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { SourceError } from '../../core/errors.ts';
import { MAX_RAW_CHARS } from '../../store/jsonl.ts';
import { batchId, type QuarantineEntry } from '../../usage/lake.ts';
import { preferredCopy, type UsageRecord } from '../../usage/record.ts';
import { pullAppendedLogs } from '../appended-logs.ts';
import { looksLikeJsonObject, readCompleteLines } from '../file-lines.ts';
import { countSkip, emptyStats, type Source, type SourceContext, type SourcePull, type SourceStats } from '../source.ts';
import { type CodexFileState, initialCodexState, parseCodexLine } from './parser.ts';
import { findSessionFiles, SESSION_FOLDERS, type SessionFile } from './paths.ts';

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
      const { config } = context;
      const { files, missing } = await findSessionFiles(config.codexHome);
      if (files.length === 0 && missing.length === SESSION_FOLDERS.length) {
        throw new SourceError(
          'codex',
          `no Codex CLI sessions folder found (looked in ${missing.join(', ')}); set CODEX_HOME to the folder that holds sessions/`,
        );
      }
      const stats = emptyStats();
      const quarantine: QuarantineEntry[] = [];
      const byId = new Map<string, UsageRecord>();
      const { starts, commit } = await pullAppendedLogs<SessionFile, CodexFileState>({
        source: 'codex',
        context,
        files,
        // Running totals per file: token counts are cumulative per session, records are deltas.
        state: { schema: stateSchema as z.ZodType<CodexFileState>, initial: initialCodexState },
        read: (handle, file, from, size, state) => readFile(handle, file, from, size, state!, context, stats, quarantine, byId),
      });

      const records = [...byId.values()];
      stats.records = records.length;
      const batch = batchId('codex', config.machine, ...starts);
      return { records, quarantine, stats, batchIdFor: () => batch, commit };
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
