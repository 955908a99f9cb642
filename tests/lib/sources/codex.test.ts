// Codex CLI rollouts shaped like the documented format (ccusage apps/codex, tokscale
// sessions/codex.rs, openai/codex protocol TokenUsage): envelope {timestamp, type, payload},
// token_count with cumulative total_token_usage and per-response last_token_usage.
// Expected numbers are worked out by hand in the comments.

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { SourceError } from '../../../lib/core/errors.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { createCodexSource } from '../../../lib/sources/codex/index.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const SESSION = '019a9776-0a34-7842-8627-112b63d66e90';
const FILE = `sessions/2026/03/01/rollout-2026-03-01T10-00-00-${SESSION}.jsonl`;

interface Usage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}
const usage = (u: Usage) => ({
  input_tokens: u.input,
  cached_input_tokens: u.cached,
  output_tokens: u.output,
  reasoning_output_tokens: u.reasoning,
  total_tokens: u.input + u.output,
});
const line = (timestamp: string, type: string, payload: unknown) => JSON.stringify({ timestamp, type, payload });
const meta = (ts: string, id: string, extra: Record<string, unknown> = {}) =>
  line(ts, 'session_meta', {
    id,
    timestamp: ts,
    cwd: '/home/alice/code/api',
    originator: 'codex_cli_rs',
    cli_version: '0.58.0',
    model_provider: 'openai',
    ...extra,
  });
const turn = (ts: string, model: string, turnId?: string) =>
  line(ts, 'turn_context', { cwd: '/home/alice/code/api', approval_policy: 'on-request', model, ...(turnId ? { turn_id: turnId } : {}) });
const tokenCount = (ts: string, total: Usage | null, last: Usage | null) =>
  line(ts, 'event_msg', {
    type: 'token_count',
    info: {
      ...(total ? { total_token_usage: usage(total) } : {}),
      ...(last ? { last_token_usage: usage(last) } : {}),
      model_context_window: 272000,
    },
    rate_limits: { primary: { used_percent: 7, window_minutes: 300, resets_at: 1772400000 } },
  });
const rateLimitsOnly = (ts: string) =>
  line(ts, 'event_msg', { type: 'token_count', info: null, rate_limits: { primary: { used_percent: 7 } } });
const message = (ts: string) =>
  line(ts, 'response_item', { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] });

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'tl-codex-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function write(relative: string, text: string) {
  mkdirSync(dirname(join(home, relative)), { recursive: true });
  writeFileSync(join(home, relative), text);
}

function context(store: MemoryStore) {
  const config = parseConfig({ CODEX_HOME: home, TOKENLAKE_USER: 'alice', TOKENLAKE_MACHINE: 'laptop-1' });
  return { store, config, now: new Date('2026-03-02T00:00:00Z'), log: silentLogger };
}

async function pullAndCommit(store: MemoryStore) {
  const pull = await createCodexSource().pull(context(store));
  await pull.commit();
  return pull;
}

const sumOf = (records: Array<Record<string, number | unknown>>, field: 'input_tokens' | 'output_tokens' | 'cache_read_tokens') =>
  records.reduce((s, r) => s + (r[field] as number), 0);

