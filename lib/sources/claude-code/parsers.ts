// The two ways a pull parses transcripts: in this thread, or on parser threads (worker_threads)
// that each take a contiguous share of the files. Either way a parser keeps the records of its
// share and tells the caller only their ids, totals and times; the caller decides which copy of
// each id to keep, and the parser then prepares the kept ones for the lake (priced, checked,
// serialised, rolled up): records never cross threads, only summaries and finished day objects.

import { tsxWorkerScript, type WorkerScript } from '../../core/worker-script.ts';
import { createAnonymizer } from '../../usage/anonymize.ts';
import type { QuarantineEntry } from '../../usage/lake.ts';
import type { BatchOptions, DayObject, PreparedBatch } from '../../usage/lake-batch.ts';
import { prepareBatch } from '../../usage/lake-batch.ts';
import { createPricer, type Pricer } from '../../usage/pricing/price.ts';
import type { PriceTable } from '../../usage/pricing/price-table.ts';
import { totalTokens, type UsageRecord } from '../../usage/record.ts';
import { type BuilderSnapshot, DayRollupBuilder } from '../../usage/rollup.ts';
import { parseRange, type RangeContext } from './parse-range.ts';
import type { LogFile } from './paths.ts';

/** One file of a share: its lines from `from` to `size`. */
export interface FileJob {
  file: LogFile;
  from: number;
  size: number;
}

/** What parsing one file told, besides its records. */
interface FileSummary {
  path: string;
  end: number;
  head: string;
  read: number;
  quarantined: number;
  skippedByReason: Record<string, number>;
  quarantine: QuarantineEntry[];
  /** How many records it gave (they follow the previous file's in the share's order). */
  records: number;
}

/** A share's records, as the caller needs them to pick one copy per id. */
interface ShareSummary {
  files: FileSummary[];
  ids: string[];
  /** ISO instants, same order. */
  tss: string[];
  totals: ArrayLike<number>;
}

export interface Parser {
  parse(jobs: readonly FileJob[]): Promise<ShareSummary>;
  /** The kept records of the last share (keep[j] for its j-th record), ready for the lake. */
  prepare(keep: Uint8Array): Promise<PreparedBatch>;
  /** The kept records themselves (for a pull that returns records instead of writing them). */
  kept(keep: Uint8Array): UsageRecord[];
  close(): Promise<void>;
}

function summarize(jobs: readonly FileJob[], context: RangeContext, records: UsageRecord[]): ShareSummary {
  const files: FileSummary[] = [];
  for (const job of jobs) {
    const r = parseRange(job.file, job.from, job.size, context);
    for (const rec of r.records) records.push(rec);
    files.push({
      path: job.file.path,
      end: r.end,
      head: r.head,
      read: r.read,
      quarantined: r.quarantined,
      skippedByReason: r.skippedByReason,
      quarantine: r.quarantine,
      records: r.records.length,
    });
  }
  return { files, ids: records.map((r) => r.id), tss: records.map((r) => r.ts), totals: records.map(totalTokens) };
}

function internPool(): (value: string) => string {
  const labels = new Map<string, string>();
  return (value) => {
    const shared = labels.get(value);
    if (shared !== undefined) return shared;
    if (labels.size > 100_000) labels.clear();
    labels.set(value, value);
    return value;
  };
}

/** Parses in this thread (small pulls, tests, and wherever no parser thread can start). */
export function inProcessParser(user: string | null, machine: string | null, batch: BatchOptions | null): Parser {
  const context: RangeContext = { user, machine, intern: internPool() };
  let records: UsageRecord[] = [];
  const keptOf = (keep: Uint8Array) => records.filter((_, j) => keep[j] === 1);
  return {
    async parse(jobs) {
      records = [];
      return summarize(jobs, context, records);
    },
    async prepare(keep) {
      if (!batch) throw new Error('in-process parser: no batch options to prepare with');
      const prepared = prepareBatch(keptOf(keep), batch);
      records = [];
      return prepared;
    },
    kept(keep) {
      const out = keptOf(keep);
      records = [];
      return out;
    },
    async close() {},
  };
}

// ── parser threads ───────────────────────────────────────────────────────────────────────────

/** How to start a parser thread: the worker script (parse-worker.ts, or its bundle) and Node flags. */
export interface ParserThreads extends WorkerScript {
  /** Threads wanted; default: the machine's cores, at most 4. */
  count?: number;
}

interface WorkerInit {
  user: string | null;
  machine: string | null;
  batch: { source: string; tables: readonly PriceTable[]; anonymize: { key: string; fields: string[] } | null; handover: boolean };
}

export type WorkerRequest = { type: 'init'; init: WorkerInit } | { type: 'parse'; jobs: FileJob[] } | { type: 'prepare'; keep: Uint8Array };

