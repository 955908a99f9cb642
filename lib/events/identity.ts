// An event id is an identity: the first copy of a client's `event_id` that tokenlake accepts is
// the event, whatever `ts` (so whatever day partition) or payload a later copy carries. The lake is
// partitioned by day and the rollups dedupe per day, so identity across days needs an index: one
// claim object per id, `state/events/ids/<hh>/<hash>.json`, written create-only the moment the
// event is accepted and never changed. It records the day the id landed in and a fingerprint of
// the copy, so a retry of the same copy (a client or the bus retrying after a timeout) still
// lands idempotently, while any other copy is a duplicate and is not written. Events without an
// `event_id` need no claim: their id is a hash of their content, ts included.

import { PreconditionFailedError } from '../core/errors.ts';
import { mapLimited } from '../core/map-limited.ts';
import { eventIdClaimKey } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { recordId } from '../usage/record.ts';
import type { EventRecord } from './schema.ts';

/**
 * The claim of one event id.
 * @example {"version":1,"day":"2026-11-23","fingerprint":"3f9a…","claimed_at":"2026-11-23T09:15:01.250Z"}
 */
interface EventIdClaim {
  version: 1;
  /** The UTC day partition the first copy landed in. */
  day: string;
  fingerprint: string;
  claimed_at: string;
}

/** Writes in flight at once: a batch of 1,000 new ids is 1,000 small conditional PUTs. */
const CONCURRENCY = 16;

/** What makes two copies the same event (not when or by which route it arrived). */
function eventFingerprint(e: EventRecord): string {
  return recordId(
    'event-copy',
    e.id,
    e.ts,
    e.event_type,
    e.entity_type,
    e.entity_id,
    JSON.stringify(e.attributes),
    JSON.stringify(e.metrics),
  );
}

async function readClaim(store: ObjectStore, key: string): Promise<EventIdClaim | null> {
  const got = await store.getText(key);
  if (!got) return null;
  try {
    const value = JSON.parse(got.text) as Partial<EventIdClaim>;
    return typeof value.fingerprint === 'string' && typeof value.day === 'string' ? (value as EventIdClaim) : null;
  } catch {
    return null;
  }
}

/**
 * Claims each event's id; returns, in order, whether each one may be written: true for the first
 * copy of an id (claimed now, or a retry of the very copy that claimed it), false for a later copy
 * that differs. `hasClientId[i]` false skips the claim (a content id is its own identity).
 */
export async function claimEventIds(
  store: ObjectStore,
  events: readonly EventRecord[],
  hasClientId: readonly boolean[],
): Promise<boolean[]> {
  return mapLimited(events, CONCURRENCY, async (e, i) => {
    if (!hasClientId[i]) return true;
    const key = eventIdClaimKey(recordId('event-id', e.id));
    const claim: EventIdClaim = { version: 1, day: e.ts.slice(0, 10), fingerprint: eventFingerprint(e), claimed_at: e.received_at };
    try {
      await store.put(key, JSON.stringify(claim), { ifNoneMatch: '*', contentType: 'application/json' });
      return true;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      const held = await readClaim(store, key);
      // An unreadable claim keeps its id taken: dropping a copy beats counting one twice.
      return held !== null && held.fingerprint === claim.fingerprint;
    }
  });
}
