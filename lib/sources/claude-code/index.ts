// The claude-code source: reads only what was appended to each transcript since the last sync
// (per-file byte offsets in the bucket), de-duplicates responses across lines, files and sessions,
// and keeps the largest copy of each. A truncated or replaced file is read again from the start.
// A long pull goes in rounds of about ROUND_BYTES of log, each written as its own part, so memory
// stays bounded; a large one is parsed on parser threads, each taking a contiguous share of the
// round's files, and the copies are picked here in file order, as a single thread would.

import { SourceError } from '../../core/errors.ts';
import { batchId, type QuarantineEntry } from '../../usage/lake.ts';
import type { DayObject, PreparedBatch } from '../../usage/lake-batch.ts';
import type { UsageRecord } from '../../usage/record.ts';
import { planAppendedLogs } from '../appended-logs.ts';
import { emptyStats, type Source, type SourceContext, type SourcePull } from '../source.ts';
import { type FileJob, inProcessParser, type Parser, startParserThreads } from './parsers.ts';
import { findLogFiles, type LogFile } from './paths.ts';

/** Log bytes a round reads before its records are written (about 35,000 unique responses). */
const ROUND_BYTES = 48 * 1024 * 1024;
/** Below this much new log, parser threads cost more to start than they save. */
const THREAD_MIN_BYTES = 32 * 1024 * 1024;

export function createClaudeCodeSource(options: { roundBytes?: number; threadMinBytes?: number } = {}): Source {
  const roundBytes = options.roundBytes ?? ROUND_BYTES;
  const threadMinBytes = options.threadMinBytes ?? THREAD_MIN_BYTES;
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
      const plan = await planAppendedLogs<LogFile, never>({ source: 'claude-code', context, files });
      const batch = batchId('claude-code', config.machine, ...plan.starts);
      const stats = emptyStats();
      const quarantine: QuarantineEntry[] = [];
      const jobs: FileJob[] = plan.tasks.map((t) => ({ file: t.file, from: t.offset, size: t.size }));
      // Each parsed file finds its task by path: one lookup, not a scan of every task (13,789 on the bench tree).
      const taskByPath = new Map(plan.tasks.map((t) => [t.file.path, t]));
      const bytes = jobs.reduce((n, j) => n + (j.size - j.from), 0);
      // Without a writer (a direct pull), the records come back in one piece.
      const emitting = context.emitPrepared !== undefined && context.batchOptions !== undefined;
      const parsers: Parser[] =
        emitting && context.parserThreads && bytes >= threadMinBytes
          ? await startParserThreads(context.parserThreads, config.user, config.machine, context.batchOptions!)
          : [inProcessParser(config.user, config.machine, context.batchOptions ?? null)];
      const picker = new CopyPicker(stats);
      const records: UsageRecord[] = [];
      let part = 0;
      let filesDone = 0;
      try {
        const plannedRounds = emitting ? rounds(jobs, roundBytes) : [jobs];
        for (const round of plannedRounds) {
          context.progress?.(filesDone, jobs.length, 'claude-code');
          const shares = split(round, parsers.length);
          const summaries = await Promise.all(shares.map((share, i) => parsers[i]!.parse(share)));
          const keeps = picker.pick(summaries);
          for (const summary of summaries) {
            for (const f of summary.files) {
              const task = taskByPath.get(f.path)!;
              plan.done(task, { end: f.end, head: f.head });
              stats.read += f.read;
              stats.quarantined += f.quarantined;
              for (const [reason, n] of Object.entries(f.skippedByReason)) {
                stats.skipped += n;
                stats.skippedByReason[reason] = (stats.skippedByReason[reason] ?? 0) + n;
              }
              quarantine.push(...f.quarantine);
            }
          }
          filesDone += round.length;
          if (!emitting) {
            records.push(...parsers[0]!.kept(keeps[0]!));
            continue;
          }
          const prepared = await Promise.all(keeps.map((keep, i) => parsers[i]!.prepare(keep)));
          // Part keys derive from the pull's start positions (and the rounds from the plan): a
          // retried pull rewrites the same parts. A pull of one round is one object per day.
          const key = plannedRounds.length === 1 ? batch : `${batch}-p${part++}`;
          await context.emitPrepared!(mergePrepared(prepared), key);
        }
      } finally {
        await Promise.all(parsers.map((p) => p.close()));
      }
      context.progress?.(jobs.length, jobs.length, 'claude-code');
      stats.records = picker.unique;
      return { records, quarantine, stats, batchIdFor: () => batch, commit: () => plan.commit() };
    },
  };
}

/**
 * Picks one copy per id across the pull: in a round, the copy with the most tokens (then the
 * latest); across rounds, an id already written is written again only by a copy with more
 * tokens (the final copy after an early streaming one), and analyze keeps the larger.
 */
class CopyPicker {
  unique = 0;
  private readonly written = new WrittenTotals();

  constructor(private readonly stats: { duplicates: number }) {}

