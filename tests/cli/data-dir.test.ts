// A data folder that cannot be written: one line naming it, exit 1, never a hang; a lake that
// stops taking writes in the middle of a sync leaves the cursor where it was, so the next sync
// that can write reads the same lines again and nothing is lost.

import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { assistantLine, writeLog } from '../support/claude-logs.ts';
import { runCli } from '../support/run-cli.ts';

const root = mkdtempSync(join(tmpdir(), 'tl-data-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const claude = join(root, 'claude');

async function sync(dataDir: string) {
  vi.stubEnv('CLAUDE_CONFIG_DIR', claude);
  vi.stubEnv('TOKENLAKE_DATA_DIR', dataDir);
  vi.stubEnv('TOKENLAKE_SOURCES', 'claude-code');
  vi.stubEnv('TOKENLAKE_CACHE_DIR', join(root, 'cache'));
  vi.stubEnv('TOKENLAKE_MACHINE', 'laptop');
  try {
    return await runCli(['sync', '--log-format', 'json']);
  } finally {
    vi.unstubAllEnvs();
  }
}

const line = (n: number) =>
  assistantLine({ ts: `2026-03-0${n}T10:00:00.000Z`, msgId: `m${n}`, requestId: `r${n}`, input: 1000 * n, output: 10 });

describe('a data folder that cannot be written', () => {
  it('below a regular file: one line naming TOKENLAKE_DATA_DIR, exit 1', async () => {
    writeLog(claude, 'p/s.jsonl', [line(1)]);
    writeFileSync(join(root, 'a-file'), 'x');
    const dir = join(root, 'a-file', 'data');
    const { code, stderr } = await sync(dir);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^tokenlake: cannot use the data folder .* \(TOKENLAKE_DATA_DIR\): ENOTDIR: not a directory/);
    expect(lines.at(-1)).toContain(dir);
  });

  // procfs answers ENOENT to mkdir below it: Node's recursive mkdir never returns there.
  it.runIf(existsSync('/proc/self'))('on procfs: exit 1 with the reason, not a hang', async () => {
    const { code, stderr } = await sync('/proc/tokenlake-test');
    expect(code).toBe(1);
    expect(stderr).toContain('cannot use the data folder /proc/tokenlake-test (TOKENLAKE_DATA_DIR): ENOENT');
  });

  it('a lake that refuses writes mid-sync: the source fails, the cursor stays, the next sync loses nothing', async () => {
    const dir = join(root, 'data');
    writeLog(claude, 'p/s.jsonl', [line(1)]);
    expect((await sync(dir)).stdout).toContain('claude-code: 1 records written');
    const cursor = join(dir, 'tokenlake', 'state', 'machines', 'laptop', 'cursors', 'claude-code.json');
    const before = readFileSync(cursor, 'utf8');

    // New lines, and the lake folder replaced by a file: every lake write fails (ENOTDIR).
    writeLog(claude, 'p/s.jsonl', [line(2), line(3)], { append: true });
    const lake = join(dir, 'tokenlake', 'lake');
    renameSync(lake, `${lake}.aside`);
    writeFileSync(lake, 'not a folder');
    const failed = await sync(dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/claude-code: failed: ENOTDIR/);
    expect(readFileSync(cursor, 'utf8')).toBe(before);

    rmSync(lake);
    renameSync(`${lake}.aside`, lake);
    const again = await sync(dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('claude-code: 2 records written');
  });
});
