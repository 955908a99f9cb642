// Gemini CLI chats shaped like google-gemini/gemini-cli writes them
// (packages/core/src/services/chatRecordingService.ts, chatRecordingTypes.ts): a .jsonl chat is a
// metadata line, then messages appended each time they change (a gemini message first without
// tokens, again once recordMessageTokens fills them), `$set` metadata updates and `$rewindTo`; the
// older .json chat is one ConversationRecord. Token counts as Gemini's usageMetadata reports them.

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { createGeminiCliSource } from '../../../lib/sources/gemini-cli/index.ts';
import { geminiTokenKinds } from '../../../lib/sources/gemini-cli/parser.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const SESSION = '5f0c2a5e-8a51-4d8b-9a0e-6c0f2d7b1e43';
let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'tl-gemini-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const chats = () => join(home, '.gemini', 'tmp', 'web', 'chats');
function write(relative: string, text: string) {
  mkdirSync(dirname(join(chats(), relative)), { recursive: true });
  writeFileSync(join(chats(), relative), text);
}
const jsonl = (...records: unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');
const gemini = (id: string, ts: string, tokens: unknown, model = 'gemini-2.5-pro') => ({
  id,
  timestamp: ts,
  type: 'gemini',
  content: [{ text: 'done' }],
  thoughts: [],
  tokens,
  model,
});
const tokens = (input: number, output: number, cached: number, thoughts: number, tool = 0) => ({
  input,
  output,
  cached,
  thoughts,
  tool,
  total: input + output + thoughts + tool,
});

function context(store: MemoryStore) {
  const config = parseConfig({ GEMINI_CLI_HOME: home, TOKENLAKE_USER: 'alice', TOKENLAKE_MACHINE: 'laptop-1' });
  return { store, config, now: new Date('2026-03-02T00:00:00Z'), log: silentLogger };
}

describe('geminiTokenKinds', () => {
  it('takes the cached part out of the prompt and adds thoughts and tool prompts where Gemini counts them', () => {
    // Gemini API: prompt 12000 includes 8000 cached; 300 output + 120 thoughts; 50 tool-use prompt.
    expect(geminiTokenKinds({ prompt: 12000, candidates: 300, cached: 8000, thoughts: 120, tool: 50, total: 12470 })).toEqual({
      input: 4050,
      cacheRead: 8000,
      output: 420,
    });
    // A converter whose prompt excludes the cache and whose candidates hold the thoughts: the total shows it.
    expect(geminiTokenKinds({ prompt: 4000, candidates: 420, cached: 8000, thoughts: 120, tool: 0, total: 12420 })).toEqual({
      input: 4000,
      cacheRead: 8000,
      output: 420,
    });
  });
});

describe('gemini-cli source', () => {
  it('counts each response once, by the largest copy of its message, and quarantines bad lines', async () => {
    write(
      `session-2026-03-01T10-00-${SESSION.slice(0, 8)}.jsonl`,
      jsonl(
        {
          sessionId: SESSION,
          projectHash: 'a'.repeat(64),
          startTime: '2026-03-01T10:00:00.000Z',
          lastUpdated: '2026-03-01T10:00:00.000Z',
          kind: 'main',
        },
        { id: 'u1', timestamp: '2026-03-01T10:00:01.000Z', type: 'user', content: [{ text: 'fix the build' }] },
        gemini('m1', '2026-03-01T10:00:05.000Z', null),
        // recordMessageTokens appends the same message again with its tokens.
        gemini('m1', '2026-03-01T10:00:05.000Z', tokens(12000, 300, 8000, 120)),
        { $set: { lastUpdated: '2026-03-01T10:00:06.000Z' } },
        gemini('m2', '2026-03-01T10:01:00.000Z', tokens(15000, 500, 12000, 0, 40), 'gemini-2.5-flash'),
        { $rewindTo: 'm2' },
      ) + '{"id":"m3","timestamp":"2026-03-01T10:02:00.000Z","type":"gemini","tokens":{"input":-1,"output":2,"cached":0}}\nnot json\n',
    );
    writeFileSync(join(home, '.gemini', 'tmp', 'web', '.project_root'), '/home/alice/code/web\n');
    const store = new MemoryStore();
    const pull = await createGeminiCliSource().pull(context(store));
    await pull.commit();

    // m1: uncached 12000-8000 = 4000, cache read 8000, output 300+120 = 420.
    // m2 (rewound, still billed): uncached 15000-12000+40 = 3040, cache read 12000, output 500.
    const byTs = [...pull.records].sort((a, b) => a.ts.localeCompare(b.ts));
    expect(byTs.map((r) => [r.model, r.input_tokens, r.cache_read_tokens, r.output_tokens])).toEqual([
      ['gemini-2.5-pro', 4000, 8000, 420],
      ['gemini-2.5-flash', 3040, 12000, 500],
    ]);
    expect(byTs[0]).toMatchObject({ source: 'gemini-cli', provider: 'google', project: 'web', session: SESSION, user: 'alice' });
    expect(pull.quarantine.map((q) => q.line)).toEqual([8, 9]);
    expect(pull.quarantine[0]!.reason).toMatch(/must not be negative/);

    // The chat grows: only the new response is written; the old bad lines are not quarantined again.
    appendFileSync(
      join(chats(), `session-2026-03-01T10-00-${SESSION.slice(0, 8)}.jsonl`),
      jsonl(gemini('m4', '2026-03-01T10:03:00.000Z', tokens(20000, 100, 19000, 0))),
    );
    const next = await createGeminiCliSource().pull(context(store));
    await next.commit();
    expect(next.records.map((r) => [r.input_tokens, r.cache_read_tokens, r.output_tokens])).toEqual([[1000, 19000, 100]]);
    expect(next.quarantine).toEqual([]);
    expect(next.stats.skippedByReason['already-written']).toBe(2);
  });

  it('reads an older .json chat and counts a chat migrated to .jsonl once', async () => {
    const legacy = {
      sessionId: SESSION,
      projectHash: 'b'.repeat(64),
      startTime: '2026-02-01T09:00:00.000Z',
      lastUpdated: '2026-02-01T09:05:00.000Z',
      messages: [
        { id: 'u1', timestamp: '2026-02-01T09:00:00.000Z', type: 'user', content: 'hi' },
        gemini('g1', '2026-02-01T09:00:10.000Z', tokens(1000, 200, 0, 50)),
      ],
    };
    write('session-2026-02-01T09-00-5f0c2a5e.json', JSON.stringify(legacy));
    // Resuming migrates it: the same messages appended to a .jsonl beside it.
    write('session-2026-02-01T09-00-5f0c2a5e.jsonl', jsonl({ sessionId: SESSION, projectHash: 'b'.repeat(64) }, ...legacy.messages));
    const pull = await createGeminiCliSource().pull(context(new MemoryStore()));
    expect(pull.records).toHaveLength(1);
    expect(pull.records[0]).toMatchObject({ input_tokens: 1000, output_tokens: 250, cache_read_tokens: 0, project: 'web' });
    expect(pull.stats.duplicates).toBe(1);
  });

  it('fails with the folder it looked in when Gemini CLI has no chats folder', async () => {
    await expect(createGeminiCliSource().pull(context(new MemoryStore()))).rejects.toThrow(
      /no Gemini CLI chats folder found .*\.gemini\/tmp.*GEMINI_CLI_HOME/,
    );
  });
});
