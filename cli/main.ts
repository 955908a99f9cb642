// The tokenlake command line. Exit codes: 0 ok, 1 failed, 2 bad usage or configuration.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, knownSources, parseConfig, type SourceName } from '../lib/config/config.ts';
import { isValidDay, localDay, utcDaysOfRange } from '../lib/core/calendar.ts';
import { BadRequestError, ConfigError, errorMessage } from '../lib/core/errors.ts';
import { createLogger } from '../lib/core/log.ts';
import type { AlertSink } from '../lib/pipeline/alerts.ts';
import type { AnalyzeDeps } from '../lib/pipeline/analyze.ts';
import type { RollupThreads } from '../lib/pipeline/rollup-threads.ts';
import type { Runtime } from '../lib/pipeline/runtime.ts';
import type { ParserThreads } from '../lib/sources/claude-code/parsers.ts';
import { describeFoundAgents, detectAgents } from '../lib/sources/detect.ts';
import { BUDGETS_KEY, dayOfDayObject, USAGE_ROLLUP_PREFIX } from '../lib/store/layout.ts';

// Each command imports what it needs when it runs (the bundle splits there): a `sync` does not
// load the API, the dashboard or the export writers, and `--help` loads almost nothing.

class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `tokenlake — know what your LLM usage costs

Usage: tokenlake <command> [options]

Commands:
  serve     run the local stack: the lake as plain files, scheduled sync, analyze, API and dashboard
  sync      one sync of every agent found on this machine (or TOKENLAKE_SOURCES), then analyze
  report    usage over any period by day, week, month, session, model, project, provider, user or machine
  blocks    Claude's 5-hour usage blocks from this machine's Claude Code logs (--live redraws the active one)
  statusline Claude Code's status-line command (model, session and today's cost, the active block)
  aggregate rebuild the rollups of a period (re-prices it with the current price tables)
  budgets   show or set the budgets (config/budgets.json)
  keys      create, list or revoke API keys (stored hashed in the bucket)
  export    write a period as CSV, JSON, NDJSON, Parquet or FinOps FOCUS to a file
  push      this machine's coding-agent usage → the team bucket (--install-schedule keeps doing it)
  prices    update the price table from LiteLLM's price map (a URL or a saved file)

Run "tokenlake <command> --help" for a command's options.
Exit codes: 0 ok, 1 failed, 2 bad usage or configuration.`,
  serve: `tokenlake serve — local lake (plain files) + sync every TOKENLAKE_SYNC_MINUTES + analyze + API on PORT

Example: PORT=3000 CLAUDE_CONFIG_DIR=~/.claude tokenlake serve`,
  sync: `tokenlake sync [--source claude-code,codex,gemini-cli,qwen-code,opencode,amp,anthropic,openai,demo] [--since YYYY-MM-DD] [--quiet]
               [--log-format text|json]

One sync into the local lake, then analyze: the sources in TOKENLAKE_SOURCES, or else every coding
agent whose logs are found on this machine (printed), or else the built-in demo. New budget and
anomaly alerts about today or yesterday follow the summary, one line each (--log-format json, the
default off a terminal, logs them as JSON instead).
Example: tokenlake sync --since 2026-08-01`,
  aggregate: `tokenlake aggregate --from YYYY-MM-DD --to YYYY-MM-DD [--quiet]

Rebuilds the daily rollups of the period from the lake with the price table in force at each
record's time (reported costs are kept), then analytics.json. Shows a progress bar on a terminal.
Example: TOKENLAKE_PRICES_FILE=prices.json tokenlake aggregate --from 2026-08-01 --to 2026-08-31`,
  budgets: `tokenlake budgets show [--json]
tokenlake budgets set FILE.json

FILE.json: {"budgets":[{"id":"team","monthly_usd":500},{"id":"web","scope":{"type":"project","value":"web"},"monthly_usd":120,"daily_usd":10,"thresholds":[0.5,0.8,1]}]}
scope.type is one of global, project, provider, model, user.
Example: tokenlake budgets set budgets.json && tokenlake budgets show`,
  statusline: `tokenlake statusline — Claude Code's status-line command

Reads the JSON Claude Code sends on stdin and prints one line:
  Sonnet 4.5 · $0.42 session · $3.10 today · block $1.20, 2h13m left, $0.85/h
Session cost is Claude Code's own; today and the block come from this machine's Claude Code logs,
cached in TOKENLAKE_CACHE_DIR (default ~/.cache/tokenlake) and refreshed in the background after
each line. Malformed input prints an empty line (the reason goes to statusline.log in that folder).
In ~/.claude/settings.json: {"statusLine": {"type": "command", "command": "npx tokenlake statusline"}}`,
};

