// Day rollups built on worker threads, for rebuilds of several days (`tokenlake aggregate`, a
// re-price, a first analyze of a lake): the main thread keeps every store call and hands a thread
// one day's lake objects as bytes (transferred, not copied) with the price tables; the thread
// parses, builds and checks the day as analyze does on its own thread, and answers with the rollup
// and id index serialised as analyze stores them. Records never cross threads; nothing here
// touches the store.

import type { Worker } from 'node:worker_threads';
import { errorMessage } from '../core/errors.ts';
import { tsxWorkerScript, type WorkerScript } from '../core/worker-script.ts';
import type { StoredObject } from '../store/object-store.ts';
import { parseUsageObject } from '../usage/lake.ts';
import { createPricer, type Pricer } from '../usage/pricing/price.ts';
import type { PriceTable } from '../usage/pricing/price-table.ts';
import type { UsageRecord } from '../usage/record.ts';
import { buildDay, checkRollup, serializeRollup, serializeUsageIdIndex } from '../usage/rollup.ts';

/** How analyze starts rollup threads (rollup-worker.ts, or its bundle) and how many. */
export interface RollupThreads extends WorkerScript {
  /** Threads wanted (default: the machine's cores, at most 4); never more than the days to rebuild. */
  count?: number;
  /**
   * A day whose lake objects total fewer bytes is built on the main thread (default 1 MiB, about
   * 2,000 records): starting a thread costs more than such a day.
   */
  minDayBytes?: number;
}

/** One day to build: what analyze's rebuild from every lake object reads, as bytes. */
export interface DayBuildJob {
  day: string;
  builtAt: string;
  /** The day's lake and quarantine objects, as the rollup records them. */
  inputs: StoredObject[];
  /** Its lake objects in listing order; null bytes: gone since the listing (read as empty). */
  objects: Array<{ key: string; bytes: Uint8Array | null }>;
  quarantinedLines: number;
}

/** Lines of one lake object that no longer validate (analyze logs them, as it does on its own thread). */
interface InvalidLines {
  key: string;
  lines: number;
  first: string | undefined;
}

/**
 * A built day as its stored bytes (serializeRollup / serializeUsageIdIndex), or why the rollup
 * could not be built (analyze turns that into the day's DayRollupError).
 */
export type DayBuildOutcome =
  | { ok: true; rollup: string; index: string; invalid: InvalidLines[] }
  | { ok: false; error: string; invalid: InvalidLines[] };

/**
 * Parses, builds and checks one day from its objects' bytes: analyze's rebuild from every lake
 * object, step for step (same records in the same order, so the same float sums and bytes).
 */
export function buildDayFromBytes(job: DayBuildJob, pricer: Pricer): DayBuildOutcome {
  const records: UsageRecord[] = [];
  const invalid: InvalidLines[] = [];
  let invalidLines = 0;
  for (const o of job.objects) {
    // Decoded as the stores' getText decodes (Buffer's UTF-8: replacement characters, BOM kept).
    const content = o.bytes
      ? parseUsageObject(o.key, Buffer.from(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength).toString('utf8'))
      : { records: [], rejects: [] };
    for (const r of content.records) records.push(r);
    invalidLines += content.rejects.length;
    if (content.rejects.length > 0) invalid.push({ key: o.key, lines: content.rejects.length, first: content.rejects[0]?.reason });
  }
  let built: ReturnType<typeof buildDay>;
  try {
    built = buildDay({
      day: job.day,
      builtAt: job.builtAt,
      pricer,
      inputs: job.inputs,
      records,
      invalidLines,
      quarantinedLines: job.quarantinedLines,
    });
    checkRollup(built.rollup);
  } catch (error) {
    return { ok: false, error: errorMessage(error), invalid };
  }
  return { ok: true, rollup: serializeRollup(built.rollup), index: serializeUsageIdIndex(built.index), invalid };
}

// ── the protocol ─────────────────────────────────────────────────────────────────────────────

export type RollupRequest = { type: 'init'; tables: readonly PriceTable[] } | { type: 'build'; job: DayBuildJob };

type RollupReply = { type: 'ready' } | { type: 'built'; outcome: DayBuildOutcome } | { type: 'error'; message: string };