  /** Keep flags per share, given the shares in file order. */
  pick(shares: ReadonlyArray<{ ids: string[]; tss: string[]; totals: ArrayLike<number> }>): Uint8Array[] {
    const keeps = shares.map((s) => new Uint8Array(s.ids.length));
    const held = new Map<string, { share: number; index: number; total: number; ts: string }>();
    for (let si = 0; si < shares.length; si++) {
      const { ids, tss, totals } = shares[si]!;
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j]!;
        const total = totals[j]!;
        const ts = tss[j]!;
        const h = held.get(id);
        if (h) {
          this.stats.duplicates++;
          if (total > h.total || (total === h.total && ts > h.ts)) {
            keeps[h.share]![h.index] = 0;
            keeps[si]![j] = 1;
            held.set(id, { share: si, index: j, total, ts });
          }
          continue;
        }
        const before = this.written.get(id);
        if (before !== undefined) {
          this.stats.duplicates++;
          if (total <= before) continue;
        } else {
          this.unique++;
        }
        keeps[si]![j] = 1;
        held.set(id, { share: si, index: j, total, ts });
      }
    }
    for (const [id, h] of held) this.written.set(id, Math.max(this.written.get(id) ?? 0, h.total));
    return keeps;
  }
}

/**
 * id → largest total written, for every id of the pull (a million on a large first sync). An id
 * as recordId makes it (32 lowercase hex digits) is keyed by its 16 bytes as a latin-1 string:
 * half the characters, and a string of its own rather than a slice that keeps the round's joined
 * ids alive (measured on a 1M-message first sync: peak RSS about 790 MB → 705 MB, about 1 s
 * more). Any other id is kept as it is, in a map of its own, so no two ids can share a key.
 */
export class WrittenTotals {
  private readonly packed = new Map<string, number>();
  private readonly other = new Map<string, number>();

  get(id: string): number | undefined {
    const key = packHexId(id);
    return key === null ? this.other.get(id) : this.packed.get(key);
  }

  set(id: string, total: number): void {
    const key = packHexId(id);
    if (key === null) this.other.set(id, total);
    else this.packed.set(key, total);
  }
}

const packedCodes: number[] = new Array(16);

/** The 16 bytes of a 32-lowercase-hex-digit id as a latin-1 string; null for any other id. */
function packHexId(id: string): string | null {
  if (id.length !== 32) return null;
  for (let i = 0; i < 16; i++) {
    const high = hexDigit(id.charCodeAt(2 * i));
    const low = hexDigit(id.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return null;
    packedCodes[i] = high * 16 + low;
  }
  // One call builds a flat string (Buffer.from(id, 'hex') measured twice as slow per id).
  return String.fromCharCode(...packedCodes);
}

/** A lowercase hex digit's value, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Consecutive groups of jobs of about `limit` bytes each (a file is never split). */
function rounds(jobs: readonly FileJob[], limit: number): FileJob[][] {
  const out: FileJob[][] = [];
  let current: FileJob[] = [];
  let bytes = 0;
  for (const job of jobs) {
    current.push(job);
    bytes += job.size - job.from;
    if (bytes >= limit) {
      out.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length > 0 || out.length === 0) out.push(current);
  return out;
}

/** `n` contiguous shares of about equal bytes, in order (some may be empty). */
function split(jobs: readonly FileJob[], n: number): FileJob[][] {
  if (n <= 1) return [[...jobs]];
  const total = jobs.reduce((s, j) => s + (j.size - j.from), 0);
  const shares: FileJob[][] = Array.from({ length: n }, () => []);
  let acc = 0;
  for (const job of jobs) {
    const share = Math.min(n - 1, Math.floor((acc * n) / Math.max(total, 1)));
    shares[share]!.push(job);
    acc += job.size - job.from;
  }
  return shares;
}

/** The parsers' batches of one round as one: a day's objects merged in record order, builders joined. */
function mergePrepared(batches: readonly PreparedBatch[]): PreparedBatch {
  if (batches.length === 1) return batches[0]!;
  const byDay = new Map<string, DayObject[]>();
  for (const b of batches) {
    for (const d of b.days) {
      const list = byDay.get(d.day);
      if (list) list.push(d);
      else byDay.set(d.day, [d]);
    }
  }
  const days: DayObject[] = [];
  for (const day of [...byDay.keys()].sort()) {
    const parts = byDay.get(day)!;
    const [first, ...rest] = parts;
    const builder = first!.builder;
    for (const p of rest) if (builder && p.builder) builder.absorb(p.builder);
    days.push({ day, body: mergeBodies(parts.map((p) => p.body)), records: parts.reduce((n, p) => n + p.records, 0), builder });
  }
  return { days, refused: batches.flatMap((b) => b.refused) };
}

/** The order serializeUsageObject writes: ts, then id — read from the line's first two fields. */
function lineKey(line: string): string {
  // {"id":"<id>","ts":"<24 chars>",…
  const idEnd = line.indexOf('"', 7);
  return `${line.slice(idEnd + 8, idEnd + 32)}\u0000${line.slice(7, idEnd)}`;
}

/** Sorted JSONL bodies merged into one sorted body, so the bytes do not depend on how many threads read. */
function mergeBodies(bodies: readonly string[]): string {
  if (bodies.length === 1) return bodies[0]!;
  const lines = bodies.flatMap((b) => b.split('\n').filter((l) => l !== ''));
  const keyed = lines.map((l) => ({ l, k: lineKey(l) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  let out = '';
  for (const { l } of keyed) out += `${l}\n`;
  return out;
}
