// Qwen Code chats shaped like QwenLM/qwen-code writes them (packages/core/src/services/
// chatRecordingService.ts ChatRecord: uuid, parentUuid, sessionId, timestamp, type, cwd, version,
// model, usageMetadata as Gemini's GenerateContentResponseUsageMetadata), one append-only
// <session>.jsonl per session under ~/.qwen/projects/<project>/chats/.

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { createQwenCodeSource } from '../../../lib/sources/qwen-code/index.ts';
import { MemoryStore } from '../../support/memory-store.ts';

let qwen: string;
beforeEach(() => {
  qwen = mkdtempSync(join(tmpdir(), 'tl-qwen-'));
});
afterEach(() => rmSync(qwen, { recursive: true, force: true }));

const base = { cwd: '/home/alice/code/api', version: '0.24.7', gitBranch: 'main' };
const user = (uuid: string, sessionId: string, ts: string) => ({
  ...base,
  uuid,
  parentUuid: null,
  sessionId,
  timestamp: ts,
  type: 'user',
  message: { role: 'user', parts: [{ text: 'add a test' }] },
});
const assistant = (uuid: string, sessionId: string, ts: string, usage: Record<string, number>, model = 'qwen3-coder-plus') => ({
  ...base,
  uuid,
  parentUuid: 'u',
  sessionId,
  timestamp: ts,
  type: 'assistant',
  message: { role: 'model', parts: [{ text: 'ok' }] },
  model,
  usageMetadata: usage,
});
const lines = (...records: unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

function write(project: string, session: string, text: string) {
  const dir = join(qwen, 'projects', project, 'chats');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${session}.jsonl`), text);
  return join(dir, `${session}.jsonl`);
}

function context(store: MemoryStore) {
  const config = parseConfig({ QWEN_RUNTIME_DIR: qwen, TOKENLAKE_USER: 'alice', TOKENLAKE_MACHINE: 'laptop-1' });
  return { store, config, now: new Date('2026-03-02T00:00:00Z'), log: silentLogger };
}

describe('qwen-code source', () => {
  it('counts each assistant record once, a forked copy included, reads only what was appended, and quarantines bad lines', async () => {
    const file = write(
      '-home-alice-code-api',
      's1',
      lines(
        user('u1', 's1', '2026-03-01T10:00:00.000Z'),
        // OpenAI-style provider: prompt 14000 includes 12000 cached; completion 300 holds 80 of reasoning (total says so).
        assistant('a1', 's1', '2026-03-01T10:00:05.000Z', {
          promptTokenCount: 14000,
          candidatesTokenCount: 300,
          cachedContentTokenCount: 12000,
          thoughtsTokenCount: 80,
          totalTokenCount: 14300,
        }),
        {
          ...base,
          uuid: 'sys1',
          parentUuid: 'a1',
          sessionId: 's1',
          timestamp: '2026-03-01T10:00:06.000Z',
          type: 'system',
          subtype: 'ui_telemetry',
          systemPayload: {},
        },
      ) +
        '{"uuid":"a2","sessionId":"s1","timestamp":"2026-03-01T10:01:00.000Z","type":"assistant","usageMetadata":{"promptTokenCount":1.5}}\n',
    );
    // /branch copies records verbatim (same uuid) into a new session.
    write(
      '-home-alice-code-api',
      's2',
      lines(
        assistant('a1', 's2', '2026-03-01T10:00:05.000Z', {
          promptTokenCount: 14000,
          candidatesTokenCount: 300,
          cachedContentTokenCount: 12000,
          thoughtsTokenCount: 80,
          totalTokenCount: 14300,
        }),
      ),
    );
    const store = new MemoryStore();
    const pull = await createQwenCodeSource().pull(context(store));
    await pull.commit();
    expect(pull.records).toHaveLength(1);
    // uncached 14000-12000 = 2000, cache read 12000, output 300 (reasoning already inside).
    expect(pull.records[0]).toMatchObject({
      source: 'qwen-code',
      provider: 'alibaba',
      model: 'qwen3-coder-plus',
      project: 'api',
      input_tokens: 2000,
      cache_read_tokens: 12000,
      output_tokens: 300,
    });
    expect(pull.stats.duplicates).toBe(1);
    expect(pull.quarantine).toHaveLength(1);
    expect(pull.quarantine[0]).toMatchObject({ origin: '-home-alice-code-api/chats/s1.jsonl', line: 4 });

    // Gemini semantics (thoughts outside candidates): prompt 5000 with 1000 cached, 200 + 50 thoughts.
    appendFileSync(
      file,
      lines(
        assistant(
          'a3',
          's1',
          '2026-03-01T10:02:00.000Z',
          {
            promptTokenCount: 5000,
            candidatesTokenCount: 200,
            cachedContentTokenCount: 1000,
            thoughtsTokenCount: 50,
            totalTokenCount: 5250,
          },
          'gemini-2.5-pro',
        ),
      ),
    );
    const next = await createQwenCodeSource().pull(context(store));
    expect(next.records.map((r) => [r.provider, r.input_tokens, r.cache_read_tokens, r.output_tokens])).toEqual([
      ['google', 4000, 1000, 250],
    ]);
    expect(next.stats.read).toBe(1);
    expect(next.quarantine).toEqual([]);
  });

  it('fails with the folder it looked in when Qwen Code has no projects folder', async () => {
    await expect(createQwenCodeSource().pull(context(new MemoryStore()))).rejects.toThrow(
      /no Qwen Code chats folder found .*QWEN_RUNTIME_DIR/,
    );
  });
});
