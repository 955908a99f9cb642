import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/store/file-store.ts';
import { acquireLease, type LeaseHolder, type LeaseProcess, readSyncLeases, thisProcess } from '../../../lib/store/lease.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const KEY = 'state/machines/laptop/lock.json';
const T0 = new Date('2026-03-02T12:00:00.000Z');
const TTL = 15 * 60_000;
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** A process on a host whose pids `alive` lists (the rest are gone). */
function proc(holder: Partial<LeaseHolder> & { pid: number }, alive: number[]): LeaseProcess {
  return { holder: { host: 'laptop', boot_id: 'boot-1', pid_ns: 'pid:[1]', ...holder }, isAlive: (pid) => alive.includes(pid) };
}

describe('the sync lease', () => {
  it('names its holder, and a second process on the host waits while the holder runs', async () => {
    const store = new MemoryStore();
    const first = await acquireLease(store, KEY, T0, TTL, proc({ pid: 100 }, [100, 200]));
    expect(first).not.toBeNull();
    expect(JSON.parse((await store.getText(KEY))!.text)).toMatchObject({
      host: 'laptop',
      pid: 100,
      boot_id: 'boot-1',
      pid_ns: 'pid:[1]',
      acquired_at: T0.toISOString(),
      expires_at: at(15).toISOString(),
    });
    expect(await acquireLease(store, KEY, at(1), TTL, proc({ pid: 200 }, [100, 200]))).toBeNull();
    expect(await readSyncLeases(store, at(1), proc({ pid: 200 }, [100, 200]))).toEqual([
      { machine: 'laptop', state: 'running', started_at: T0.toISOString(), expires_at: at(15).toISOString(), host: 'laptop', pid: 100 },
    ]);
  });

  it('takes over at once when the holder on this host is gone, long before the lease expires', async () => {
    const store = new MemoryStore();
    await acquireLease(store, KEY, T0, TTL, proc({ pid: 100 }, [100]));
    const after = proc({ pid: 200 }, [200]); // 100 was killed
    expect((await readSyncLeases(store, at(1), after))[0]?.state).toBe('interrupted');
    const taken = await acquireLease(store, KEY, at(1), TTL, after);
    expect(taken).not.toBeNull();
    expect(JSON.parse((await store.getText(KEY))!.text)).toMatchObject({ pid: 200, acquired_at: at(1).toISOString() });
    await taken!.release();
    expect(await readSyncLeases(store, at(2), after)).toEqual([]);
  });

  it('never judges a pid it cannot see: another host, another boot, another pid namespace wait for the expiry', async () => {
    for (const other of [{ host: 'ci-runner' }, { boot_id: 'boot-2' }, { pid_ns: 'pid:[2]' }]) {
      const store = new MemoryStore();
      await acquireLease(store, KEY, T0, TTL, proc({ pid: 100, ...other }, [100]));
      // Pid 100 does not exist here, but "here" is another process space than the holder's.
      const elsewhere = proc({ pid: 200 }, [200]);
      expect(await acquireLease(store, KEY, at(14), TTL, elsewhere), JSON.stringify(other)).toBeNull();
      expect((await readSyncLeases(store, at(14), elsewhere))[0]?.state).toBe('running');
      expect(await acquireLease(store, KEY, at(15), TTL, elsewhere), JSON.stringify(other)).not.toBeNull();
    }
  });

  it('treats a lease without a holder (written by an older version) by its expiry only', async () => {
    const store = new MemoryStore();
    await store.put(KEY, JSON.stringify({ owner: 'old', acquired_at: T0.toISOString(), expires_at: at(15).toISOString() }));
    const me = proc({ pid: 200 }, [200]);
    expect(await acquireLease(store, KEY, at(5), TTL, me)).toBeNull();
    expect(await readSyncLeases(store, at(16), me)).toMatchObject([{ state: 'interrupted', host: null, pid: null }]);
    expect(await acquireLease(store, KEY, at(16), TTL, me)).not.toBeNull();
  });

  it('knows this process is alive and a reaped child is not', async () => {
    const me = thisProcess();
    expect(me.isAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await new Promise((resolve) => child.on('exit', resolve));
    expect(me.isAlive(pid)).toBe(false);
  });
});

describe('a sync holder killed with SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-lease-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves a lease that the next process on this host takes over at once', async () => {
    // A real process takes the lease on the plain-file store, says so, and is killed without any cleanup.
    const script = `
      import { acquireLease } from './lib/store/lease.ts';
      import { FileObjectStore } from './lib/store/file-store.ts';
      const lease = await acquireLease(FileObjectStore.open(${JSON.stringify(dir)}, 'b'), ${JSON.stringify(KEY)}, new Date(), ${TTL});
      process.stdout.write(lease ? 'held\\n' : 'refused\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const said = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(said).toBe('held');
    const store = FileObjectStore.open(dir, 'b');
    const now = new Date();
    // While it runs, nobody else gets the lease and analytics would call it running.
    expect(await acquireLease(store, KEY, now, TTL)).toBeNull();
    expect((await readSyncLeases(store, now))[0]).toMatchObject({ machine: 'laptop', state: 'running', pid: child.pid });

    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect((await readSyncLeases(store, now))[0]).toMatchObject({ state: 'interrupted', pid: child.pid });
    const taken = await acquireLease(store, KEY, now, TTL);
    expect(taken).not.toBeNull();
    expect(JSON.parse((await store.getText(KEY))!.text).pid).toBe(process.pid);
    await taken!.release();
  });
});