function color(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

/**
 * Runs a command against the local store (the plain-file lake in TOKENLAKE_DATA_DIR), or against
 * a real bucket with TOKENLAKE_STORE=s3 (TOKENLAKE_BUCKET, the standard AWS credential chain, and
 * TOKENLAKE_S3_ENDPOINT for S3-compatible stores) — e.g. to manage the deployed stack's keys. The
 * AWS SDK is loaded only then.
 */
async function withStore<T>(config: Config, fn: (rt: Runtime) => Promise<T>, options: { alerts?: AlertSink } = {}): Promise<T> {
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

async function commandSync(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      since: { type: 'string' },
      source: { type: 'string' },
      quiet: { type: 'boolean' },
      'log-format': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return help('sync');
  const logFormat = values['log-format'] ?? (process.stdout.isTTY ? 'text' : 'json');
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format: expected text or json, got "${logFormat}"`);
  if (values.since !== undefined && !isValidDay(values.since))
    throw new UsageError(`--since: expected a day as YYYY-MM-DD, got "${values.since}"`);
  // --source narrows (or extends) TOKENLAKE_SOURCES for this run.
  const only =
    values.source === undefined
      ? null
      : values.source
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const unknown = only?.filter((s) => !(knownSources as readonly string[]).includes(s)) ?? [];
  if (unknown.length > 0) throw new UsageError(`--source: unknown source "${unknown[0]}" (known: ${knownSources.join(', ')})`);
  const runConfig = only ? { ...config, sources: only as SourceName[], demoFallback: false } : config;
  // Which agents were found and where, before reading them (on stderr: stdout stays the summary).
  if (!values.quiet) for (const line of describeFoundAgents(runConfig, homedir())) process.stderr.write(`${line}\n`);
  // Most syncs find nothing new: that is decided from the log files' stamps and the cursors before
  // the sync machinery loads (lib/sources/unchanged-logs.ts), and answered as the sync would.
  if (runConfig.store === 'local' && values.since === undefined && existsSync(join(runConfig.dataDir, runConfig.bucket))) {
    const [{ recordUnchangedRun, unchangedLogSources }, { FileObjectStore }] = await Promise.all([
      import('../lib/sources/unchanged-logs.ts'),
      import('../lib/store/file-store.ts'),
    ]);
    const store = new FileObjectStore(runConfig.dataDir, runConfig.bucket);
    const unchanged = await unchangedLogSources(runConfig, store);
    if (unchanged) {
      await recordUnchangedRun(runConfig, store, unchanged, new Date());
      if (!values.quiet)
        for (const source of unchanged)
          process.stdout.write(`${source}: 0 records written, 0 duplicates, 0 quarantined, 0 skipped (0 lines read)\n`);
      return 0;
    }
  }
  const [{ runSync }, { analyzeDeps }, { runAnalyze, touchedDays, touchedEventDays }, { createProgress }, alertsModule] = await Promise.all(
    [
      import('../lib/pipeline/sync.ts'),
      import('../lib/pipeline/runtime.ts'),
      import('../lib/pipeline/analyze.ts'),
      import('./progress.ts'),
      import('../lib/pipeline/alerts.ts'),
    ],
  );
  // On a terminal, alerts are kept and printed as readable lines after the summary (a webhook
  // still gets them); otherwise, and with --log-format json, they stay JSON log lines.
  const { collectingAlertSink, combineSinks, describeAlert, webhookAlertSink } = alertsModule;
  const printed = logFormat === 'text' && !runConfig.eventBus ? collectingAlertSink() : null;
  const alerts = printed
    ? { alerts: combineSinks(printed, ...(runConfig.alertWebhook ? [webhookAlertSink(runConfig.alertWebhook)] : [])) }
    : {};
  return withStore(
    runConfig,
    async (rt) => {
      const progress = createProgress('sync', { quiet: values.quiet ?? false });
      const result = await runSync(rt, {
        handover: true,
        ...(launch.parserThreads ? { parserThreads: launch.parserThreads } : {}),
        ...(values.since ? { since: values.since } : {}),
        progress: (done, total, label) => progress.update(done, total, label),
      });
      progress.done();
      // Nothing written, nothing to fold in: analytics.json stays as it is (report recomputes a stale day).
      if (result.keys.length > 0) {
        await runAnalyze(withRollupThreads(analyzeDeps(rt)), {
          days: touchedDays(result.keys),
          eventDays: touchedEventDays(result.keys),
          fresh: result.fresh,
        });
      }
      if (result.skipped) {
        process.stderr.write('another sync of this machine is running (its lease in state/machines/); nothing done\n');
        return 0;
      }
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
      for (const alert of printed?.alerts ?? []) process.stdout.write(`${describeAlert(alert)}\n`);
      return failed > 0 && failed === result.outcomes.length ? 1 : 0;
    },
    alerts,
  );
}

async function commandReport(config: Config, args: string[]): Promise<number> {
  const { formatReport, parseReportArgs, periodUsageError, ReportUsageError } = await import('./report.ts');
  let options: ReturnType<typeof parseReportArgs>;
  try {
    options = parseReportArgs(args);
  } catch (error) {
    if (error instanceof ReportUsageError) throw new UsageError(error.message);
    throw error;
  }
  if (options.help) return lazyHelp('report');
  const [{ refreshDay }, { alignToHours, resolvePeriod }, { listUsageDays }, { queryReport }, { analyzeDeps }] = await Promise.all([
    import('../lib/pipeline/analyze.ts'),
    import('../lib/analytics/period.ts'),
    import('../lib/usage/lake.ts'),
    import('../lib/analytics/report-query.ts'),
    import('../lib/pipeline/runtime.ts'),
  ]);
  return withStore(config, async (rt) => {
    const timeZone = options.timeZone ?? config.timeZone;
    const now = rt.now();
    let period: ReturnType<typeof resolvePeriod>;
    try {
      period = alignToHours(resolvePeriod(options.query.period, now, timeZone));
    } catch (error) {
      if (error instanceof BadRequestError) throw new UsageError(periodUsageError(error).message);
      throw error;
    }
    const lakeDays = await listUsageDays(rt.store);
    if (lakeDays.length === 0) throw new Error('no usage yet: run "tokenlake sync" first');
    // Lake days of the period without a rollup (pushed from another machine, lost) are built first.
    const wanted = new Set(utcDaysOfRange(period));
    const rolled = new Set((await rt.store.list(USAGE_ROLLUP_PREFIX)).map((o) => dayOfDayObject(o.key)));
    for (const day of lakeDays) if (wanted.has(day) && !rolled.has(day)) await refreshDay(analyzeDeps(rt), day, false);
    const report = await queryReport(options.query, {
      store: rt.store,
      now,
      timeZone,
      pricer: rt.pricer,
      writeSessions: true,
      log: rt.log,
    });
    const out = formatReport(report, { json: options.json, color: color(), today: localDay(now, timeZone) });
    process.stdout.write(out.stdout);
    if (out.stderr) process.stderr.write(out.stderr);
    return 0;
  });
}

async function commandBlocks(config: Config, args: string[]): Promise<number> {
  const [{ BlocksUsageError, parseBlocksArgs, runBlocks }, { createPricer }, { loadPriceTables }] = await Promise.all([
    import('./blocks.ts'),
    import('../lib/pricing/price.ts'),
    import('../lib/pricing/price-file.ts'),
  ]);
  let options: ReturnType<typeof parseBlocksArgs>;
  try {
    options = parseBlocksArgs(args);
  } catch (error) {
    if (error instanceof BlocksUsageError) throw new UsageError(error.message);
    throw error;
  }
  if (options.help) return lazyHelp('blocks');
  const pricer = createPricer(await loadPriceTables(config.pricesFile));
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  try {
    return await runBlocks(
      options,
      { cacheDir: config.cacheDir, claudeConfigDirs: config.claudeConfigDirs, pricer, timeZone: config.timeZone },
      { stdout: (t) => process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY), now: () => Date.now(), stopped },
      color(),
    );
  } catch (error) {
    if (error instanceof BlocksUsageError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * The status line never fails where Claude Code can see it: the line itself needs no
 * configuration (it runs before TOKENLAKE_* is checked); `--refresh`, started in the background
 * by it, reads the Claude Code logs into the cache and writes the summary the next line shows.
 */
async function commandStatusline(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) return help('statusline');
  if (!args.includes('--refresh')) {
    try {
      const { runStatusline } = await import('./statusline.ts');
      return await runStatusline({ env: process.env, stdin: process.stdin, stdout: (t) => process.stdout.write(t), now: () => Date.now() });
    } catch {
      process.stdout.write('\n'); // never an error where Claude Code shows the line
      return 0;
    }
  }
  await (await import('./recent-refresh.ts')).refreshStatuslineCache(process.env, Date.now());
  return 0;
}

async function commandAggregate(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, to: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return help('aggregate');
  for (const [name, value] of [
    ['--from', values.from],
    ['--to', values.to],
  ] as const) {
    if (value === undefined || !isValidDay(value)) throw new UsageError(`${name}: expected a day as YYYY-MM-DD, got "${value ?? ''}"`);
  }
  const [{ runAggregation }, { analyzeDeps }, { createProgress }] = await Promise.all([
    import('../lib/pipeline/aggregate.ts'),
    import('../lib/pipeline/runtime.ts'),
    import('./progress.ts'),
  ]);
  return withStore(config, async (rt) => {
    const progress = createProgress('aggregate', { quiet: values.quiet ?? false });
    try {
      const result = await runAggregation(withRollupThreads(analyzeDeps(rt)), values.from!, values.to!, (done, total, day) =>
        progress.update(done, total, day),
      );
      progress.done();
      if (!values.quiet)
        process.stdout.write(
          `rebuilt ${result.rebuilt.length} days (${result.empty.length} without data), read ${result.lakeObjectsRead} lake objects\n`,
        );
      return 0;
    } catch (error) {
      progress.done();
      if (error instanceof BadRequestError) throw new UsageError(error.details.map((d) => `--${d.field}: ${d.reason}`).join('; '));
      throw error;
    }
  });
}

async function commandBudgets(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return help('budgets');
  const [action, file] = positionals;
  if (action !== 'show' && action !== 'set') throw new UsageError('budgets: expected "show" or "set FILE.json"');
  const [{ budgetsFileSchema }, { runAnalyze }, { analyzeDeps }, { renderTable, usd }] = await Promise.all([
    import('../lib/analytics/budgets.ts'),
    import('../lib/pipeline/analyze.ts'),
    import('../lib/pipeline/runtime.ts'),
    import('./format.ts'),
  ]);
  return withStore(config, async (rt) => {
    if (action === 'set') {
      if (!file) throw new UsageError('budgets set: expected a file');
      let json: unknown;
      try {
        json = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new UsageError(`budgets set: cannot read ${file}: ${errorMessage(error)}`);
      }
      const parsed = budgetsFileSchema.safeParse(json);
      if (!parsed.success) {
        throw new UsageError(`budgets set: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
      }
      await rt.store.put(BUDGETS_KEY, JSON.stringify(parsed.data, null, 2));
    }
    const result = await runAnalyze(withRollupThreads(analyzeDeps(rt)));
    const budgets = result.analytics.month_to_date.budgets;
    if (values.json) {
      process.stdout.write(`${JSON.stringify(budgets, null, 2)}\n`);
      return 0;
    }
    if (budgets.length === 0) {
      process.stdout.write('no budgets set (tokenlake budgets set FILE.json; see tokenlake budgets --help)\n');
      return 0;
    }
    const rows = budgets.map((b) => [
      b.id,
      b.scope,
      usd(b.limit_usd),
      usd(b.spent_usd),
      usd(b.forecast_usd),
      b.run_out_day ?? '—',
      b.status,
    ]);
    process.stdout.write(
      `${renderTable(['Budget', 'Scope', 'Limit', 'Spent', 'Forecast', 'Runs out', 'Status'], rows, null, { color: color(), numeric: new Set([2, 3, 4]) })}\n`,
    );
    if (result.analytics.data_quality.budgets_error) process.stderr.write(`warning: ${result.analytics.data_quality.budgets_error}\n`);
    return 0;
  });
}

