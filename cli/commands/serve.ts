// `tokenlake serve`: the local stack (lake as plain files, scheduled sync, analyze, API and
// dashboard) until SIGINT or SIGTERM.

import { parseArgs } from 'node:util';
import type { Config } from '../../lib/config/config.ts';
import { help } from '../help.ts';

export async function commandServe(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { help: { type: 'boolean' } } });
  if (values.help) return help('serve');
  const [{ startLocalStack }, { describeListenError, formatServeBanner }] = await Promise.all([
    import('../../local/stack.ts'),
    import('../serve-banner.ts'),
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
