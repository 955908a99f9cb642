// `tokenlake blocks`: Claude's 5-hour blocks from this machine's Claude Code logs (cli/views/blocks.ts
// draws them); stops on SIGINT or SIGTERM in --live mode.

import type { Config } from '../../lib/config/config.ts';
import { lazyHelp } from '../help.ts';
import { color, UsageError } from '../run-context.ts';

export async function commandBlocks(config: Config, args: string[]): Promise<number> {
  const [{ BlocksUsageError, parseBlocksArgs, runBlocks }, { createPricer }, { loadPriceTables }] = await Promise.all([
    import('../views/blocks.ts'),
    import('../../lib/usage/pricing/price.ts'),
    import('../../lib/usage/pricing/price-file.ts'),
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
