// What analyze is given: the store, the pricer, the clock, the zone and the logger, plus the
// optional alert sink, serializer and rollup threads. Its own file so the day builders
// (day-refresh, day-refresher) can take it without importing analyze back.

import type { AnomalyOptions } from '../analytics/anomalies.ts';
import type { Logger } from '../core/log.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { Pricer } from '../usage/pricing/price.ts';
import type { AlertSink } from './alerts.ts';
import type { RollupThreads } from './rollup-threads.ts';

export interface AnalyzeDeps {
  store: ObjectStore;
  pricer: Pricer;
  now: () => Date;
  timeZone: string;
  log: Logger;
  /** Where budget and anomaly alerts go; none = not sent (still listed in analytics.json). */
  alerts?: AlertSink;
  anomalyOptions?: AnomalyOptions;
  reconcileTolerance?: number;
  /**
   * Runs analyze passes one at a time in this process. Stores that ignore conditional writes
   * (the embedded S3) need it; on AWS the conditional write below is what keeps passes apart.
   */
  serialize?: <T>(work: () => Promise<T>) => Promise<T>;
  /**
   * Rebuilds of several days build them on these worker threads (the CLI's sync, aggregate and
   * budgets; the bench); none = on this thread, one day after another (Lambda, the local stack,
   * tests). Same rollups, byte for byte.
   */
  rollupThreads?: RollupThreads;
}
