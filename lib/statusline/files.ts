// The files a refresh and the status line share in the cache dir. Kept apart and zod-free: the
// status line (lib/statusline/statusline.ts) imports them on every call, and the refresh
// (lib/statusline/refresh.ts, summary.ts) writes them.

/** The summary the status line reads, and the lock of the refresh that writes it. */
export const STATUSLINE_SUMMARY_FILE = 'statusline.json';
export const REFRESH_LOCK_FILE = 'refresh.lock';
/** A lock older than this belongs to a refresh that died; the next one may start. */
export const REFRESH_LOCK_STALE_MS = 30_000;