/** The thread's side (rollup-worker.ts runs it on its port): one request at a time, in order. */
export function serveRollupRequests(post: (reply: RollupReply) => void): (request: RollupRequest) => void {
  let pricer: Pricer | null = null;
  return (request) => {
    try {
      if (request.type === 'init') {
        // The same tables give the same pricer: createPricer is what built the main thread's.
        pricer = createPricer([...request.tables]);
        post({ type: 'ready' });
        return;
      }
      if (!pricer) throw new Error('rollup thread: build before init');
      post({ type: 'built', outcome: buildDayFromBytes(request.job, pricer) });
    } catch (error) {
      post({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  };
}

/** Threads that build days; jobs queue and go to whichever thread is free. */
export interface RollupPool {
  readonly size: number;
  build(job: DayBuildJob): Promise<DayBuildOutcome>;
  close(): Promise<void>;
}

interface Pending {
  job: DayBuildJob;
  resolve: (outcome: DayBuildOutcome) => void;
  reject: (error: Error) => void;
}

/**
 * The bytes to hand over: the view itself when it is the whole of its buffer (the stores return a
 * fresh buffer per read, which the caller owns), else a copy — a small read can be a slice of
 * Node's shared Buffer pool, which must not move to another thread.
 */
function transferable(bytes: Uint8Array): Uint8Array {
  return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : bytes.slice();
}

/** Starts `count` rollup threads pricing with `tables` (all or none: one that fails stops the others). */
export async function startRollupPool(threads: RollupThreads, tables: readonly PriceTable[], count: number): Promise<RollupPool> {
  // Loaded here, not at the top: most analyze runs never start a thread.
  const { Worker } = await import('node:worker_threads');
  const queue: Pending[] = [];
  const idle: Worker[] = [];
  const running = new Map<Worker, Pending>();
  let failed: Error | null = null;
  const fail = (error: Error) => {
    failed ??= error;
    for (const p of [...running.values(), ...queue.splice(0)]) p.reject(failed);
    running.clear();
  };
  const dispatch = () => {
    while (!failed && idle.length > 0 && queue.length > 0) {
      const worker = idle.pop()!;
      const next = queue.shift()!;
      running.set(worker, next);
      const objects = next.job.objects.map((o) => ({ key: o.key, bytes: o.bytes ? transferable(o.bytes) : null }));
      const transfer = objects.flatMap((o) => (o.bytes ? [o.bytes.buffer as ArrayBuffer] : []));
      try {
        worker.postMessage({ type: 'build', job: { ...next.job, objects } } satisfies RollupRequest, transfer);
      } catch (error) {
        // A job that cannot be sent leaves its thread with nothing to answer: the pool stops.
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    }
  };
  const start = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(threads.script, { execArgv: threads.execArgv ?? [] });
      let ready = false;
      worker.on('message', (reply: RollupReply) => {
        if (!ready) {
          if (reply.type === 'ready') {
            ready = true;
            resolve(worker);
          } else reject(new Error(`rollup thread: ${reply.type === 'error' ? reply.message : `unexpected ${reply.type}`}`));
          return;
        }
        const pending = running.get(worker);
        if (!pending) return;
        running.delete(worker);
        if (reply.type === 'built') pending.resolve(reply.outcome);
        else pending.reject(new Error(`rollup thread: ${reply.type === 'error' ? reply.message : `unexpected ${reply.type}`}`));
        idle.push(worker);
        dispatch();
      });
      const lost = (error: Error) => (ready ? fail(error) : reject(error));
      worker.on('error', lost);
      worker.on('exit', (code) => lost(new Error(`rollup thread exited (code ${code})`)));
      worker.postMessage({ type: 'init', tables } satisfies RollupRequest);
    });
  const started = await Promise.allSettled(Array.from({ length: count }, start));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = () =>
    Promise.all(
      workers.map((w) => {
        w.removeAllListeners('exit');
        return w.terminate();
      }),
    );
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await stop();
    throw (failure as PromiseRejectedResult).reason;
  }
  idle.push(...workers);
  return {
    size: workers.length,
    build(job) {
      return new Promise((resolve, reject) => {
        if (failed) return reject(failed);
        queue.push({ job, resolve, reject });
        dispatch();
      });
    },
    async close() {
      await stop();
      fail(new Error('rollup threads closed'));
    },
  };
}

/**
 * Rollup threads when running from the TypeScript sources (tests, a checkout without the CLI
 * bundle): rollup-worker.ts under tsx. The bundled CLI points at its own rollup-builder bundle.
 */
export function sourceRollupThreads(options: Omit<RollupThreads, 'script' | 'execArgv'> = {}): RollupThreads {
  return { script: tsxWorkerScript(new URL('./rollup-worker.ts', import.meta.url)), ...options };
}
