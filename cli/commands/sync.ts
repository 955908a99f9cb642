// `tokenlake sync`: one sync into the lake, then analyze; a sync that finds no log changed is
// answered before the sync machinery loads.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, knownSources, type SourceName } from '../../lib/config/config.ts';
import { isValidDay } from '../../lib/core/calendar.ts';
import { describeFoundAgents } from '../../lib/sources/detect.ts';
import { help } from '../help.ts';
import { launchParserThreads, UsageError, withRollupThreads, withStore } from '../run-context.ts';

export async function commandSync(config: Config, args: string[]): Promise<number> {
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
      import('../../lib/sources/unchanged-logs.ts'),
      import('../../lib/store/file-store.ts'),
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
      import('../../lib/pipeline/sync.ts'),
      import('../../lib/pipeline/runtime.ts'),
      import('../../lib/pipeline/analyze.ts'),
      import('../progress.ts'),
      import('../../lib/pipeline/alerts.ts'),
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
      const parserThreads = launchParserThreads();
      const result = await runSync(rt, {
        handover: true,
        ...(parserThreads ? { parserThreads } : {}),
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
