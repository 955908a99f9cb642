// The nothing-new probe against the sync it stands in for: after each change to the logs, the
// probe's verdict is checked against what a full sync then does. "Unchanged" must mean the sync
// reads no line, writes no object and leaves every cursor byte for byte; a change the sync would
// read must never be called unchanged.

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateLogTree, type LogTree } from '../../../bench/generate-logs.ts';
import { type Config, parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { runSync } from '../../../lib/pipeline/sync.ts';
import { createSources } from '../../../lib/sources/registry.ts';
import { sourceStatusSchema } from '../../../lib/sources/status.ts';
import { recordUnchangedRun, unchangedLogSources } from '../../../lib/sources/unchanged-logs.ts';
import { cursorKey, statusKey } from '../../../lib/store/layout.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const END_DAY = '2026-11-20';
const now = () => new Date(`${END_DAY}T23:00:00Z`);
const pricer = createPricer();
let home: string;
let tree: LogTree;
let config: Config;
let store: MemoryStore;

const chat = () => join(home, '.gemini', 'tmp', 'web', 'chats', 'session-2026-11-20T10-00-aaaa.jsonl');
const geminiLine = (id: string, input: number) =>
  `${JSON.stringify({
    id,
    timestamp: `${END_DAY}T10:0${id.length % 10}:00.000Z`,
    type: 'gemini',
    content: [{ text: 'ok' }],
    tokens: { input, output: 10, cached: 0, thoughts: 0, tool: 0, total: input + 10 },
    model: 'gemini-2.5-pro',
  })}\n`;

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'tl-unchanged-'));
  // Claude Code (appended logs, some ending in a half-written line) and Gemini CLI (rewritten chats).
  tree = generateLogTree({ dir: join(home, 'claude'), messages: 400, days: 3, endDay: END_DAY, seed: 11 });
  mkdirSync(dirname(chat()), { recursive: true });
  writeFileSync(
    chat(),
    `${JSON.stringify({ sessionId: 'aaaa', projectHash: 'h', startTime: `${END_DAY}T10:00:00.000Z`, kind: 'main' })}\n${geminiLine('m1', 100)}`,
  );
  config = parseConfig({
    CLAUDE_CONFIG_DIR: join(home, 'claude'),
    GEMINI_CLI_HOME: home,
    TOKENLAKE_SOURCES: 'claude-code,gemini-cli',
    TOKENLAKE_MACHINE: 'laptop',
    TOKENLAKE_USER: 'alice',
  });
  store = new MemoryStore();
  await sync();
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function sync() {
  const result = await runSync({ store, config, now, log: silentLogger, pricer, sources: createSources(config.sources) }, {});
  expect(result.outcomes.every((o) => o.ok)).toBe(true);
  return {
    read: result.outcomes.reduce((n, o) => n + (o.stats?.read ?? 0), 0),
    written: result.keys.length,
  };
}

const cursors = () => config.sources.map((s) => store.text(cursorKey(s, config.machine)));

/** The probe's verdict, then what a full sync did, and whether it kept the cursors. */
async function verdictAndSync() {
  const verdict = await unchangedLogSources(config, store);
  const before = cursors();
  const did = await sync();
  return { verdict, ...did, cursorsKept: cursors().every((c, i) => c === before[i]) };
}

describe('unchangedLogSources', () => {
  it('says unchanged after a sync, and the sync then reads and writes nothing and keeps the cursors', async () => {
    expect(tree.plan.partials.length).toBeGreaterThan(0); // half-written last lines are part of the case
    const out = await verdictAndSync();
    expect(out.verdict).toEqual(['claude-code', 'gemini-cli']);
    expect(out).toMatchObject({ read: 0, written: 0, cursorsKept: true });
  });

  it('sees every change a sync would read', async () => {
    const claudeFile = tree.plan.tails[0]!.path;
    const changes: Array<[string, () => void]> = [
      ['a completed half-written line', () => appendFileSync(tree.plan.partials[0]!.path, tree.plan.partials[0]!.rest)],
      ['a line appended to a Claude Code log', () => appendFileSync(claudeFile, `${JSON.stringify({ type: 'user', message: 'hi' })}\n`)],
      ['a new Claude Code log', () => writeFileSync(join(dirname(claudeFile), 'new-session.jsonl'), '{"type":"summary"}\n')],
      ['a Gemini chat rewritten', () => appendFileSync(chat(), geminiLine('m2', 200))],
      ['a log touched', () => utimesSync(claudeFile, new Date(), new Date(Date.now() + 5000))],
      ['a log removed', () => unlinkSync(claudeFile)],
    ];
    for (const [name, change] of changes) {
      change();
      const out = await verdictAndSync();
      expect(out.verdict, name).toBeNull();
      // The sync did something the probe must not skip: read a line or moved a cursor.
      expect(out.read > 0 || !out.cursorsKept, name).toBe(true);
      // And once synced, nothing new again.
      expect(await unchangedLogSources(config, store), `${name}, then synced`).toEqual(['claude-code', 'gemini-cli']);
    }
  });

  it('answers null without a cursor, with a corrupt one, or with a source it cannot probe', async () => {
    await store.delete([cursorKey('gemini-cli', config.machine)]);
    expect(await unchangedLogSources(config, store)).toBeNull();
    await sync();
    // A corrupt cursor fails the source's sync (it names the object); the probe leaves that to it.
    await store.put(cursorKey('claude-code', config.machine), '{"version":1,"files":');
    expect(await unchangedLogSources(config, store)).toBeNull();
    await store.delete([cursorKey('claude-code', config.machine)]);
    await sync();
    expect(await unchangedLogSources(config, store)).not.toBeNull();
    expect(await unchangedLogSources({ ...config, sources: [...config.sources, 'demo'] }, store)).toBeNull();
  });
});

describe('recordUnchangedRun', () => {
  it('writes the status a sync that read nothing writes, keeping the last error time', async () => {
    const key = statusKey('claude-code', config.machine);
    const previous = sourceStatusSchema.parse(JSON.parse(store.text(key)!));
    await store.put(key, JSON.stringify({ ...previous, last_error_at: '2026-11-19T08:00:00.000Z' }));
    const at = new Date(`${END_DAY}T23:30:00Z`);
    await recordUnchangedRun(config, store, ['claude-code'], at);
    expect(sourceStatusSchema.parse(JSON.parse(store.text(key)!))).toEqual({
      source: 'claude-code',
      machine: 'laptop',
      last_run_at: at.toISOString(),
      last_success_at: at.toISOString(),
      last_error: null,
      last_error_at: '2026-11-19T08:00:00.000Z',
      last_run: { read: 0, records: 0, duplicates: 0, quarantined: 0, skipped: 0, objects_written: 0 },
    });
  });
});
