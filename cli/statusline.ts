// `tokenlake statusline`: Claude Code's status-line command. Reads the hook payload on stdin,
// prints one line from the summary a refresh left in the cache, and when that summary is behind
// (this transcript grew, or it is over a minute old) starts `tokenlake statusline --refresh` in
// the background for the next call. A bad payload prints an empty line and exits 0 (Claude Code
// would show an error otherwise), with the reason in <cache dir>/statusline.log. Bundled as its
// own small entry (dist-cli/statusline.mjs): nothing here may import zod, which alone costs ~50 ms.

import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveCacheDir } from '../lib/config/cache-dir.ts';
import { REFRESH_LOCK_FILE, REFRESH_LOCK_STALE_MS, STATUSLINE_SUMMARY_FILE } from '../lib/statusline/files.ts';
import { composeStatusline, parseStatuslinePayload, parseStatuslineSummary, summaryIsStale } from '../lib/statusline/statusline.ts';

const DEBUG_LOG = 'statusline.log';
const DEBUG_LOG_MAX_BYTES = 256 * 1024;
/** Claude Code closes stdin after the payload; this bounds the wait if it ever does not. */
const STDIN_TIMEOUT_MS = 1000;

interface StatuslineIo {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: (text: string) => void;
  now: () => number;
  /** Starts the background refresh; the default spawns `tokenlake statusline --refresh` detached. */
  startRefresh?: (env: Record<string, string | undefined>) => void;
  home?: string;
  cwd?: string;
}

function readStdin(stdin: StatuslineIo['stdin']): Promise<string> {
  if (stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, STDIN_TIMEOUT_MS);
    stdin.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
    stdin.on('end', done);
    stdin.on('error', done);
  });
}

function debugLog(cacheDir: string, now: number, fields: Record<string, unknown>): void {
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const path = join(cacheDir, DEBUG_LOG);
    try {
      if (statSync(path).size > DEBUG_LOG_MAX_BYTES) truncateSync(path, 0);
    } catch {
      // no log yet
    }
    appendFileSync(path, `${JSON.stringify({ time: new Date(now).toISOString(), ...fields })}\n`, { mode: 0o600 });
  } catch {
    // The debug log is best effort: the status line never fails because of it.
  }
}

function defaultStartRefresh(env: Record<string, string | undefined>): void {
  // Bundled, the refresh is a script beside this one (no full CLI to load); from the sources it
  // runs through the CLI. dist-cli/ and cli/ both sit one folder below the package root.
  const script = fileURLToPath(new URL('./recent-refresh.mjs', import.meta.url));
  const args =
    import.meta.url.endsWith('.mjs') && existsSync(script)
      ? [script]
      : [fileURLToPath(new URL('../bin/tokenlake.mjs', import.meta.url)), 'statusline', '--refresh'];
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore', env });
  child.unref();
}

function refreshRunning(cacheDir: string, now: number): boolean {
  try {
    return now - statSync(join(cacheDir, REFRESH_LOCK_FILE)).mtimeMs < REFRESH_LOCK_STALE_MS;
  } catch {
    return false;
  }
}

export async function runStatusline(io: StatuslineIo): Promise<number> {
  const home = io.home ?? homedir();
  const cacheDir = resolveCacheDir(io.env, home, io.cwd ?? process.cwd());
  const check = parseStatuslinePayload(await readStdin(io.stdin));
  const now = io.now();
  if (!check.ok) {
    debugLog(cacheDir, now, { reason: check.reason });
    io.stdout('\n');
    return 0;
  }
  const { payload } = check;
  let summary = null;
  try {
    summary = parseStatuslineSummary(JSON.parse(readFileSync(join(cacheDir, STATUSLINE_SUMMARY_FILE), 'utf8')));
  } catch {
    summary = null; // no refresh has run yet: the line shows what the payload tells
  }
  let transcript: { path: string; size: number } | null = null;
  if (payload.transcript_path) {
    try {
      transcript = { path: payload.transcript_path, size: statSync(payload.transcript_path).size };
    } catch {
      transcript = null;
    }
  }
  // An invalid TOKENLAKE_TIMEZONE stops every other command; here it must not: UTC stands in (the
  // refresh, which checks it, logs why). Checked against the summary's zone first: no Intl needed.
  let timeZone = io.env.TOKENLAKE_TIMEZONE || 'UTC';
  if (timeZone !== 'UTC' && timeZone !== summary?.time_zone) {
    try {
      new Intl.DateTimeFormat('en-CA', { timeZone });
    } catch {
      debugLog(cacheDir, now, { reason: `TOKENLAKE_TIMEZONE is not an IANA time zone: ${timeZone}; UTC used` });
      timeZone = 'UTC';
    }
  }
  io.stdout(`${composeStatusline({ payload, summary, now, timeZone })}\n`);
  if (summaryIsStale(summary, transcript, now) && !refreshRunning(cacheDir, now)) {
    try {
      (io.startRefresh ?? defaultStartRefresh)(io.env);
    } catch (error) {
      debugLog(cacheDir, now, { reason: `could not start the refresh: ${(error as Error).message}` });
    }
  }
  return 0;
}
