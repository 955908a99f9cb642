// The tokenlake command line. Exit codes: 0 ok, 1 failed, 2 bad usage or configuration.

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type WindowName, windowNameSchema } from '../lib/analytics.ts';
import { readAnalytics, runAnalyze, touchedDays } from '../lib/analyze.ts';
import { isValidDay } from '../lib/calendar.ts';
import { type Config, parseConfig } from '../lib/config.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { createLogger } from '../lib/log.ts';
import { analyzeDeps, createRuntime } from '../lib/runtime.ts';
import { runSync } from '../lib/sync.ts';
import { startEmbeddedS3 } from '../local/embedded-s3.ts';
import { startLocalStack } from '../local/stack.ts';
import { type ReportBy, renderReport } from './report.ts';

class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `tokenlake — know what your LLM usage costs

Usage: tokenlake <command> [options]

Commands:
  serve     run the local stack: embedded S3, scheduled sync, analyze, API and dashboard
  sync      one sync of every configured source, then analyze; prints a summary
  report    the pre-computed window as a table

Run "tokenlake <command> --help" for a command's options.
Exit codes: 0 ok, 1 failed, 2 bad usage or configuration.`,
  serve: `tokenlake serve — embedded S3 + sync every TOKENLAKE_SYNC_MINUTES + analyze + API on PORT

Example: PORT=3000 CLAUDE_CONFIG_DIR=~/.claude tokenlake serve`,
  sync: `tokenlake sync [--since YYYY-MM-DD] [--quiet]

One sync of the sources in TOKENLAKE_SOURCES into the local lake, then analyze.
Example: tokenlake sync --since 2026-08-01`,
  report: `tokenlake report [--window 7d|30d|90d] [--by model|project|provider|user|machine|day] [--json]

Example: tokenlake report --window 30d --by project`,
};

function color(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

async function withStore<T>(config: Config, fn: (rt: Awaited<ReturnType<typeof createRuntime>>) => Promise<T>): Promise<T> {
  const s3 = await startEmbeddedS3({ directory: config.dataDir, bucket: config.bucket });
  try {
    const log = createLogger({ level: process.env.TOKENLAKE_LOG_LEVEL ? config.logLevel : 'warn' });
    const rt = await createRuntime(config, { s3Client: s3.client, log });
    return await fn(rt);
  } finally {
    await s3.stop();
  }
}

async function commandSync(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { since: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return help('sync');
  if (values.since !== undefined && !isValidDay(values.since))
    throw new UsageError(`--since: expected a day as YYYY-MM-DD, got "${values.since}"`);
  return withStore(config, async (rt) => {
    const result = await runSync(rt, values.since ? { since: values.since } : {});
    await runAnalyze(
      { store: rt.store, pricer: rt.pricer, now: rt.now, timeZone: config.timeZone, log: rt.log },
      { days: touchedDays(result.keys) },
    );
    let failed = 0;
    for (const o of result.outcomes) {
      if (o.ok && o.stats) {
        if (!values.quiet) {
          process.stdout.write(
            `${o.source}: ${o.stats.records} records written, ${o.stats.duplicates} duplicates, ${o.stats.quarantined} quarantined, ${o.stats.skipped} skipped (${o.stats.read} lines read)\n`,
          );
        }
      } else {
        failed++;
        process.stderr.write(`${o.source}: failed: ${o.error}\n`);
      }
    }
    return failed > 0 && failed === result.outcomes.length ? 1 : 0;
  });
}

async function commandReport(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      window: { type: 'string', default: '30d' },
      by: { type: 'string', default: 'model' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return help('report');
  const windowName = windowNameSchema.safeParse(values.window);
  if (!windowName.success) throw new UsageError(`--window: expected 7d, 30d or 90d, got "${values.window}"`);
  const by = values.by as ReportBy;
  if (!['model', 'project', 'provider', 'user', 'machine', 'day'].includes(by))
    throw new UsageError(`--by: expected model, project, provider, user, machine or day, got "${values.by}"`);
  return withStore(config, async (rt) => {
    let got = await readAnalytics(rt.store);
    if (!got || got.analytics.as_of !== new Date().toISOString().slice(0, 10) || got.analytics.timezone !== config.timeZone) {
      // Stale (another day or zone): recompute from the rollups, which is cheap.
      await runAnalyze(analyzeDeps(rt));
      got = await readAnalytics(rt.store);
    }
    if (!got) throw new Error('no analytics yet: run "tokenlake sync" first');
    const w: WindowName = windowName.data;
    if (values.json)
      process.stdout.write(
        `${JSON.stringify({ window: w, as_of: got.analytics.as_of, timezone: got.analytics.timezone, ...got.analytics.windows[w] }, null, 2)}\n`,
      );
    else process.stdout.write(`${renderReport(got.analytics, w, by, color())}\n`);
    return 0;
  });
}

async function commandServe(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { help: { type: 'boolean' } } });
  if (values.help) return help('serve');
  const stack = await startLocalStack({ config });
  process.stdout.write(
    [
      '',
      `tokenlake is running (sources: ${config.sources.join(', ')}; data in ${config.dataDir})`,
      `  dashboard  ${stack.url}/#key=${stack.apiKey}`,
      `  API        ${stack.url}/v1/analytics`,
      `  API key    ${stack.apiKey}${config.apiKey ? '' : '   (generated; set TOKENLAKE_API_KEY to keep one)'}`,
      `  try        curl -H "Authorization: Bearer ${stack.apiKey}" ${stack.url}/v1/windows/7d`,
      '  Ctrl-C to stop',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write('stopping…\n');
  await stack.stop();
  return 0;
}

function help(command: string): number {
  process.stdout.write(`${HELP[command] ?? HELP.main}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') return help(rest[0] ?? 'main');
    const config = parseConfig(process.env, { dirExists: existsSync });
    switch (command) {
      case 'serve':
        return await commandServe(config, rest);
      case 'sync':
        return await commandSync(config, rest);
      case 'report':
        return await commandReport(config, rest);
      default:
        throw new UsageError(`unknown command "${command}" (try: tokenlake --help)`);
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`tokenlake: ${errorMessage(error)}\n`);
      return 2;
    }
    process.stderr.write(`tokenlake: ${errorMessage(error)}\n`);
    return 1;
  }
}
