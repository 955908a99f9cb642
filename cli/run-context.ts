// What the commands share: the usage error (exit code 2), whether to color, the store a command
// runs against, and how the launcher said this CLI runs (its thread scripts). Light on purpose:
// cli/main.ts imports it on every start, so everything heavy is imported when a command runs.

import type { Config } from '../lib/config/config.ts';
import { createLogger } from '../lib/core/log.ts';
import type { AlertSink } from '../lib/pipeline/alerts.ts';
import type { AnalyzeDeps } from '../lib/pipeline/analyze-deps.ts';
import type { RollupThreads } from '../lib/pipeline/rollup-threads.ts';
import type { Runtime } from '../lib/pipeline/runtime.ts';
import type { ParserThreads } from '../lib/sources/claude-code/parsers.ts';

/** Bad usage: reported in one line with exit code 2. */
export class UsageError extends Error {}

export function color(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

/**
 * Runs a command against the local store (the plain-file lake in TOKENLAKE_DATA_DIR), or against
 * a real bucket with TOKENLAKE_STORE=s3 (TOKENLAKE_BUCKET, the standard AWS credential chain, and
 * TOKENLAKE_S3_ENDPOINT for S3-compatible stores) — e.g. to manage the deployed stack's keys. The
 * AWS SDK is loaded only then.
 */
export async function withStore<T>(config: Config, fn: (rt: Runtime) => Promise<T>, options: { alerts?: AlertSink } = {}): Promise<T> {
  const log = createLogger({ level: process.env.TOKENLAKE_LOG_LEVEL ? config.logLevel : 'warn' });
  const { createRuntime } = await import('../lib/pipeline/runtime.ts');
  if (config.store === 's3') {
    const { createS3Client, S3ObjectStore } = await import('../lib/store/s3-store.ts');
    const client = createS3Client({ region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) });
    try {
      return await fn(await createRuntime(config, { store: new S3ObjectStore(client, config.bucket), log, ...options }));
    } finally {
      client.destroy();
    }
  }
  const { FileObjectStore } = await import('../lib/store/file-store.ts');
  return fn(await createRuntime(config, { store: FileObjectStore.open(config.dataDir, config.bucket), log, ...options }));
}

/** What the launcher knows about how this CLI runs (bundled or from sources). */
export interface LaunchOptions {
  /** Where the Claude Code parser thread's script is, and the Node flags it needs. */
  parserThreads?: ParserThreads;
  /** Where the rollup thread's script is: analyze rebuilds of several days build them on threads. */
  rollupThreads?: RollupThreads;
}

let launch: LaunchOptions = {};

/** Set once per run by main(), before any command runs. */
export function setLaunchOptions(options: LaunchOptions): void {
  launch = options;
}

/** The Claude Code parser threads the launcher provides, if any. */
export function launchParserThreads(): ParserThreads | undefined {
  return launch.parserThreads;
}

/** Analyze's deps with the launcher's rollup threads, if any (same rollups, built on every core). */
export function withRollupThreads(deps: AnalyzeDeps): AnalyzeDeps {
  return launch.rollupThreads ? { ...deps, rollupThreads: launch.rollupThreads } : deps;
}