type WorkerReply =
  | { type: 'ready' }
  | { type: 'parsed'; files: FileSummary[]; ids: string; tss: string; totals: Float64Array }
  | { type: 'prepared'; days: Array<Omit<DayObject, 'builder'> & { builder: BuilderSnapshot | null }>; refused: QuarantineEntry[] }
  | { type: 'error'; message: string };

/** The worker's side of the protocol (parse-worker.ts runs it on its port). */
export function serveParserRequests(post: (reply: WorkerReply) => void): (request: WorkerRequest) => void {
  let parser: Parser | null = null;
  let tail: Promise<void> = Promise.resolve();
  return (request) => {
    const run = async (): Promise<void> => {
      switch (request.type) {
        case 'init': {
          const { user, machine, batch } = request.init;
          const anonymizer = batch.anonymize
            ? createAnonymizer(batch.anonymize.key, batch.anonymize.fields as Parameters<typeof createAnonymizer>[1])
            : null;
          parser = inProcessParser(user, machine, {
            source: batch.source,
            pricer: createPricer([...batch.tables]),
            anonymizer,
            handover: batch.handover,
          });
          return post({ type: 'ready' });
        }
        case 'parse': {
          const share = await parser!.parse(request.jobs);
          return post({
            type: 'parsed',
            files: share.files,
            ids: share.ids.join('\n'),
            tss: share.tss.join('\n'),
            totals: Float64Array.from(share.totals),
          });
        }
        case 'prepare': {
          const prepared = await parser!.prepare(request.keep);
          return post({
            type: 'prepared',
            days: prepared.days.map((d) => ({ day: d.day, body: d.body, records: d.records, builder: d.builder?.snapshot() ?? null })),
            refused: prepared.refused,
          });
        }
      }
    };
    // One request at a time, in the order they came.
    tail = tail
      .then(run)
      .catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  };
}

/** A parser on its own thread; its replies come in the order of the requests. */
async function threadParser(threads: ParserThreads, init: WorkerInit, pricer: Pricer): Promise<Parser> {
  // Loaded here, not at the top: most syncs never start a thread.
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(threads.script, { execArgv: threads.execArgv ?? [] });
  const waiting: Array<{ resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }> = [];
  let failed: Error | null = null;
  const fail = (error: Error) => {
    failed ??= error;
    for (const w of waiting.splice(0)) w.reject(error);
  };
  worker.on('message', (reply: WorkerReply) => {
    const next = waiting.shift();
    if (!next) return;
    if (reply.type === 'error') next.reject(new Error(`parser thread: ${reply.message}`));
    else next.resolve(reply);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`parser thread exited (code ${code})`)));
  const ask = (request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      waiting.push({ resolve, reject });
      worker.postMessage(request, transfer);
    });
  await ask({ type: 'init', init });
  return {
    async parse(jobs) {
      const reply = await ask({ type: 'parse', jobs: [...jobs] });
      if (reply.type !== 'parsed') throw new Error(`parser thread: unexpected ${reply.type}`);
      const split = (s: string) => (s === '' ? [] : s.split('\n'));
      return { files: reply.files, ids: split(reply.ids), tss: split(reply.tss), totals: reply.totals };
    },
    async prepare(keep) {
      const reply = await ask({ type: 'prepare', keep });
      if (reply.type !== 'prepared') throw new Error(`parser thread: unexpected ${reply.type}`);
      return {
        days: reply.days.map((d) => ({ ...d, builder: d.builder ? DayRollupBuilder.fromSnapshot(d.builder, pricer) : null })),
        refused: reply.refused,
      };
    },
    kept() {
      throw new Error('a parser thread prepares its records for the lake; it does not hand them over');
    },
    async close() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

/**
 * Parser threads when running from the TypeScript sources (tests, a checkout without the CLI
 * bundle): parse-worker.ts under tsx. The bundled CLI points at its own parser bundle instead.
 */
export function sourceParserThreads(count?: number): ParserThreads {
  return { script: tsxWorkerScript(new URL('./parse-worker.ts', import.meta.url)), ...(count !== undefined ? { count } : {}) };
}

/** Starts `count` parser threads (all or none: a thread that fails to start stops the others). */
export async function startParserThreads(
  threads: ParserThreads,
  user: string | null,
  machine: string | null,
  batch: BatchOptions,
): Promise<Parser[]> {
  const count = threads.count ?? Math.min((await import('node:os')).availableParallelism(), 4);
  const init: WorkerInit = {
    user,
    machine,
    batch: {
      source: batch.source,
      tables: batch.pricer.tables,
      anonymize: batch.anonymizer ? batch.anonymizer.settings : null,
      handover: batch.handover,
    },
  };
  const started = await Promise.allSettled(Array.from({ length: count }, () => threadParser(threads, init, batch.pricer)));
  const parsers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.all(parsers.map((p) => p.close()));
    throw (failure as PromiseRejectedResult).reason;
  }
  return parsers;
}
