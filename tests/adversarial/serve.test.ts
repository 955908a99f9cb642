// `tokenlake serve` as a user runs it (a real process): a busy port is one clear line and exit 1,
// never a hang or a stack trace; the banner shows a generated key and never one the user set.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeListenError, formatServeBanner } from '../../cli/serve-banner.ts';

const root = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function serve(env: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const data = mkdtempSync(join(tmpdir(), 'tl-serve-'));
  dirs.push(data);
  const child = spawn(process.execPath, [join(root, 'bin', 'tokenlake.mjs'), 'serve'], {
    cwd: data,
    env: { PATH: process.env.PATH ?? '', HOME: data, TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function until(check: () => boolean, exit: Promise<unknown>): Promise<void> {
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  while (!check()) {
    if (exited) throw new Error('the process exited first');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tokenlake serve on a busy port', () => {
  it('says which port is taken and what to do, and exits 1', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = serve({ PORT: String(port) });
      expect(await run.exit).toBe(1);
      expect(run.err().trim()).toBe(
        `tokenlake: port ${port} on 127.0.0.1 is already in use (another tokenlake serve?): stop that process or set PORT to a free port`,
      );
      expect(run.out()).toBe('');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('the serve banner', () => {
  it('never prints a key that came from the environment, and prints a generated one', async () => {
    const ENV_KEY = 'tl_from-the-environment-0123456789';
    const withEnv = serve({ PORT: '0', TOKENLAKE_API_KEY: ENV_KEY });
    await until(() => withEnv.out().includes('Ctrl-C to stop'), withEnv.exit);
    withEnv.child.kill('SIGTERM');
    expect(await withEnv.exit).toBe(0);
    expect(withEnv.out()).toContain('API key    from TOKENLAKE_API_KEY (not shown)');
    for (const piece of [ENV_KEY, ENV_KEY.slice(3, 15), ENV_KEY.slice(-12)]) expect(withEnv.out() + withEnv.err()).not.toContain(piece);

    const generated = serve({ PORT: '0' });
    await until(() => generated.out().includes('Ctrl-C to stop'), generated.exit);
    generated.child.kill('SIGTERM');
    expect(await generated.exit).toBe(0);
    const key = /API key {4}(tl_[A-Za-z0-9_-]{32}) {3}\(generated/.exec(generated.out())?.[1];
    expect(key).toBeDefined();
    expect(generated.out()).toContain(`/#key=${key}`);
  });

  it('is built from its input alone', () => {
    const base = { url: 'http://127.0.0.1:3000', apiKey: 'tl_abcdefghijklmnopqrstuvwxyz012345', sources: ['demo'], dataDir: 'data' };
    expect(formatServeBanner({ ...base, keyFromEnvironment: true })).not.toContain('abcdefgh');
    expect(formatServeBanner({ ...base, keyFromEnvironment: false })).toContain('Bearer tl_abcdefghijklmnopqrstuvwxyz012345');
    expect(describeListenError(Object.assign(new Error('x'), { code: 'EACCES' }), 80)).toMatch(/port 80.*above 1023/);
    expect(describeListenError(new Error('disk full'), 3000)).toBeNull();
  });
});
