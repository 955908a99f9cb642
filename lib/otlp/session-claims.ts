// Which of Claude Code's two reports of the same requests lands for a session (its api_request
// events or its token/cost counters, never both): the first to carry usage claims the session with
// a create-only write of state/otlp/sessions/<hash>.json, and the other is dropped for the
// session's whole life. Claims never change, so a warm function keeps them in memory.

import { PreconditionFailedError } from '../core/errors.ts';
import { OTLP_CLAIMS_PREFIX } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { recordId } from '../usage/record.ts';
import type { ClaimSignal } from './mapping.ts';

/** The session id is hashed: state/ holds no identifiers in clear. */
export function claimKey(session: string): string {
  return `${OTLP_CLAIMS_PREFIX}${recordId('claude-code-session', session)}.json`;
}

const MAX_CACHED = 10_000;
const cache = new WeakMap<ObjectStore, Map<string, ClaimSignal>>();

function cacheFor(store: ObjectStore): Map<string, ClaimSignal> {
  let c = cache.get(store);
  if (!c) {
    c = new Map();
    cache.set(store, c);
  }
  return c;
}

async function readClaim(store: ObjectStore, key: string): Promise<ClaimSignal | null> {
  const got = await store.getText(key);
  if (!got) return null;
  try {
    const signal = (JSON.parse(got.text) as { signal?: unknown }).signal;
    if (signal === 'events' || signal === 'metrics') return signal;
  } catch {
    // Falls through: an unreadable claim.
  }
  // A damaged claim favours events, the richer report; metrics for it are then dropped.
  return 'events';
}

/**
 * The owner of each session: an existing claim, or `wanted`'s signal written create-only. When
 * another request claimed it in between, the write fails (PreconditionFailedError) and its claim is read back.
 */
export async function claimSessions(
  store: ObjectStore,
  wanted: ReadonlyMap<string, ClaimSignal>,
  now: Date,
): Promise<Map<string, ClaimSignal>> {
  const known = cacheFor(store);
  const owners = new Map<string, ClaimSignal>();
  for (const [session, signal] of wanted) {
    const cached = known.get(session);
    if (cached) {
      owners.set(session, cached);
      continue;
    }
    const key = claimKey(session);
    let owner = await readClaim(store, key);
    if (!owner) {
      try {
        await store.put(key, JSON.stringify({ version: 1, signal, claimed_at: now.toISOString() }), {
          ifNoneMatch: '*',
          contentType: 'application/json',
        });
        owner = signal;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
        owner = (await readClaim(store, key)) ?? signal;
      }
    }
    if (known.size >= MAX_CACHED) known.clear();
    known.set(session, owner);
    owners.set(session, owner);
  }
  return owners;
}
