// Where tokenlake keeps machine-local caches that are not lake data (the recent Claude Code usage
// the status line and `blocks` read): deletable at any time, rebuilt from the agents' own logs.
// Zod-free and tiny, because the status line resolves it on every call and must start fast.

import { isAbsolute, join, resolve } from 'node:path';

/**
 * TOKENLAKE_CACHE_DIR (relative to cwd), else `$XDG_CACHE_HOME/tokenlake` (when absolute, as the
 * XDG spec asks), else `~/.cache/tokenlake`. Never the data dir: the status line runs in every
 * project folder, where a relative TOKENLAKE_DATA_DIR would land.
 */
export function resolveCacheDir(env: Record<string, string | undefined>, home: string, cwd: string): string {
  const own = env.TOKENLAKE_CACHE_DIR?.trim();
  if (own) return resolve(cwd, own.replace(/^~(?=$|[\\/])/, home));
  const xdg = env.XDG_CACHE_HOME?.trim();
  if (xdg && isAbsolute(xdg)) return join(xdg, 'tokenlake');
  return join(home, '.cache', 'tokenlake');
}
