// The shape every source has: it reads from where its data lives, turns it into UsageRecords and
// quarantine entries, and commits its cursor only after the sync has written what it returned.

import type { Config } from '../config/config.ts';
import type { Logger } from '../core/log.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { QuarantineEntry } from '../usage/lake.ts';
import type { BatchOptions, PreparedBatch } from '../usage/lake-batch.ts';
import type { UsageRecord } from '../usage/record.ts';
import type { ParserThreads } from './claude-code/parsers.ts';

export interface SourceContext {
  store: ObjectStore;
  config: Config;
  now: Date;
  log: Logger;
  /** Backfill start (UTC day) requested by the user, e.g. `sync --since 2026-08-01`. */
  since?: string;
  fetch?: typeof fetch;
  /** Abort long pulls (Lambda deadline, Ctrl-C). */
  signal?: AbortSignal;
  /** Told how far a long pull is (files read of all files), for a progress bar. */
  progress?: (done: number, total: number, label: string) => void;
  /**
   * Writes records to the lake before the pull ends, under the given batch id, so a long pull (a
   * first sync of months of logs) holds a bounded number of records in memory. Optional: without
   * it a source returns everything in `records`. The cursor still moves only at commit().
   */
  emit?: (records: UsageRecord[], batch: string) => Promise<void>;
  /**
   * Like emit, for a batch already made ready for the lake (by prepareBatch with batchOptions),
   * e.g. on parser threads: the sync only writes it.
   */
  emitPrepared?: (prepared: PreparedBatch, batch: string) => Promise<void>;
  /** How this sync prepares batches (what a source that prepares its own must use). */
  batchOptions?: BatchOptions;
  /** Parser threads a source may use for a large pull (the CLI provides them; Lambda does not). */
  parserThreads?: ParserThreads;
}

export interface SourceStats {
  /** Lines or rows looked at. */
  read: number;
  /** Records returned (after de-duplication within the pull). */
  records: number;
  /** Copies of an id already seen in this pull (the larger copy is kept). */
  duplicates: number;
  quarantined: number;
  /** Lines that carry no usage by design (user turns, summaries, synthetic, zero usage). */
  skipped: number;
  skippedByReason: Record<string, number>;
}

export interface SourcePull {
  records: UsageRecord[];
  quarantine: QuarantineEntry[];
  stats: SourceStats;
  /**
   * The batch id for the lake object of a day. Log sources use one id per pull (derived from the
   * cursor positions it started at, so a crashed and retried pull overwrites itself); sources that
   * restate whole days return a per-day id stable across runs so a day is rewritten, not added.
   */
  batchIdFor(day: string): string;
  /**
   * Days whose object (`batchIdFor(day)`) this pull restates to nothing although it held records:
   * sync writes them empty, so analyze drops what they held. Only sources that restate whole days
   * name any (bedrock-metrics, when the invocation logs took a day over).
   */
  emptyDays?: readonly string[];
  /** Persists the cursor; called only after every lake and quarantine object was written. */
  commit(): Promise<void>;
}

export interface Source {
  readonly name: string;
  pull(context: SourceContext): Promise<SourcePull>;
}

export function emptyStats(): SourceStats {
  return { read: 0, records: 0, duplicates: 0, quarantined: 0, skipped: 0, skippedByReason: {} };
}

export function countSkip(stats: SourceStats, reason: string, n = 1): void {
  stats.skipped += n;
  stats.skippedByReason[reason] = (stats.skippedByReason[reason] ?? 0) + n;
}
