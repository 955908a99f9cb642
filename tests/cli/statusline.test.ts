// The status line from a recorded hook payload (events/claude-code-statusline.json, in the shape
// Claude Code documents at https://code.claude.com/docs/en/statusline) and a refreshed cache.

import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStatusline } from '../../cli/statusline.ts';
import { refreshRecentCache } from '../../lib/statusline/refresh.ts';
import { createPricer } from '../../lib/usage/pricing/price.ts';
import { NOW, writeRecentTree } from '../support/recent-claude-tree.ts';

const root = mkdtempSync(join(tmpdir(), 'tl-statusline-'));
const claude = join(root, 'claude');
const cacheDir = join(root, 'cache');
const recorded = JSON.parse(readFileSync(new URL('../../events/claude-code-statusline.json', import.meta.url), 'utf8'));
let transcript = '';

beforeAll(async () => {
  transcript = writeRecentTree(claude).transcript;
  await refreshRecentCache({ cacheDir, configDirs: [claude], pricer: createPricer(), now: NOW, timeZone: 'UTC' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function statusline(stdin: string, options: { env?: Record<string, string>; now?: number; tty?: boolean } = {}) {
  let out = '';
  let refreshes = 0;
  const input = Object.assign(Readable.from(stdin === '' ? [] : [stdin]), { isTTY: options.tty ?? false });
  const code = await runStatusline({
    env: { TOKENLAKE_CACHE_DIR: cacheDir, ...options.env },
    stdin: input,
    stdout: (t) => {
      out += t;
    },
    now: () => options.now ?? NOW,
    startRefresh: () => {
      refreshes++;
    },
  });
  return { code, out, refreshes };
}

const payload = (fields: Record<string, unknown> = {}) => JSON.stringify({ ...recorded, transcript_path: transcript, ...fields });

describe('tokenlake statusline', () => {
  it('prints model, session cost, today and the active block from the recorded payload', async () => {
    const { code, out, refreshes } = await statusline(payload());
    expect(code).toBe(0);
    // Today $1.05 + $0.60 + $1.50 + $0.90; the block since 14:00 $2.40 over 15 minutes = $9.60/h, 4h30m to 19:00.
    expect(out).toBe('Sonnet 4.5 · $0.42 session · $4.05 today · block $2.40, 4h30m left, $9.60/h\n');
    expect(refreshes).toBe(0); // the summary has read this transcript to its end
  });

  it('counts today in the configured zone and falls back to the cached session cost', async () => {
    const { out } = await statusline(payload({ cost: undefined }), { env: { TOKENLAKE_TIMEZONE: 'Asia/Tokyo' } });
    // In Tokyo the 29th began at 15:00 UTC on the 28th: yesterday's $0.30 (22:00 UTC) is today.
    expect(out).toBe('Sonnet 4.5 · $4.05 session · $4.35 today · block $2.40, 4h30m left, $9.60/h\n');
  });

  it('says when no block is active', async () => {
    const { out } = await statusline(payload(), { now: Date.parse('2026-11-29T19:00:00Z') });
    expect(out).toBe('Sonnet 4.5 · $0.42 session · $4.05 today · no active block\n');
  });

  it('starts a refresh when the transcript grew or the summary is over a minute old', async () => {
    expect((await statusline(payload(), { now: NOW + 61_000 })).refreshes).toBe(1);
    appendFileSync(transcript, '{"type":"user"}\n');
    expect((await statusline(payload())).refreshes).toBe(1);
  });

  it('shows what the payload tells before any refresh ran', async () => {
    const { out, refreshes } = await statusline(payload(), { env: { TOKENLAKE_CACHE_DIR: join(root, 'empty-cache') } });
    expect(out).toBe('Sonnet 4.5 · $0.42 session\n');
    expect(refreshes).toBe(1);
  });

  it.each([
    ['', 'stdin was empty'],
    ['{"session_id":', 'stdin is not JSON: '],
    ['[1,2]', 'stdin is not a JSON object'],
    ['{"model":{"display_name":"Opus"}}', 'session_id is missing'],
    ['{"session_id":"s","model":"opus"}', 'model is not an object'],
  ])('prints an empty line and exits 0 for malformed stdin %j, logging why', async (stdin, reason) => {
    const logDir = join(root, `log-${Math.random().toString(36).slice(2)}`);
    const { code, out, refreshes } = await statusline(stdin, { env: { TOKENLAKE_CACHE_DIR: logDir } });
    expect([code, out, refreshes]).toEqual([0, '\n', 0]);
    const logged = JSON.parse(readFileSync(join(logDir, 'statusline.log'), 'utf8').trim());
    expect(logged.reason.startsWith(reason)).toBe(true);
    expect(logged.time).toBe(new Date(NOW).toISOString());
  });

  it('treats a terminal on stdin (a person running it by hand) as no payload', async () => {
    expect((await statusline(payload(), { tty: true })).out).toBe('\n');
  });
});