async function commandServe(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { help: { type: 'boolean' } } });
  if (values.help) return help('serve');
  const [{ startLocalStack }, { describeListenError, formatServeBanner }] = await Promise.all([
    import('../local/stack.ts'),
    import('./serve-banner.ts'),
  ]);
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack({ config });
  } catch (error) {
    const line = describeListenError(error, config.port);
    if (line === null) throw error;
    process.stderr.write(`tokenlake: ${line}\n`);
    return 1;
  }
  process.stdout.write(
    formatServeBanner({
      url: stack.url,
      apiKey: stack.apiKey,
      keyFromEnvironment: config.apiKey !== undefined,
      sources: config.sources,
      dataDir: config.dataDir,
    }),
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

/** Help texts kept beside their command's code, loaded only when asked for. */
const LAZY_HELP: Record<string, () => Promise<string>> = {
  keys: async () => (await import('./keys.ts')).KEYS_HELP,
  export: async () => (await import('./export.ts')).EXPORT_HELP,
  prices: async () => (await import('./prices.ts')).PRICES_HELP,
  push: async () => (await import('./push.ts')).PUSH_HELP,
  report: async () => (await import('./report.ts')).REPORT_HELP,
  blocks: async () => (await import('./blocks.ts')).BLOCKS_HELP,
};

function help(command: string): number {
  process.stdout.write(`${HELP[command] ?? HELP.main}\n`);
  return 0;
}

async function lazyHelp(command: string): Promise<number> {
  const load = LAZY_HELP[command];
  if (!load) return help(command);
  process.stdout.write(`${await load()}\n`);
  return 0;
}

/** What the launcher knows about how this CLI runs (bundled or from sources). */
export interface LaunchOptions {
  /** Where the Claude Code parser thread's script is, and the Node flags it needs. */
  parserThreads?: ParserThreads;
  /** Where the rollup thread's script is: analyze rebuilds of several days build them on threads. */
  rollupThreads?: RollupThreads;
}

let launch: LaunchOptions = {};

/** Analyze's deps with the launcher's rollup threads, if any (same rollups, built on every core). */
function withRollupThreads(deps: AnalyzeDeps): AnalyzeDeps {
  return launch.rollupThreads ? { ...deps, rollupThreads: launch.rollupThreads } : deps;
}

export async function main(argv: string[], options: LaunchOptions = {}): Promise<number> {
  launch = options;
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') return await lazyHelp(rest[0] ?? 'main');
    if (command === 'statusline') return await commandStatusline(rest);
    // push builds its own configuration from its flags (another bucket, its own credentials).
    if (command === 'push') return await (await import('./push.ts')).commandPush(rest, process.env);
    const config = parseConfig(process.env, { detectAgents });
    switch (command) {
      case 'serve':
        return await commandServe(config, rest);
      case 'sync':
        return await commandSync(config, rest);
      case 'report':
        return await commandReport(config, rest);
      case 'blocks':
        return await commandBlocks(config, rest);
      case 'aggregate':
        return await commandAggregate(config, rest);
      case 'budgets':
        return await commandBudgets(config, rest);
      case 'export': {
        if (rest.includes('--help') || rest.includes('-h')) return await lazyHelp('export');
        const { runExportCommand } = await import('./export.ts');
        return await withStore(config, (rt) =>
          runExportCommand(rest, rt, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }),
        );
      }
      case 'prices': {
        if (rest.includes('--help') || rest.includes('-h')) return await lazyHelp('prices');
        const { runPricesCommand } = await import('./prices.ts');
        return await withStore(config, (rt) =>
          runPricesCommand(rest, rt, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }),
        );
      }
      case 'keys': {
        if (rest.includes('--help') || rest.includes('-h')) return await lazyHelp('keys');
        const { runKeysCommand } = await import('./keys.ts');
        return await withStore(config, (rt) =>
          runKeysCommand(rest, {
            store: rt.store,
            now: rt.now,
            stdout: (t) => process.stdout.write(t),
            stderr: (t) => process.stderr.write(t),
          }),
        );
      }
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
