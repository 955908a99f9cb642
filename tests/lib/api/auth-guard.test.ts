import { describe, expect, it } from 'vitest';
import { createAuthGuard } from '../../../lib/api/auth-guard.ts';
import { TooManyRequestsError } from '../../../lib/core/errors.ts';
import { createLogger } from '../../../lib/core/log.ts';

function setup(options: { maxFailures?: number; windowMs?: number; maxLogLines?: number; maxTracked?: number } = {}) {
  const clock = { ms: 1_000_000 };
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ write: (line) => lines.push(JSON.parse(line)) });
  const guard = createAuthGuard({ now: () => clock.ms, log, ...options });
  /** The status the router would answer: 429 when refused before the key check, else 401 (a wrong key). */
  const attempt = (ip: string, id: string): { status: number; retryAfter?: string } => {
    try {
      guard.admit(ip);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      return { status: 429, retryAfter: error.headers['retry-after']! };
    }
    guard.failed(ip, id, 'GET /v1/analytics');
    return { status: 401 };
  };
  return { clock, lines, guard, attempt };
}

describe('the wrong-key guard', () => {
  it('refuses an address after 10 wrong keys in a minute, says when to retry, and lets it in again after', () => {
    const { clock, attempt } = setup();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push(attempt('10.0.0.1', `r${i}`).status);
      clock.ms += 1000; // one a second
    }
    expect(statuses).toEqual(Array(10).fill(401));
    // The 10 failures happened at t0 … t0+9 s; now is t0+10 s: the oldest leaves the window at t0+60 s.
    expect(attempt('10.0.0.1', 'r10')).toEqual({ status: 429, retryAfter: '50' });
    // Another address is not affected.
    expect(attempt('10.0.0.2', 'other').status).toBe(401);
    clock.ms += 49_000;
    expect(attempt('10.0.0.1', 'r11')).toEqual({ status: 429, retryAfter: '1' });
    clock.ms += 1_000;
    // The first failure left the window: one more try, which refills it (sliding window).
    expect(attempt('10.0.0.1', 'r12').status).toBe(401);
    expect(attempt('10.0.0.1', 'r13')).toEqual({ status: 429, retryAfter: '1' });
  });

  it('logs 35 wrong keys from one address in two lines, with request ids and counts, never more', () => {
    const { lines, attempt } = setup();
    const answers = Array.from({ length: 35 }, (_, i) => attempt('192.0.2.7', `req-${i}`).status);
    expect(answers.filter((s) => s === 401)).toHaveLength(10);
    expect(answers.filter((s) => s === 429)).toHaveLength(25);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'invalid bearer key',
        source_ip: '192.0.2.7',
        request_id: 'req-0',
        route: 'GET /v1/analytics',
        failures_in_window: 1,
        unlogged: 0,
      }),
      expect.objectContaining({
        message: 'too many failed bearer keys: refusing this address',
        request_id: 'req-9',
        failures_in_window: 10,
        // failures 2…9 were counted into this line
        unlogged: 8,
        retry_after_s: 60,
      }),
    ]);
  });

  it('logs again in the next window, carrying what it did not log', () => {
    const { clock, lines, attempt } = setup({ maxFailures: 100 });
    for (let i = 0; i < 5; i++) attempt('198.51.100.1', `a${i}`);
    clock.ms += 60_000;
    attempt('198.51.100.1', 'b0');
    expect(lines.map((l) => [l.request_id, l.unlogged])).toEqual([
      ['a0', 0],
      ['b0', 4],
    ]);
  });

  it('bounds the log when many addresses fail at once, and says how many lines it dropped', () => {
    const { clock, lines, attempt } = setup({ maxLogLines: 5 });
    for (let i = 0; i < 50; i++) attempt(`203.0.113.${i}`, `x${i}`);
    expect(lines).toHaveLength(5);
    clock.ms += 60_000;
    attempt('203.0.113.200', 'later');
    expect(lines).toHaveLength(6);
    expect(lines[5]).toMatchObject({ request_id: 'later', lines_dropped: 45 });
  });

  it('remembers a bounded number of addresses, forgetting the quiet ones first', () => {
    const { clock, attempt } = setup({ maxTracked: 3, maxFailures: 2 });
    attempt('a', '1');
    attempt('a', '2'); // a is refused now
    clock.ms += 61_000;
    for (const ip of ['b', 'c', 'd']) attempt(ip, ip); // a (quiet for a minute) is forgotten for d
    attempt('b', 'b2');
    expect(attempt('b', 'b3').status).toBe(429);
    // e pushes out the least recently seen (c), not b, which is still being refused.
    attempt('e', 'e');
    expect(attempt('b', 'b4').status).toBe(429);
  });
});
