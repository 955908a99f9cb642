// `tokenlake statusline` through the full CLI: the line itself (cli/statusline.ts) or, with
// --refresh, the background refresh (cli/recent-refresh.ts).

import { help } from '../help.ts';

/**
 * The status line never fails where Claude Code can see it: the line itself needs no
 * configuration (it runs before TOKENLAKE_* is checked); `--refresh`, started in the background
 * by it, reads the Claude Code logs into the cache and writes the summary the next line shows.
 */
export async function commandStatusline(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) return help('statusline');
  if (!args.includes('--refresh')) {
    try {
      const { runStatusline } = await import('../statusline.ts');
      return await runStatusline({ env: process.env, stdin: process.stdin, stdout: (t) => process.stdout.write(t), now: () => Date.now() });
    } catch {
      process.stdout.write('\n'); // never an error where Claude Code shows the line
      return 0;
    }
  }
  await (await import('../recent-refresh.ts')).refreshStatuslineCache(process.env, Date.now());
  return 0;
}
