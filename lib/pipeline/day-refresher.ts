// Several days' refreshes in a row (a forced rebuild, a re-price, a first analyze of a lake), with
// the days rebuilt from every lake object built on rollup threads when AnalyzeDeps has them. All
// store I/O stays on this thread; a thread only turns a day's bytes into its stored rollup.

import { availableParallelism } from 'node:os';
import { errorMessage } from '../core/errors.ts';
import type { FreshDay } from '../usage/rollup.ts';
import type { AnalyzeDeps } from './analyze-deps.ts';
import { countQuarantined, type DayPlan, type DayRefresh, finishDay, planDay, rebuildsFromLake, refreshDay } from './day-refresh.ts';
import { buildDayFromBytes, type DayBuildJob, type DayBuildOutcome, type RollupPool, startRollupPool } from './rollup-threads.ts';

/** Days refreshed in the order they were planned (see createDayRefresher). */
interface DayRefresher {
  refresh(day: string, force: boolean): Promise<DayRefresh>;
  /** Stops the rollup threads (after the last refresh, or when the caller gives up). */
  close(): Promise<void>;
}

/**
 * Threads when RollupThreads.count is not given, as for parser threads: every thread adds a day
 * read ahead and held in memory, and past a few the main thread's reads are the limit anyway.
 */
const MAX_DEFAULT_THREADS = 4;

/** 1 MiB: below it a day is built on this thread (see RollupThreads.minDayBytes). */
const MIN_THREAD_DAY_BYTES = 1 << 20;

/**
 * refreshDay over `planned` days, called in that order. With deps.rollupThreads and two days or
 * more, the days ahead are read while earlier ones build: a day rebuilt from every lake object
 * has its objects read here (all store I/O stays on this thread) and built on a rollup thread,
 * the others (skipped, folded, handed over, small) are finished here as refreshDay would. Results
 * are stored one day at a time in the planned order, as without threads. At most threads + 1
 * days are read ahead and not yet stored, so memory stays bounded on any lake. Threads start at
 * the first day that needs one. A refresh of a day out of that order (a corrupt rollup found on
 * the way) is refreshDay itself.
 */
export function createDayRefresher(
  deps: AnalyzeDeps,
  planned: readonly string[],
  force: boolean,
  fresh?: ReadonlyMap<string, FreshDay>,
): DayRefresher {
  const threads = deps.rollupThreads;
  const inline: DayRefresher = { refresh: (day, f) => refreshDay(deps, day, f, fresh?.get(day)), close: async () => {} };
  if (!threads || planned.length < 2) return inline;
  const wanted = Math.max(1, Math.min(threads.count ?? Math.min(availableParallelism(), MAX_DEFAULT_THREADS), planned.length));
  const minBytes = threads.minDayBytes ?? MIN_THREAD_DAY_BYTES;
  const window = wanted + 1;
  const ahead: Array<{ day: string; prepared: Promise<{ plan: DayPlan; built?: Promise<DayBuildOutcome> }> }> = [];
  let next = 0;
  let taken = 0;
  let threadDays = 0;
  // Days are read one after another (one reader keeps the store's I/O sequential).
  let reading: Promise<unknown> = Promise.resolve();
  let pool: Promise<RollupPool | null> | null = null;
  const poolFrom = (index: number) =>
    (pool ??= startRollupPool(threads, deps.pricer.tables, Math.min(wanted, planned.length - index)).catch((error: unknown) => {
      deps.log.warn('rollup threads could not start; days are built on this thread', { error: errorMessage(error) });
      return null;
    }));
  const prepare = async (day: string, index: number) => {
    const plan = await planDay(deps, day);
    const bytes = plan.objects.reduce((n, o) => n + o.size, 0);
    if (!rebuildsFromLake(plan, force, fresh?.get(day)) || bytes < minBytes) return { plan };
    const objects: Array<{ key: string; bytes: Uint8Array | null }> = [];
    for (const o of plan.objects) objects.push({ key: o.key, bytes: await deps.store.getBytes(o.key) });
    const job: DayBuildJob = {
      day,
      builtAt: deps.now().toISOString(),
      inputs: plan.inputs,
      objects,
      quarantinedLines: await countQuarantined(deps.store, plan.quarantine),
    };
    const started = await poolFrom(index);
    threadDays++;
    // Threads that cannot start: the same build on this thread, from the bytes already read.
    const built = started
      ? started.build(job).catch((error: unknown) => {
          throw new Error(`day ${day}: its rollup thread failed: ${errorMessage(error)}`, { cause: error });
        })
      : Promise.resolve(buildDayFromBytes(job, deps.pricer));
    built.catch(() => {}); // awaited when the day's turn comes; until then a failure must not go unhandled
    return { plan, built };
  };
  const readAhead = () => {
    while (next < planned.length && next < taken + window) {
      const index = next++;
      const day = planned[index]!;
      const prepared = reading.then(() => prepare(day, index));
      prepared.catch(() => {});
      reading = prepared.catch(() => {});
      ahead.push({ day, prepared });
    }
  };
  return {
    async refresh(day, f) {
      readAhead();
      const head = ahead[0];
      if (head?.day !== day || f !== force) return refreshDay(deps, day, f, fresh?.get(day));
      ahead.shift();
      taken++;
      readAhead();
      const { plan, built } = await head.prepared;
      return finishDay(deps, plan, f, fresh?.get(day), built);
    },
    async close() {
      next = planned.length;
      await reading;
      const started = pool ? await pool : null;
      if (!started) return;
      await started.close();
      deps.log.info('day rollups built on threads', { days: threadDays, threads: started.size });
    },
  };
}
