// Adversarial: the local stack as something other processes and users on the machine can poke.
// The store is a folder, not a server (issue #18's "open door": the old embedded S3 listened on a
// port without auth): the stack opens exactly one listening socket — the API on loopback — and
// its files are owner-only. A busy port fails the start at once and leaves nothing running. A sync
// killed with SIGKILL mid-way leaves its lease: analytics says the totals are incomplete, and the
// next sync on this host takes the lease over at once instead of waiting 15 minutes.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeListenError } from '../../cli/serve-banner.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { readAnalytics, runAnalyze } from '../../lib/pipeline/analyze.ts';
import { analyzeDeps } from '../../lib/pipeline/runtime.ts';
import { syncLeaseKey } from '../../lib/store/layout.ts';
import { startLocalStack } from '../../local/stack.ts';

const NOW = new Date('2026-11-23T10:00:00.000Z');
const root = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tl-adv-stack-'));
  dirs.push(d);
  return d;
}

/** Listening sockets and timers this process holds (what would keep it alive), once closes in flight are done. */
async function handles(): Promise<{ servers: number; timers: number }> {
  // A closed server's handle is released on a later turn of the event loop.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  const info = process.getActiveResourcesInfo();
  return { servers: info.filter((r) => r === 'TCPServerWrap').length, timers: info.filter((r) => r === 'Timeout').length };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

describe('the store is a folder, not a server', () => {
  it('opens one listening socket (the API, on loopback) and keeps every file and folder owner-only', async () => {
    const data = dataDir();
    const before = await handles();
    const stack = await startLocalStack({
      config: parseConfig({ TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', PORT: '0' }),
      now: () => NOW,
      log: silentLogger,
      schedule: false,
    });
    try {
      expect((await handles()).servers - before.servers).toBe(1);
      expect(new URL(stack.url).hostname).toBe('127.0.0.1');
      await stack.syncNow();
      await fetch(`${stack.url}/v1/analytics`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
      // Sync, analyze and a read opened nothing more.
      expect((await handles()).servers - before.servers).toBe(1);
      const paths = walk(data);
      expect(paths.some((p) => p.includes(join('lake', 'usage')))).toBe(true);
      const open = paths.filter((p) => (statSync(p).mode & 0o077) !== 0);
      expect(open).toEqual([]);
    } finally {
      await stack.stop();
    }
    expect((await handles()).servers).toBe(before.servers);
  });
});

describe('a busy port', () => {
  it('fails the start at once with EADDRINUSE, explained in one line, and leaves no server or timer behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const before = await handles();
    try {
      const error = await startLocalStack({
        config: parseConfig({ TOKENLAKE_DATA_DIR: dataDir(), TOKENLAKE_SOURCES: 'demo', PORT: String(port) }),
        now: () => NOW,
        log: silentLogger,
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((error as { code?: string }).code).toBe('EADDRINUSE');
      expect(describeListenError(error, port)).toContain(`port ${port} on 127.0.0.1 is already in use`);
      // Nothing started: the schedule's timers and the sync never ran, so a CLI can exit.
      expect(await handles()).toEqual(before);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('a sync killed with SIGKILL', () => {
  /** A process that takes this machine's sync lease, writes part of a sync, says so, and waits to be killed. */
  async function halfSync(data: string, project: string): Promise<ChildProcess> {
    const script = `
      import { acquireLease } from './lib/store/lease.ts';
      import { serializeUsageObject } from './lib/usage/lake.ts';
      import { makeRecord } from './lib/usage/record.ts';
      import { FileObjectStore } from './lib/store/file-store.ts';
      const store = FileObjectStore.open(${JSON.stringify(data)}, 'tokenlake');
      const now = new Date(${JSON.stringify(NOW.toISOString())});
      const lease = await acquireLease(store, ${JSON.stringify(syncLeaseKey('laptop'))}, now, 15 * 60_000);
      if (!lease) throw new Error('no lease');
      const record = makeRecord({ id: 'partial-0001', ts: '2026-11-22T10:00:00.000Z', source: 'demo', provider: 'openai',
        model: 'gpt-5', project: ${JSON.stringify(project)}, input_tokens: 100, cost_usd: 2, cost_source: 'reported' });
      await store.put('lake/usage/dt=2026-11-22/demo-partial.jsonl', serializeUsageObject([record]));
      process.stdout.write('half-way\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const said = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(said).toBe('half-way');
    return child;
  }

  it('is reported as unfinished, and the next sync takes its lease over at once and completes', async () => {
    const data = dataDir();
    const stack = await startLocalStack({
      config: parseConfig({ TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', TOKENLAKE_MACHINE: 'laptop', PORT: '0' }),
      now: () => NOW,
      log: silentLogger,
      schedule: false,
    });
    try {
      const child = await halfSync(data, 'half');
      // While the holder runs, a sync here waits its turn and analytics says one is running.
      expect((await stack.syncNow()).skipped).toBe(true);
      let a = (await runAnalyze(analyzeDeps(stack.runtime))).analytics;
      expect(a.data_quality.unfinished_syncs).toMatchObject([{ machine: 'laptop', state: 'running', pid: child.pid }]);

      const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      // What analyze sees right after: the half-written sync's data, no source status — and now a warning.
      a = (await runAnalyze(analyzeDeps(stack.runtime))).analytics;
      expect(a.windows['7d'].by_project.find((p) => p.key === 'half')?.cost_usd).toBe(2);
      expect(a.data_quality.sources).toEqual([]);
      expect(a.data_quality.unfinished_syncs).toMatchObject([{ machine: 'laptop', state: 'interrupted', started_at: NOW.toISOString() }]);

      // The next sync does not wait for the 15-minute expiry (the clock has not moved at all).
      const next = await stack.syncNow();
      expect(next.skipped).toBe(false);
      expect(next.sources.map((s) => [s.source, s.ok])).toEqual([['demo', true]]);
      a = (await readAnalytics(stack.runtime.store))!.analytics;
      expect(a.data_quality.unfinished_syncs).toEqual([]);
      expect(a.data_quality.sources.map((s) => [s.source, s.ok])).toEqual([['demo', true]]);
      expect(await stack.runtime.store.getText(syncLeaseKey('laptop'))).toBeNull();
    } finally {
      await stack.stop();
    }
  });
});
