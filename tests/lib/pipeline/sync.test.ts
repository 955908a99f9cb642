import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { SourceError } from '../../../lib/core/errors.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { runAnalyze, touchedDays } from '../../../lib/pipeline/analyze.ts';
import { runSync } from '../../../lib/pipeline/sync.ts';
import { createClaudeCodeSource } from '../../../lib/sources/claude-code/index.ts';
import type { Source } from '../../../lib/sources/source.ts';
import { readAllStatuses } from '../../../lib/sources/status.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { assistantLine, writeLog } from '../../support/claude-logs.ts';
import { MemoryStore } from '../../support/memory-store.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tl-sync-'));
  writeLog(root, '-home-alice-code-web/s.jsonl', [
    assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 1, output: 2 }),
    assistantLine({ ts: '2026-03-02T10:00:00.000Z', msgId: 'm2', requestId: 'r2', input: 3, output: 4 }),
  ]);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function deps(store: MemoryStore, sources: Source[], env: Record<string, string> = {}) {
  const config = parseConfig({
    CLAUDE_CONFIG_DIR: root,
    TOKENLAKE_SOURCES: 'claude-code',
    TOKENLAKE_USER: 'alice',
    TOKENLAKE_MACHINE: 'm',
    ...env,
  });
  return { store, config, now: () => new Date('2026-03-02T12:00:00Z'), log: silentLogger, pricer: createPricer(), sources };
}

const broken: Source = { name: 'openai', pull: () => Promise.reject(new SourceError('openai', 'admin key rejected (HTTP 401)')) };

describe('runSync', () => {
  it('writes one object per day, and a failing source neither stops the others nor loses its status', async () => {
    const store = new MemoryStore();
    const result = await runSync(deps(store, [broken, createClaudeCodeSource()]));
    expect(result.outcomes.map((o) => [o.source, o.ok])).toEqual([
      ['openai', false],
      ['claude-code', true],
    ]);
    expect(store.keys('lake/')).toHaveLength(2);
    const statuses = await readAllStatuses(store);
    const openai = statuses.find((s) => s.source === 'openai')!;
    expect(openai.last_error).toBe('openai: admin key rejected (HTTP 401)');
    expect(openai.last_success_at).toBeNull();
    expect(statuses.find((s) => s.source === 'claude-code')?.last_run.records).toBe(2);
  });

  it('rewrites the same objects when a sync crashed before its cursor was saved', async () => {
    const store = new MemoryStore();
    const crashing: Source = {
      name: 'claude-code',
      async pull(ctx) {
        const pull = await createClaudeCodeSource().pull(ctx);
        return { ...pull, commit: () => Promise.reject(new Error('killed before the cursor was written')) };
      },
    };
    await runSync(deps(store, [crashing]));
    const afterCrash = store.keys('lake/');
    const bodies = afterCrash.map((k) => store.text(k));
    await runSync(deps(store, [createClaudeCodeSource()]));
    expect(store.keys('lake/')).toEqual(afterCrash);
    expect(store.keys('lake/').map((k) => store.text(k))).toEqual(bodies);
  });

  it('replaces anonymised labels with stable keyed pseudonyms before writing', async () => {
    const store = new MemoryStore();
    const env = { TOKENLAKE_ANONYMIZE: 'user,project,machine', TOKENLAKE_HMAC_KEY: 'k'.repeat(32) };
    await runSync(deps(store, [createClaudeCodeSource()], env));
    const text = store
      .keys('lake/')
      .map((k) => store.text(k))
      .join('');
    expect(text).not.toContain('alice');
    expect(text).not.toContain('"web"');
    const users = new Set(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).user),
    );
    expect(users.size).toBe(1);
    expect([...users][0]).toMatch(/^anon_[0-9a-f]{16}$/);
    expect(() => parseConfig({ TOKENLAKE_ANONYMIZE: 'user,prompt' })).toThrow(/TOKENLAKE_ANONYMIZE.*prompt/);
  });
});

describe('sync lease', () => {
  it('lets only one of two concurrent syncs run, and the next one after it', async () => {
    const store = new MemoryStore();
    const [a, b] = await Promise.all([runSync(deps(store, [createClaudeCodeSource()])), runSync(deps(store, [createClaudeCodeSource()]))]);
    expect([a.skipped, b.skipped].sort()).toEqual([false, true]);
    expect(store.keys('lake/')).toHaveLength(2);
    expect(store.keys('state/machines/m/lock')).toEqual([]);
    const later = await runSync(deps(store, [createClaudeCodeSource()]));
    expect(later.skipped).toBe(false);
  });

  it('takes over a lease whose holder died and let it expire', async () => {
    const store = new MemoryStore();
    await store.put('state/machines/m/lock.json', JSON.stringify({ owner: 'dead', expires_at: '2026-03-02T11:00:00.000Z' }));
    const result = await runSync(deps(store, [createClaudeCodeSource()]));
    expect(result.skipped).toBe(false);
    await store.put('state/machines/m/lock.json', JSON.stringify({ owner: 'alive', expires_at: '2026-03-02T12:10:00.000Z' }));
    expect((await runSync(deps(store, [createClaudeCodeSource()]))).skipped).toBe(true);
  });
});

