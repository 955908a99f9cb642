// The tokenlake command line. Exit codes: 0 ok, 1 failed, 2 bad usage or configuration.
// This file is the dispatch; each command is in cli/commands/ (or cli/<command>.ts), the help in
// cli/help.ts and what the commands share in cli/run-context.ts.

import { parseConfig } from '../lib/config/config.ts';
import { ConfigError, errorMessage } from '../lib/core/errors.ts';
import { detectAgents } from '../lib/sources/detect.ts';
import { commandAggregate } from './commands/aggregate.ts';
import { commandBlocks } from './commands/blocks.ts';
import { commandBudgets } from './commands/budgets.ts';
import { commandReport } from './commands/report.ts';
import { commandServe } from './commands/serve.ts';
import { commandStatusline } from './commands/statusline.ts';
import { commandSync } from './commands/sync.ts';
import { lazyHelp } from './help.ts';
import { type LaunchOptions, setLaunchOptions, UsageError, withStore } from './run-context.ts';

// Each command imports what it needs when it runs (the bundle splits there): a `sync` does not
// load the API, the dashboard or the export writers, and `--help` loads almost nothing.

export async function main(argv: string[], options: LaunchOptions = {}): Promise<number> {
  setLaunchOptions(options);
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
