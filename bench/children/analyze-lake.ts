// The tokenlake side of the analyze cases, in its own process: the plain-file store over the lake's
// folder, then a forced rebuild of every day's rollup + analytics.json ("full"), or one new lake
// object put as sync puts it and the analyze run its key triggers ("incremental").
// Prints one JSON line: the analyze time (without process start) and analytics' daily totals.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../../lib/core/log.ts';
import { runAnalyze, touchedDays } from '../../lib/pipeline/analyze.ts';
import { sourceRollupThreads } from '../../lib/pipeline/rollup-threads.ts';
import { FileObjectStore } from '../../lib/store/file-store.ts';
import { listUsageDays } from '../../lib/usage/lake.ts';
import { createPricer } from '../../lib/usage/pricing/price.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    bucket: { type: 'string', default: 'tokenlake' },
    mode: { type: 'string', default: 'full' },
    'new-object': { type: 'string' },
    'new-key': { type: 'string' },
    /** Full mode over only the last N days (to profile the same hot path in less time). */
    'last-days': { type: 'string' },
    /** Rollup threads for the rebuild (as the CLI has them); 0 = every day on the main thread. */
    threads: { type: 'string', default: '0' },
  },
});
const dataDir = values['data-dir'];
if (!dataDir) throw new Error('--data-dir is required');
const bucket = values.bucket ?? 'tokenlake';

{
  const store = FileObjectStore.open(dataDir, bucket);
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 0) throw new Error(`--threads: expected a count, got "${values.threads}"`);
  const deps = {
    store,
    pricer: createPricer(),
    now: () => new Date(),
    timeZone: 'UTC',
    log: createLogger({ level: 'warn' }),
    ...(threads > 0 ? { rollupThreads: sourceRollupThreads({ count: threads }) } : {}),
  };
  let days: string[];
  let force = false;
  const started = performance.now();
  if (values.mode === 'incremental') {
    const key = values['new-key'];
    const file = values['new-object'];
    if (!key || !file) throw new Error('--new-key and --new-object are required in incremental mode');
    await store.put(key, readFileSync(file));
    days = touchedDays([key]);
  } else {
    days = await listUsageDays(store);
    if (values['last-days']) days = days.slice(-Number(values['last-days']));
    force = true;
  }
  const analyzeStarted = performance.now();
  const result = await runAnalyze(deps, { days, force });
  const ms = performance.now() - analyzeStarted;
  const daily: Record<string, Record<string, number>> = {};
  for (const d of result.analytics.windows['90d'].daily) {
    if (d.records === 0) continue;
    daily[d.day] = {
      messages: d.records,
      input_tokens: d.input_tokens,
      output_tokens: d.output_tokens,
      cache_creation_tokens: d.cache_creation_tokens,
      cache_read_tokens: d.cache_read_tokens,
      cost_usd: d.cost_usd,
    };
  }
  process.stdout.write(
    `${JSON.stringify({
      ms,
      msWithPut: performance.now() - started,
      rebuilt: result.rebuilt.length,
      skipped: result.skipped.length,
      lakeObjectsRead: result.lakeObjectsRead,
      records: result.analytics.windows['90d'].totals.records,
      daily,
    })}\n`,
  );
}