describe('the handover from sync to analyze', () => {
  /** Lines with streaming copies (fewer output tokens first), a copy in another session file,
   *  several days, a record without ids, a 1-hour cache write and one malformed line. */
  function writeTree() {
    writeLog(root, '-home-alice-code-web/a.jsonl', [
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 10, output: 1 }),
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 10, output: 50 }),
      assistantLine({ ts: '2026-03-01T23:59:59.999Z', msgId: 'm2', requestId: 'r2', input: 7, cacheWrite: 100, cacheWrite1h: 40 }),
      assistantLine({ ts: '2026-03-02T00:00:00.000Z', input: 5, output: 5, uuid: 'u-no-id' }),
      '{"type":"assistant","message":{"usage":',
    ]);
    writeLog(root, '-home-alice-code-api/b.jsonl', [
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 10, output: 50, cwd: '/home/alice/code/api' }),
      assistantLine({ ts: '2026-03-02T11:30:00.000Z', msgId: 'm3', requestId: 'r3', model: 'claude-haiku-4-5', input: 2000, output: 30 }),
    ]);
  }

  async function syncAndAnalyze(handover: boolean) {
    const store = new MemoryStore();
    const d = deps(store, [createClaudeCodeSource()]);
    const result = await runSync(d, { handover });
    store.gets.length = 0;
    const analysis = await runAnalyze(
      { store, pricer: d.pricer, now: d.now, timeZone: 'UTC', log: silentLogger },
      { days: touchedDays(result.keys), ...(handover ? { fresh: result.fresh } : {}) },
    );
    return { store, result, analysis };
  }

  it('builds the same rollups and indexes from what sync just wrote, without reading the lake back', async () => {
    rmSync(root, { recursive: true, force: true });
    writeTree();
    const read = await syncAndAnalyze(false);
    const handed = await syncAndAnalyze(true);
    expect([...handed.result.fresh.keys()].sort()).toEqual(['2026-03-01', '2026-03-02']);
    expect(handed.store.gets.filter((k) => k.startsWith('lake/'))).toEqual([]);
    expect(read.store.gets.filter((k) => k.startsWith('lake/')).length).toBeGreaterThan(0);
    for (const day of ['2026-03-01', '2026-03-02']) {
      const a = JSON.parse(read.store.text(`rollups/usage/dt=${day}.json`)!);
      const b = JSON.parse(handed.store.text(`rollups/usage/dt=${day}.json`)!);
      expect({ ...b, built_at: '' }).toEqual({ ...a, built_at: '' });
      expect(handed.store.text(`rollups/usage-ids/dt=${day}.jsonl`)).toBe(read.store.text(`rollups/usage-ids/dt=${day}.jsonl`));
    }
    // By hand: m1 counts once at its largest copy (10 in, 50 out), m2 once, the id-less line on 2 March, m3.
    const w = handed.analysis.analytics.windows['7d'].totals;
    expect(w.records).toBe(4);
    expect(w.input_tokens).toBe(10 + 7 + 5 + 2000);
    expect(w.output_tokens).toBe(50 + 0 + 5 + 30);
    expect(w.cache_creation_tokens).toBe(100);
    expect(handed.analysis.analytics.data_quality.quarantined_lines).toBe(1);
  });

  it('quarantines a record that breaks the lake contract instead of writing it', async () => {
    rmSync(root, { recursive: true, force: true });
    writeLog(root, '-home-alice-code-web/a.jsonl', [
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'ok', requestId: 'r1', input: 10, output: 1 }),
      // Valid for Claude Code's line schema, past the lake's per-record cap of 10^12 tokens.
      assistantLine({ ts: '2026-03-01T11:00:00.000Z', msgId: 'huge', requestId: 'r2', input: 2e12, output: 1 }),
    ]);
    const store = new MemoryStore();
    const result = await runSync(deps(store, [createClaudeCodeSource()]));
    const lake = store
      .keys('lake/')
      .map((k) => store.text(k)!)
      .join('');
    expect(lake).toContain('"input_tokens":10,');
    expect(lake).not.toContain('2000000000000');
    const quarantined = store
      .keys('quarantine/')
      .map((k) => store.text(k)!)
      .join('');
    expect(quarantined).toMatch(/not a valid lake record: input_tokens: at most 1000000000000/);
    expect(result.outcomes[0]?.stats?.quarantined).toBe(1);
  });
});
