// The whole pipeline on one machine: the plain-file store (writes under lake/ and quarantine/ →
// ObjectCreated events in-process → the unchanged analyze handler); a timer → the unchanged sync
// handler; a loopback HTTP server → the unchanged api handler. Nothing but the API listens.

import { randomBytes } from 'node:crypto';
import type { S3Event } from 'aws-lambda';
import { createAnalyzeHandler, decodeS3Key } from '../functions/analyze.ts';
import { createApiHandler } from '../functions/api.ts';
import { createCompactHandler } from '../functions/compact.ts';
import { createSyncHandler, type SyncSummary } from '../functions/sync.ts';
import { entryForPlainKey } from '../lib/api/auth.ts';
import { forgetCachedAnalytics } from '../lib/api/routes/analytics-document.ts';
import type { Config } from '../lib/config/config.ts';
import { errorMessage } from '../lib/core/errors.ts';
import type { Logger } from '../lib/core/log.ts';
import { createRuntime, type Runtime } from '../lib/pipeline/runtime.ts';
import type { Source } from '../lib/sources/source.ts';
import { FileObjectStore } from '../lib/store/file-store.ts';
import { ANALYTICS_KEY, triggersAnalyze } from '../lib/store/layout.ts';
import type { ObjectStore } from '../lib/store/object-store.ts';
import { startHttpAdapter } from './http-adapter.ts';
import { withObjectEvents } from './object-events.ts';
import { createLocalPresigner } from './presigned-objects.ts';

interface LocalStackOptions {
  config: Config;
  now?: () => Date;
  log?: Logger;
  sources?: Source[];
  /** Run a sync at start and every config.syncMinutes (default true). */
  schedule?: boolean;
  /** The store under the stack (default: the plain-file store of config.dataDir). */
  store?: ObjectStore;
}

export interface LocalStack {
  url: string;
  apiKey: string;
  runtime: Runtime;
  /** One sync now (as the schedule would); resolves when it and the analyze it caused are done. */
  syncNow(): Promise<SyncSummary>;
  /** Resolves once no analyze is queued or running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

function generateApiKey(): string {
  return `tl_${randomBytes(24).toString('base64url')}`;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { config } = options;
  // Writes become S3 events; the listener is attached below, once the handlers exist.
  let onEvent: (event: S3Event) => void = () => {};
  const base: ObjectStore = options.store ?? FileObjectStore.open(config.dataDir, config.bucket);
  // Exports too large to answer inline get a signed link to this server, as S3 would give one.
  let url = '';
  const presigner = createLocalPresigner(base, () => url);
  const store: ObjectStore = {
    ...withObjectEvents(base, (event) => onEvent(event)),
    presignGet: base.presignGet ? base.presignGet.bind(base) : presigner.presignGet,
  };
  const runtime = await createRuntime(config, {
    store,
    ...(options.now ? { now: options.now } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.sources ? { sources: options.sources } : {}),
  });
  const log = runtime.log;
  const apiKey = config.apiKey ?? generateApiKey();
  const getRuntime = () => Promise.resolve(runtime);
  const sync = createSyncHandler(getRuntime);
  const analyze = createAnalyzeHandler(getRuntime);
  const compact = createCompactHandler(getRuntime);
  const api = createApiHandler(getRuntime, [entryForPlainKey(apiKey)]);

  // S3 delivers notifications one by one and Lambda may run them concurrently; locally they are
  // batched and run one at a time, which is what reserved concurrency 1 gives on AWS.
  let pending: S3Event['Records'] = [];
  // A pass with no new objects: after a sync, so data_quality sees its final statuses and its
  // released lease (those live under state/, which triggers nothing).
  let recompute = false;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const idleWaiters: Array<() => void> = [];
  const drain = async () => {
    while (pending.length > 0 || recompute) {
      const batch = pending;
      pending = [];
      recompute = false;
      try {
        await analyze({ Records: batch });
      } catch (error) {
        log.error('analyze failed', { error: errorMessage(error) });
      }
    }
    running = null;
    if (!timer) for (const w of idleWaiters.splice(0)) w();
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      running ??= drain();
    }, 50);
  };
  onEvent = (event) => {
    const keys = event.Records.map((r) => ({ name: r.eventName, key: decodeS3Key(r.s3.object.key) }));
    if (keys.some((k) => k.key === ANALYTICS_KEY)) forgetCachedAnalytics(runtime.store);
    const records = event.Records.filter((r, i) => r.eventName.startsWith('ObjectCreated') && triggersAnalyze(keys[i]!.key));
    if (records.length === 0) return;
    pending.push(...records);
    schedule();
  };
  const idle = () =>
    new Promise<void>((resolve) => {
      if (!running && !timer && pending.length === 0 && !recompute) resolve();
      else idleWaiters.push(resolve);
    });

  const http = await startHttpAdapter(api, { port: config.port, beforeHandler: (u) => presigner.serve(u) });
  url = http.url;

  let syncing: Promise<SyncSummary> | null = null;
  const syncNow = async () => {
    syncing ??= sync({ source: 'tokenlake.local', 'detail-type': 'Scheduled Event', detail: {} }).finally(() => {
      syncing = null;
      recompute = true;
      schedule();
    });
    const summary = await syncing;
    await idle();
    return summary;
  };
  let interval: NodeJS.Timeout | null = null;
  let nightly: NodeJS.Timeout | null = null;
  if (options.schedule !== false) {
    void syncNow().catch((error) => log.error('sync failed', { error: errorMessage(error) }));
    interval = setInterval(() => {
      void syncNow().catch((error) => log.error('sync failed', { error: errorMessage(error) }));
    }, config.syncMinutes * 60_000);
    interval.unref();
    // The deployed stack compacts nightly; locally once a day while it runs.
    nightly = setInterval(() => {
      void compact({ 'detail-type': 'Scheduled Event' }).catch((error) => log.error('compaction failed', { error: errorMessage(error) }));
    }, 24 * 3_600_000);
    nightly.unref();
  }

  return {
    url: http.url,
    apiKey,
    runtime,
    syncNow,
    idle,
    async stop() {
      if (interval) clearInterval(interval);
      if (nightly) clearInterval(nightly);
      if (syncing) await syncing.catch(() => undefined);
      await idle();
      await http.stop();
    },
  };
}
