// The status line's background refresh as a script of its own (dist-cli/recent-refresh.mjs,
// started detached by cli/statusline.ts after it printed its line): reads what was appended to
// the Claude Code transcripts into the cache and rewrites the summary the next line shows.
// Without the full CLI bundle it starts in about a third of the time; `tokenlake statusline
// --refresh` does the same through the CLI. Errors go to the status line's debug log.

import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseConfig } from '../lib/config/config.ts';
import { refreshRecentCache, withRefreshLock } from '../lib/statusline/refresh.ts';
import { createPricer } from '../lib/usage/pricing/price.ts';
import { loadPriceTables } from '../lib/usage/pricing/price-file.ts';

/** Refreshes the cache unless another refresh holds the lock; never throws. */
export async function refreshStatuslineCache(env: Record<string, string | undefined>, now: number): Promise<void> {
  let cacheDir: string | null = null;
  try {
    const config = parseConfig(env);
    cacheDir = config.cacheDir;
    await withRefreshLock(config.cacheDir, now, async () => {
      const pricer = createPricer(await loadPriceTables(config.pricesFile));
      await refreshRecentCache({ cacheDir: config.cacheDir, configDirs: config.claudeConfigDirs, pricer, now, timeZone: config.timeZone });
    });
  } catch (error) {
    if (!cacheDir) return;
    try {
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      appendFileSync(
        join(cacheDir, 'statusline.log'),
        `${JSON.stringify({ time: new Date(now).toISOString(), reason: `refresh failed: ${(error as Error).message}` })}\n`,
      );
    } catch {
      // nowhere left to say it
    }
  }
}

// Run as a script (`node dist-cli/recent-refresh.mjs`, as the status line starts it): refresh once.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await refreshStatuslineCache(process.env, Date.now());
