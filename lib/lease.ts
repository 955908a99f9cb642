// A lease object with an expiry, so two syncs of the same machine (the schedule and a manual run,
// or two processes) never pull the same cursors at once. Created with a create-only write (and
// replaced only by ETag once expired), which real S3 enforces; a crashed holder's lease expires.

import { randomUUID } from 'node:crypto';
import { PreconditionFailedError } from './errors.ts';
import type { ObjectStore } from './store/object-store.ts';

export interface Lease {
  key: string;
  owner: string;
  release(): Promise<void>;
}

/** The lease, or null when another holder's lease has not expired. */
export async function acquireLease(store: ObjectStore, key: string, now: Date, ttlMs: number): Promise<Lease | null> {
  const owner = randomUUID();
  const body = JSON.stringify({ owner, acquired_at: now.toISOString(), expires_at: new Date(now.getTime() + ttlMs).toISOString() });
  const current = await store.getText(key);
  try {
    if (current) {
      let expires = 0;
      try {
        expires = Date.parse(JSON.parse(current.text).expires_at);
      } catch {
        // An unreadable lease is treated as expired.
      }
      if (Number.isFinite(expires) && expires > now.getTime()) return null;
      await store.put(key, body, { ifMatch: current.etag });
    } else {
      await store.put(key, body, { ifNoneMatch: '*' });
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
