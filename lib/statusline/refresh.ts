// A refresh of the recent-usage cache: read what was appended to the transcripts, save the cache
// and the status line's summary, under a lock so refreshes started by successive status-line calls
// do not pile up.

import { mkdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pricer } from '../usage/pricing/price.ts';
import { REFRESH_LOCK_FILE, REFRESH_LOCK_STALE_MS } from './files.ts';
import { loadRecentUsage, type RecentUsage, type RefreshStats, refreshRecentUsage, saveRecentUsage } from './recent-usage.ts';
import { summarizeForStatusline, writeStatuslineSummary } from './summary.ts';

/**
 * Loads the cache, reads what was appended to the transcripts, and saves the cache and the status
 * line's summary. Concurrent refreshes are safe: each saved state is consistent with its own
 * offsets, and re-reading lines adds nothing (one record per id).
 */
export async function refreshRecentCache(options: {
  cacheDir: string;
  configDirs: readonly string[];
  pricer: Pricer;
  now: number;
  /** The zone of "today" in the status line's summary. */
  timeZone: string;
  usage?: RecentUsage;
}): Promise<{ usage: RecentUsage; stats: RefreshStats }> {
  const usage = options.usage ?? (await loadRecentUsage(options.cacheDir, options.now));
  const { changed, ...stats } = await refreshRecentUsage(usage, {
    configDirs: options.configDirs,
    now: options.now,
    pricer: options.pricer,
  });
  if (changed) await saveRecentUsage(options.cacheDir, usage);
  await writeStatuslineSummary(options.cacheDir, summarizeForStatusline(usage, options.now, options.timeZone));
  return { usage, stats };
}

/**
 * Runs `work` unless another refresh holds the lock (a file created exclusively; one older than
 * REFRESH_LOCK_STALE_MS is taken over). Returns false when it did not run.
 */
export async function withRefreshLock(cacheDir: string, now: number, work: () => Promise<void>): Promise<boolean> {
  const path = join(cacheDir, REFRESH_LOCK_FILE);
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = now - (await stat(path).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
    if (age < REFRESH_LOCK_STALE_MS) return false;
    await utimes(path, new Date(now), new Date(now)); // taken over: fresh again for the others
  }
  try {
    await work();
    return true;
  } finally {
    await unlink(path).catch(() => {});
  }
}
