// Which agents' logs are on a machine, found in a temporary home laid out like the real one, and
// what sync and push print about it; and the demo source refusing to write into a real lake.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { createDemoSource } from '../../../lib/sources/demo/index.ts';
import { describeFoundAgents, detectAgents } from '../../../lib/sources/detect.ts';
import { MemoryStore } from '../../support/memory-store.ts';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'tl-detect-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function touch(relative: string, text = '{}\n') {
  mkdirSync(dirname(join(home, relative)), { recursive: true });
  writeFileSync(join(home, relative), text);
}
const config = (env: Record<string, string> = {}) => parseConfig(env, { home, cwd: home, detectAgents });

describe('detectAgents', () => {
  it('finds nothing in an empty home, and an agent folder without logs is not a find', () => {
    mkdirSync(join(home, '.codex', 'sessions'), { recursive: true });
    mkdirSync(join(home, '.gemini', 'tmp', 'web', 'chats'), { recursive: true });
    const c = config();
    expect(c.foundAgents).toEqual([]);
    expect(c.sources).toEqual(['demo']);
    expect(describeFoundAgents(c, home)).toEqual([
      'no coding-agent logs found on this machine: syncing the built-in demo data (set TOKENLAKE_SOURCES to choose sources)',
    ]);
  });

  it('with only Codex logs, Codex is read without any variable set', () => {
    touch('.codex/sessions/2026/03/01/rollout-2026-03-01T10-00-00-x.jsonl');
    const c = config();
    expect(c.sources).toEqual(['codex']);
    expect(describeFoundAgents(c, home)).toEqual(['found codex logs in ~/.codex/sessions']);
  });

  it('finds every agent where it keeps its logs', () => {
    touch('.claude/projects/-home-u-web/s.jsonl');
    touch('.codex/archived_sessions/rollout-x.jsonl');
    touch('.gemini/tmp/web/chats/session-2026-03-01T10-00-5f0c2a5e.jsonl');
    touch('.qwen/projects/-home-u-api/chats/s1.jsonl');
    touch('.local/share/opencode/opencode.db', 'SQLite format 3\u0000');
    touch('.local/share/amp/threads/T-1.json');
    const c = config();
    expect(c.foundAgents.map((a) => a.source)).toEqual(['claude-code', 'codex', 'gemini-cli', 'qwen-code', 'opencode', 'amp']);
    expect(c.sources).toEqual(['claude-code', 'codex', 'gemini-cli', 'qwen-code', 'opencode', 'amp']);
    expect(describeFoundAgents(c, home)).toEqual([
      'found claude-code logs in ~/.claude/projects',
      'found codex logs in ~/.codex/archived_sessions',
      'found gemini-cli logs in ~/.gemini/tmp',
      'found qwen-code logs in ~/.qwen/projects',
      'found opencode logs in ~/.local/share/opencode/opencode.db',
      'found amp logs in ~/.local/share/amp/threads',
    ]);
  });

  it("honours the agents' own variables, and says which found agents TOKENLAKE_SOURCES leaves out", () => {
    touch('elsewhere/gem/.gemini/tmp/api/chats/session-1.json');
    touch('elsewhere/data/opencode/storage/message/ses_1/msg_1.json');
    const c = config({
      GEMINI_CLI_HOME: join(home, 'elsewhere/gem'),
      XDG_DATA_HOME: join(home, 'elsewhere/data'),
      TOKENLAKE_SOURCES: 'opencode',
    });
    expect(c.foundAgents.map((a) => [a.source, a.where])).toEqual([
      ['gemini-cli', [join(home, 'elsewhere/gem/.gemini/tmp')]],
      ['opencode', [join(home, 'elsewhere/data/opencode/storage/message')]],
    ]);
    expect(c.sources).toEqual(['opencode']);
    expect(describeFoundAgents(c, home).at(-1)).toBe('not reading gemini-cli: TOKENLAKE_SOURCES does not name them');
  });
});

describe('demo never mixes silently with real data', () => {
  const status = (source: string) => ({
    source,
    machine: 'laptop-1',
    last_run_at: '2026-03-01T00:00:00.000Z',
    last_success_at: '2026-03-01T00:00:00.000Z',
    last_error: null,
    last_error_at: null,
    last_run: { read: 1, records: 1, duplicates: 0, quarantined: 0, skipped: 0, objects_written: 1 },
  });

  it('refuses to stand in for missing logs in a lake that real sources synced into', async () => {
    const store = new MemoryStore();
    await store.put('state/machines/laptop-1/status/codex.json', JSON.stringify(status('codex')));
    const c = config({ TOKENLAKE_MACHINE: 'laptop-1' });
    expect(c.demoFallback).toBe(true);
    const ctx = { store, config: c, now: new Date('2026-03-02T00:00:00Z'), log: silentLogger };
    await expect(createDemoSource().pull(ctx)).rejects.toThrow(/not writing demo data: this lake already holds real usage \(codex\)/);
    // Named explicitly, the demo is what was asked for.
    const named = await createDemoSource().pull({ ...ctx, config: config({ TOKENLAKE_SOURCES: 'demo' }) });
    expect(named.records.length).toBeGreaterThan(0);
  });

  it('stands in on a fresh lake', async () => {
    const pull = await createDemoSource().pull({
      store: new MemoryStore(),
      config: config(),
      now: new Date('2026-03-02T00:00:00Z'),
      log: silentLogger,
    });
    expect(pull.records.length).toBeGreaterThan(0);
  });
});
