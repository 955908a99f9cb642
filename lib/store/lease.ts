// A lease object with an expiry, so two syncs of the same machine (the schedule and a manual run,
// or two processes) never pull the same cursors at once. Created with a create-only write (and
// replaced only by ETag once expired), which real S3 enforces; a crashed holder's lease expires.
// The lease names its holder (host, pid, and what makes a pid comparable: the kernel's boot id and
// pid namespace), so a holder killed on this very host (SIGKILL, a closed terminal) is seen to be
// gone and its lease taken over at once instead of blocking every sync for the whole expiry.

import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { PreconditionFailedError } from '../core/errors.ts';
import { MACHINES_PREFIX, machineOfSyncLeaseKey } from './layout.ts';
import type { ObjectStore } from './object-store.ts';

interface Lease {
  key: string;
  owner: string;
  release(): Promise<void>;
}

/** Who holds a lease: enough to tell, from the same host, whether that process still runs. */
export interface LeaseHolder {
  host: string;
  pid: number;
  /** /proc/sys/kernel/random/boot_id: two machines (or VMs) with one host name differ here. */
  boot_id: string | null;
  /** /proc/self/ns/pid: containers sharing a kernel differ here, so a pid means the same process. */
  pid_ns: string | null;
}

/** The process asking for a lease, and how it checks whether a pid on its host is alive. */
export interface LeaseProcess {
  holder: LeaseHolder;
  isAlive(pid: number): boolean;
}

/**
 * The lease object.
 * @example {"owner":"6f1c…","acquired_at":"2026-11-23T10:00:00.000Z","expires_at":"2026-11-23T10:15:00.000Z",
 *  "host":"laptop","pid":4242,"boot_id":"0b6e…","pid_ns":"pid:[4026531836]"}
 */
const leaseBodySchema = z.object({
  expires_at: z.string(),
  owner: z.string().optional(),
  acquired_at: z.string().optional(),
  // Absent in leases written before holders were named: those only expire.
  host: z.string().optional(),
  pid: z.int().positive().optional(),
  boot_id: z.string().nullable().optional(),
  pid_ns: z.string().nullable().optional(),
});
type LeaseBody = z.infer<typeof leaseBodySchema>;

function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** This process (Linux gives boot id and pid namespace; elsewhere the host name and pid alone). */
export function thisProcess(): LeaseProcess {
  return {
    holder: {
      host: hostname(),
      pid: process.pid,
      boot_id: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null, null),
      pid_ns: readOr(() => readlinkSync('/proc/self/ns/pid'), null),
    },
    isAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        // EPERM: it exists but belongs to another user. Only ESRCH means gone.
        return (error as NodeJS.ErrnoException).code !== 'ESRCH';
      }
    },
  };
}

/** How a lease stands for the process asking. */
type LeaseState = 'live' | 'expired' | 'holder-gone';

function leaseState(body: LeaseBody, now: Date, asker: LeaseProcess): LeaseState {
  const expires = Date.parse(body.expires_at);
  if (!Number.isFinite(expires) || expires <= now.getTime()) return 'expired';
  const { host, pid } = body;
  if (host === undefined || pid === undefined) return 'live';
  const me = asker.holder;
  // A pid only means something on the same kernel (boot id) and in the same pid namespace.
  const sameProcessSpace = host === me.host && (body.boot_id ?? null) === me.boot_id && (body.pid_ns ?? null) === me.pid_ns;
  if (!sameProcessSpace || pid === me.pid) return 'live';
  return asker.isAlive(pid) ? 'live' : 'holder-gone';
}

function parseLease(text: string): LeaseBody | null {
  try {
    const parsed = leaseBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The lease, or null when another holder's lease has not expired and that holder may still run.
 * An unreadable lease, an expired one, or one whose holder is known to be gone is replaced (If-Match).
 */
export async function acquireLease(
  store: ObjectStore,
  key: string,
  now: Date,
  ttlMs: number,
  asker: LeaseProcess = thisProcess(),
): Promise<Lease | null> {
  const owner = randomUUID();
  const body: LeaseBody = {
    owner,
    acquired_at: now.toISOString(),
    expires_at: new Date(now.getTime() + ttlMs).toISOString(),
    ...asker.holder,
  };
  const current = await store.getText(key);
  try {
    if (current) {
      const held = parseLease(current.text);
      if (held && leaseState(held, now, asker) === 'live') return null;
      await store.put(key, JSON.stringify(body), { ifMatch: current.etag });
    } else {
      await store.put(key, JSON.stringify(body), { ifNoneMatch: '*' });
    }
  } catch (error) {
    if (error instanceof PreconditionFailedError) return null;
    throw error;
  }
  // Read back: a store without conditional writes may have let a racing writer in.
  const mine = await store.getText(key);
  if (!mine?.text.includes(owner)) return null;
  return {
    key,
    owner,
    async release() {
      const still = await store.getText(key);
      if (still?.text.includes(owner)) await store.delete([key]);
    },
  };
}

/**
 * A sync lease found in the store, for data_quality: `running` while its holder may still be
 * working (the totals may be partial), `interrupted` when it expired or its holder is gone (the
 * next sync takes it over and finishes the work).
 * @example {"machine":"laptop","state":"running","started_at":"2026-11-23T10:00:00.000Z","expires_at":"2026-11-23T10:15:00.000Z","host":"laptop","pid":4242}
 */
export const syncInProgressSchema = z.object({
  machine: z.string(),
  state: z.enum(['running', 'interrupted']),
  started_at: z.string().nullable(),
  expires_at: z.string(),
  host: z.string().nullable(),
  pid: z.int().nullable(),
});
export type SyncInProgress = z.infer<typeof syncInProgressSchema>;

/** Every machine's sync lease as it stands now (none when no sync runs or was cut short). */
export async function readSyncLeases(store: ObjectStore, now: Date, asker: LeaseProcess = thisProcess()): Promise<SyncInProgress[]> {
  const out: SyncInProgress[] = [];
  for (const o of await store.list(MACHINES_PREFIX)) {
    const machine = machineOfSyncLeaseKey(o.key);
    if (machine === null) continue;
    const got = await store.getText(o.key);
    const body = got ? parseLease(got.text) : null;
    if (!body) continue;
    out.push({
      machine,
      state: leaseState(body, now, asker) === 'live' ? 'running' : 'interrupted',
      started_at: body.acquired_at ?? null,
      expires_at: body.expires_at,
      host: body.host ?? null,
      pid: body.pid ?? null,
    });
  }
  return out.sort((a, b) => a.machine.localeCompare(b.machine));
}
