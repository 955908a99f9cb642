// Failed bearer keys: each one is logged (with the request id and source address, never the key)
// without letting a flood of them flood the log, and an address that keeps guessing is refused
// with 429 + Retry-After for a while, before its key is even checked (so a refusal says nothing
// about the key). On AWS the HTTP API stage throttle comes first; this guard is what the local
// stack has, and what each warm function adds. The clock is passed in: tests move it by hand.

import { TooManyRequestsError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

export interface AuthGuardOptions {
  /** Milliseconds (any epoch): the runtime's clock. */
  now: () => number;
  log: Logger;
  /** Failed keys from one address within `windowMs` after which it is refused (default 10). */
  maxFailures?: number;
  /** The sliding window, ms (default 60 s). */
  windowMs?: number;
  /** Log lines about failed keys per window, all addresses together (default 20); the rest are counted. */
  maxLogLines?: number;
  /** Addresses remembered at most (default 10,000); the quietest are forgotten first. */
  maxTracked?: number;
}

export interface AuthGuard {
  /** Throws TooManyRequestsError (429, Retry-After) while the address is over its limit. */
  admit(sourceIp: string): void;
  /** A wrong bearer key from this address: counted, and logged within the log budget. */
  failed(sourceIp: string, requestId: string, route: string): void;
}

interface AddressState {
  /** Times (ms) of the last failures, oldest first, at most maxFailures of them. */
  failures: number[];
  /** When a line about this address was last written, ms. */
  loggedAt: number | null;
  /** Failures and refusals since that line that were not logged. */
  unlogged: number;
}

export function createAuthGuard(options: AuthGuardOptions): AuthGuard {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const maxLogLines = options.maxLogLines ?? 20;
  const maxTracked = options.maxTracked ?? 10_000;
  const addresses = new Map<string, AddressState>();
  const budget = { windowStart: Number.NEGATIVE_INFINITY, lines: 0, dropped: 0 };

  /** ms until the address may try again; 0 when it may now. */
  const waitFor = (state: AddressState, now: number): number => {
    if (state.failures.length < maxFailures) return 0;
    return Math.max(0, state.failures[0]! + windowMs - now);
  };

  /** One line within the global budget; a line carries how many were dropped before it. */
  const write = (now: number, message: string, fields: Record<string, unknown>): boolean => {
    if (now - budget.windowStart >= windowMs) {
      budget.windowStart = now;
      budget.lines = 0;
    }
    if (budget.lines >= maxLogLines) {
      budget.dropped++;
      return false;
    }
    budget.lines++;
    options.log.warn(message, { ...fields, ...(budget.dropped > 0 ? { lines_dropped: budget.dropped } : {}) });
    budget.dropped = 0;
    return true;
  };

  /** A line about an address, carrying what was not logged about it since the last one. */
  const logAbout = (state: AddressState, now: number, message: string, fields: Record<string, unknown>) => {
    if (write(now, message, { ...fields, unlogged: state.unlogged })) {
      state.loggedAt = now;
      state.unlogged = 0;
    } else state.unlogged++;
  };

  const stateOf = (ip: string, now: number): AddressState => {
    let state = addresses.get(ip);
    if (state) {
      // Re-inserted so the Map's order is least recently seen first.
      addresses.delete(ip);
      addresses.set(ip, state);
      return state;
    }
    if (addresses.size >= maxTracked) forgetQuiet(now);
    state = { failures: [], loggedAt: null, unlogged: 0 };
    addresses.set(ip, state);
    return state;
  };

  const forgetQuiet = (now: number) => {
    for (const [ip, s] of addresses) if ((s.failures.at(-1) ?? Number.NEGATIVE_INFINITY) <= now - windowMs) addresses.delete(ip);
    // Still full: the least recently seen go (the Map keeps insertion order).
    for (const ip of addresses.keys()) {
      if (addresses.size < maxTracked) break;
      addresses.delete(ip);
    }
  };

  return {
    admit(sourceIp) {
      const state = addresses.get(sourceIp);
      if (!state) return;
      const now = options.now();
      const waitMs = waitFor(state, now);
      if (waitMs === 0) return;
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      // Counted, not logged one by one: the line that started the refusal said it all.
      state.unlogged++;
      throw new TooManyRequestsError(`too many failed bearer keys from this address: retry after ${retryAfter} s`, retryAfter);
    },
    failed(sourceIp, requestId, route) {
      const now = options.now();
      const state = stateOf(sourceIp, now);
      state.failures.push(now);
      // Only the last maxFailures matter to the sliding window.
      if (state.failures.length > maxFailures) state.failures.shift();
      const inWindow = state.failures.filter((t) => t > now - windowMs).length;
      const fields = { source_ip: sourceIp, request_id: requestId, route, failures_in_window: inWindow };
      const waitMs = waitFor(state, now);
      // The failure that starts a refusal is always worth a line (budget permitting); others, one a window.
      if (waitMs > 0)
        logAbout(state, now, 'too many failed bearer keys: refusing this address', { ...fields, retry_after_s: Math.ceil(waitMs / 1000) });
      else if (state.loggedAt === null || now - state.loggedAt >= windowMs) logAbout(state, now, 'invalid bearer key', fields);
      else state.unlogged++;
    },
  };
}