describe('codex source', () => {
  it('turns cumulative token_count snapshots into one record per response, dropping repeats and quarantining bad lines', async () => {
    write(
      FILE,
      [
        meta('2026-03-01T10:00:00.000Z', SESSION),
        rateLimitsOnly('2026-03-01T10:00:01.000Z'),
        turn('2026-03-01T10:00:02.000Z', 'gpt-5'),
        message('2026-03-01T10:00:03.000Z'),
        // first response: uncached 1200-200 = 1000, cached 200, output 500 (reasoning 64 inside it)
        tokenCount(
          '2026-03-01T10:00:04.000Z',
          { input: 1200, cached: 200, output: 500, reasoning: 64 },
          { input: 1200, cached: 200, output: 500, reasoning: 64 },
        ),
        // the same snapshot again (Codex re-emits it with new rate limits): a duplicate, not usage
        tokenCount(
          '2026-03-01T10:00:05.000Z',
          { input: 1200, cached: 200, output: 500, reasoning: 64 },
          { input: 1200, cached: 200, output: 500, reasoning: 64 },
        ),
        // second response (last): uncached 1800-1000 = 800, cached 1000, output 300
        tokenCount(
          '2026-03-01T10:01:00.000Z',
          { input: 3000, cached: 1200, output: 800, reasoning: 100 },
          { input: 1800, cached: 1000, output: 300, reasoning: 36 },
        ),
        turn('2026-03-01T10:02:00.000Z', 'gpt-5-codex'),
        // total only: delta = (5000-3000, 2000-1200, 1000-800) → uncached 2000-800 = 1200, cached 800, output 200
        tokenCount('2026-03-01T10:02:30.000Z', { input: 5000, cached: 2000, output: 1000, reasoning: 100 }, null),
        '{"timestamp":"2026-03-01T10:03:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":-5,"output_tokens":1}}}}',
        '{"timestamp":"2026-03-01T10:03:01.000Z","type":"event_msg","payload":{"type":"token_count"',
        'not json at all',
        '',
      ].join('\n'),
    );
    const store = new MemoryStore();
    const pull = await pullAndCommit(store);

    expect(pull.records).toHaveLength(3);
    const byTs = [...pull.records].sort((a, b) => a.ts.localeCompare(b.ts));
    expect(byTs.map((r) => [r.model, r.input_tokens, r.cache_read_tokens, r.output_tokens])).toEqual([
      ['gpt-5', 1000, 200, 500],
      ['gpt-5', 800, 1000, 300],
      ['gpt-5-codex', 1200, 800, 200],
    ]);
    // The responses add up to the session's last cumulative snapshot: 5000 in (2000 cached), 1000 out.
    expect(sumOf(pull.records, 'input_tokens') + sumOf(pull.records, 'cache_read_tokens')).toBe(5000);
    expect(sumOf(pull.records, 'cache_read_tokens')).toBe(2000);
    expect(sumOf(pull.records, 'output_tokens')).toBe(1000);
    const first = byTs[0]!;
    expect(first).toMatchObject({
      source: 'codex',
      provider: 'openai',
      project: 'api',
      session: SESSION,
      user: 'alice',
      machine: 'laptop-1',
      requests: 1,
      cache_creation_tokens: 0,
      ts: '2026-03-01T10:00:04.000Z',
    });
    expect(pull.stats.duplicates).toBe(1);
    expect(pull.stats.quarantined).toBe(3);
    expect(pull.quarantine.map((q) => q.reason)).toEqual([
      expect.stringContaining('must not be negative'),
      expect.stringContaining('invalid JSON'),
      expect.stringContaining('not a complete JSON object'),
    ]);
    expect(pull.quarantine.every((q) => q.origin === FILE)).toBe(true);
    expect(pull.stats.skippedByReason['no-usage']).toBe(1);
    expect(store.keys('state/')).toEqual(['state/machines/laptop-1/cursors/codex.json']);
  });

  it('reads on from the byte offset with the saved state: an appended response is a delta, a half-written line waits', async () => {
    const s1 = { input: 1000, cached: 0, output: 100, reasoning: 0 };
    write(
      FILE,
      `${[meta('2026-03-01T10:00:00.000Z', SESSION), turn('2026-03-01T10:00:01.000Z', 'gpt-5'), tokenCount('2026-03-01T10:00:02.000Z', s1, s1)].join('\n')}\n`,
    );
    const store = new MemoryStore();
    const firstPull = await pullAndCommit(store);
    expect(firstPull.records.map((r) => r.input_tokens)).toEqual([1000]);

    // Codex appends: the repeated snapshot, then the next response; the last line is still being written.
    const s2 = { input: 2500, cached: 900, output: 250, reasoning: 10 };
    const last2 = { input: 1500, cached: 900, output: 150, reasoning: 10 };
    appendFileSync(
      join(home, FILE),
      `${tokenCount('2026-03-01T10:00:03.000Z', s1, s1)}\n${tokenCount('2026-03-01T10:05:00.000Z', s2, last2)}\n{"timestamp":"2026-03-01T10:06:00`,
    );
    const second = await pullAndCommit(store);
    // 1500 input of which 900 cached → 600 uncached; the model comes from the saved turn_context.
    expect(second.records.map((r) => [r.model, r.input_tokens, r.cache_read_tokens, r.output_tokens])).toEqual([['gpt-5', 600, 900, 150]]);
    expect(second.stats.duplicates).toBe(1);
    expect(second.stats.quarantined).toBe(0);

    const puts = store.puts.length;
    const idle = await pullAndCommit(store);
    expect(idle.records).toEqual([]);
    expect(store.puts.length).toBe(puts); // nothing new: the cursor is not even rewritten
  });

  it('counts a session once when the same rollout is also in archived_sessions/ (or copied from another machine)', async () => {
    const s1 = { input: 400, cached: 100, output: 40, reasoning: 0 };
    const text = `${[meta('2026-03-01T10:00:00.000Z', SESSION), turn('2026-03-01T10:00:01.000Z', 'gpt-5'), tokenCount('2026-03-01T10:00:02.000Z', s1, s1)].join('\n')}\n`;
    write(FILE, text);
    write(`archived_sessions/rollout-2026-03-01T10-00-00-${SESSION}.jsonl`, text);
    const pull = await pullAndCommit(new MemoryStore());
    expect(pull.records).toHaveLength(1);
    expect(pull.records[0]!.input_tokens).toBe(300);
    expect(pull.stats.duplicates).toBe(1);
  });

  it("skips a fork's replayed parent history and counts only the child's own responses", async () => {
    const parent = '019a9700-0000-7000-8000-000000000001';
    const child = SESSION; // minted at the fork, after every replayed parent turn
    const p1 = { input: 1000, cached: 0, output: 100, reasoning: 0 };
    const p2 = { input: 2200, cached: 800, output: 260, reasoning: 0 };
    const own = { input: 3000, cached: 1500, output: 200, reasoning: 50 };
    write(
      `sessions/2026/03/01/rollout-2026-03-01T11-00-00-${child}.jsonl`,
      [
        meta('2026-03-01T11:00:00.000Z', child, { forked_from_id: parent }),
        meta('2026-03-01T11:00:00.001Z', parent),
        turn('2026-03-01T11:00:00.002Z', 'gpt-5', '019a9700-1111-7000-8000-000000000002'),
        tokenCount('2026-03-01T11:00:00.003Z', p1, p1),
        tokenCount('2026-03-01T11:00:00.004Z', p2, { input: 1200, cached: 800, output: 160, reasoning: 0 }),
        turn('2026-03-01T11:01:00.000Z', 'gpt-5', '019a9777-0000-7000-8000-000000000003'),
        // the parent's last snapshot once more, then the child's first response on top of it
        tokenCount('2026-03-01T11:01:00.500Z', p2, { input: 1200, cached: 800, output: 160, reasoning: 0 }),
        tokenCount('2026-03-01T11:01:30.000Z', { input: 5200, cached: 2300, output: 460, reasoning: 50 }, own),
        '',
      ].join('\n'),
    );
    const pull = await pullAndCommit(new MemoryStore());
    // only `own`: 3000 input, 1500 cached → 1500 uncached; output 200
    expect(pull.records.map((r) => [r.input_tokens, r.cache_read_tokens, r.output_tokens, r.session])).toEqual([[1500, 1500, 200, child]]);
    expect(pull.stats.skippedByReason['fork-replay']).toBe(4);
  });

  it('reads a replaced file again from the start, and fails clearly when Codex has no sessions folder here', async () => {
    const s1 = { input: 100, cached: 0, output: 10, reasoning: 0 };
    write(
      FILE,
      `${[meta('2026-03-01T10:00:00.000Z', SESSION), turn('2026-03-01T10:00:01.000Z', 'gpt-5'), tokenCount('2026-03-01T10:00:02.000Z', s1, s1)].join('\n')}\n`,
    );
    const store = new MemoryStore();
    await pullAndCommit(store);
    const other = '019a9800-0000-7000-8000-0000000000aa';
    const s2 = { input: 70, cached: 0, output: 7, reasoning: 0 };
    write(
      FILE,
      `${[meta('2026-03-02T10:00:00.000Z', other), turn('2026-03-02T10:00:01.000Z', 'gpt-5-mini'), tokenCount('2026-03-02T10:00:02.000Z', s2, s2)].join('\n')}\n`,
    );
    const again = await pullAndCommit(store);
    expect(again.records.map((r) => [r.session, r.model, r.input_tokens])).toEqual([[other, 'gpt-5-mini', 70]]);

    rmSync(join(home, 'sessions'), { recursive: true });
    await expect(createCodexSource().pull(context(store))).rejects.toThrow(SourceError);
    await expect(createCodexSource().pull(context(store))).rejects.toThrow(/CODEX_HOME/);
  });
});
