// Day rollups built on rollup threads are the ones this thread builds, byte for byte: the same
// rollup and id index objects and the same analytics.json, on a generated multi-day lake with
// invalid lines, copies of one record in two objects and quarantined lines. A thread that dies
// fails the run instead of hanging it, and nothing of the failed days is written.

import { describe, expect, it } from 'vitest';
import { lakeObjectBody } from '../../../bench/generate-lake.ts';
import { seededRandom } from '../../../bench/seeded-random.ts';
import { addDays, dayRange } from '../../../lib/core/calendar.ts';
import { createLogger, type Logger } from '../../../lib/core/log.ts';
import { runAggregation } from '../../../lib/pipeline/aggregate.ts';
import { runAnalyze } from '../../../lib/pipeline/analyze.ts';
import type { AnalyzeDeps } from '../../../lib/pipeline/analyze-deps.ts';
import { type RollupThreads, sourceRollupThreads } from '../../../lib/pipeline/rollup-threads.ts';
import { ANALYTICS_KEY } from '../../../lib/store/layout.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const today = '2026-11-20';
const now = () => new Date(`${today}T23:00:00Z`);
const days = dayRange(addDays(today, -5), today);

/** Six days of three objects each; one day with nothing but a quarantined line. */
async function generatedLake(): Promise<MemoryStore> {
  const store = new MemoryStore();
  const random = seededRandom(7);
  for (const [d, day] of days.entries()) {
    if (d === 2) {
      await store.put(`quarantine/dt=${day}/claude-code-m.jsonl`, '{"broken": true}\n');
      continue;
    }
    const bodies = [0, 1, 2].map((i) => lakeObjectBody(random, day, 300 + 97 * i, i === 2 ? 'openai' : 'claude-code', {}));
    // The first line of object 0 again in object 1 (a copy analyze counts once), and a line that does not validate.
    const copied = bodies[0]!.toString('utf8').split('\n')[0]!;
    bodies[1] = Buffer.concat([bodies[1]!, Buffer.from(`${copied}\n{"id":"not a record"}\n`)]);
    for (const [i, body] of bodies.entries()) await store.put(`lake/usage/dt=${day}/source-${i}.jsonl`, body);
  }
  return store;
}

function capturingLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { log: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }), lines };
}

function depsFor(store: MemoryStore, log: Logger, rollupThreads?: RollupThreads): AnalyzeDeps {
  return { store, pricer: createPricer(), now, timeZone: 'UTC', log, ...(rollupThreads ? { rollupThreads } : {}) };
}

/** Every rollup and id index object, and analytics.json, as stored bytes. */
function storedOutputs(store: MemoryStore): Record<string, string | undefined> {
  return Object.fromEntries([...store.keys('rollups/'), ANALYTICS_KEY].map((k) => [k, store.text(k)]));
}

const threads = () => sourceRollupThreads({ count: 2, minDayBytes: 0 });

describe('rollup threads', () => {
  it('a forced full rebuild on threads stores the bytes one thread stores', async () => {
    const one = await generatedLake();
    const oneLog = capturingLogger();
    const single = await runAnalyze(depsFor(one, oneLog.log), { days, force: true });

    const two = await generatedLake();
    const twoLog = capturingLogger();
    const threaded = await runAnalyze(depsFor(two, twoLog.log, threads()), { days, force: true });

    expect(single.rebuilt).toEqual(days);
    expect(threaded.rebuilt).toEqual(single.rebuilt);
    expect(threaded.lakeObjectsRead).toBe(single.lakeObjectsRead);
    expect(one.keys('rollups/usage/')).toHaveLength(days.length);
    expect(storedOutputs(two)).toEqual(storedOutputs(one));
    // The lake's copy and invalid line were seen (the comparison is not between two empty days).
    expect(single.analytics.windows['90d'].totals.records).toBeGreaterThan(4 * 1000);
    // The five days with lake objects went to the threads (the quarantine-only day has none to build).
    expect(twoLog.lines.find((l) => l.message === 'day rollups built on threads')).toMatchObject({ days: 5, threads: 2 });
    // Invalid lines are logged once per object, as on one thread.
    const invalid = (lines: Array<Record<string, unknown>>) =>
      lines.filter((l) => l.message === 'lake lines failed validation and were not counted').map((l) => [l.key, l.lines, l.first]);
    expect(invalid(twoLog.lines)).toEqual(invalid(oneLog.lines));
    expect(invalid(oneLog.lines)).toHaveLength(5);
  });

  it('aggregate (a re-price of a period) on threads stores the bytes one thread stores', async () => {
    const one = await generatedLake();
    const two = await generatedLake();
    const from = days[0]!;
    const a = await runAggregation(depsFor(one, createLogger({ write: () => {} })), from, today);
    const b = await runAggregation(depsFor(two, createLogger({ write: () => {} }), threads()), from, today);
    expect(b.rebuilt).toEqual(a.rebuilt);
    expect(b.empty).toEqual(a.empty);
    expect(storedOutputs(two)).toEqual(storedOutputs(one));
  });

  it('a thread that dies fails the run: no hang, no rollup or analytics.json written for it', async () => {
    const store = await generatedLake();
    // Answers the price tables, then exits at the first day it is given.
    const dying = `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => { if (m.type === 'init') parentPort.postMessage({ type: 'ready' }); else process.exit(7); });`;
    const rollupThreads: RollupThreads = { script: new URL(`data:text/javascript,${encodeURIComponent(dying)}`), count: 2, minDayBytes: 0 };
    const before = storedOutputs(store);
    await expect(runAnalyze(depsFor(store, createLogger({ write: () => {} }), rollupThreads), { days, force: true })).rejects.toThrow(
      /rollup thread exited \(code 7\)/,
    );
    expect(storedOutputs(store)).toEqual(before);
    expect(store.keys('rollups/')).toEqual([]);
    expect(store.text(ANALYTICS_KEY)).toBeUndefined();
  }, 20_000);

  it('a day that fails on a thread keeps its last rollup, as on one thread', async () => {
    // A thread that answers a day with a failed build: the day is named in data_quality, the others are stored.
    const failing = `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => parentPort.postMessage(m.type === 'init' ? { type: 'ready' } : { type: 'built', outcome: { ok: false, error: 'no rollup', invalid: [] } }));`;
    const store = await generatedLake();
    const rollupThreads: RollupThreads = {
      script: new URL(`data:text/javascript,${encodeURIComponent(failing)}`),
      count: 2,
      minDayBytes: 0,
    };
    const result = await runAnalyze(depsFor(store, createLogger({ write: () => {} }), rollupThreads), { days, force: true });
    expect(result.rebuilt).toEqual([days[2]]);
    expect(store.keys('rollups/usage/')).toHaveLength(1);
    expect(result.analytics.data_quality.failed_days.map((f) => f.day)).toEqual(days.filter((_, i) => i !== 2));
  });
});
