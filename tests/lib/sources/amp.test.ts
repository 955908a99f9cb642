// Amp threads shaped like the ones ccusage (rust/crates/ccusage/src/adapter/amp/parser.rs tests)
// and tokscale (crates/tokscale-core/src/sessions/amp.rs) read: one JSON per thread under
// ~/.local/share/amp/threads, assistant messages with Anthropic-style `usage`, and `usageLedger.events`.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { createAmpSource } from '../../../lib/sources/amp/index.ts';
import { MemoryStore } from '../../support/memory-store.ts';

let data: string;
beforeEach(() => {
  data = mkdtempSync(join(tmpdir(), 'tl-amp-'));
  mkdirSync(join(data, 'amp', 'threads'), { recursive: true });
});
afterEach(() => rmSync(data, { recursive: true, force: true }));

const thread = (id: string, body: Record<string, unknown>) =>
  writeFileSync(join(data, 'amp', 'threads', `${id}.json`), JSON.stringify({ v: 120, id, created: 1768822920000, ...body }));
const usage = (model: string, input: number, output: number, write: number, read: number, timestamp?: string) => ({
  model,
  inputTokens: input,
  outputTokens: output,
  cacheCreationInputTokens: write,
  cacheReadInputTokens: read,
  totalInputTokens: input + write + read,
  ...(timestamp ? { timestamp } : {}),
});

function context(store: MemoryStore) {
  const config = parseConfig({ XDG_DATA_HOME: data, TOKENLAKE_USER: 'alice', TOKENLAKE_MACHINE: 'laptop-1' });
  return { store, config, now: new Date('2026-03-02T00:00:00Z'), log: silentLogger };
}

describe('amp source', () => {
  it('one record per assistant message; a ledger event for the same message is not counted again', async () => {
    thread('T-1', {
      env: { initial: { trees: [{ displayName: 'web', uri: 'file:///home/alice/code/web' }] } },
      messages: [
        { role: 'user', messageId: 0, content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', messageId: 1, usage: usage('claude-haiku-4-5-20251001', 10, 178, 986, 11372, '2026-01-19T11:42:10.652Z') },
        { role: 'assistant', messageId: 2, usage: usage('claude-sonnet-4-5-20250929', 5, 42, 0, 12000) },
        { role: 'assistant', messageId: 3, usage: { model: 'claude-sonnet-4-5-20250929', inputTokens: -4 } },
      ],
      usageLedger: {
        events: [
          {
            id: 'e1',
            timestamp: '2026-01-19T11:42:10.000Z',
            model: 'claude-haiku-4-5-20251001',
            credits: 1.2,
            tokens: { input: 10, output: 178 },
            operationType: 'inference',
            fromMessageId: 0,
            toMessageId: 1,
          },
          {
            id: 'e2',
            timestamp: '2026-01-19T11:43:00.000Z',
            model: 'claude-sonnet-4-5-20250929',
            credits: 0.4,
            tokens: { input: 5, output: 42 },
            operationType: 'inference',
            fromMessageId: 1,
            toMessageId: 2,
          },
          { id: 'e3', timestamp: '2026-01-19T11:44:00.000Z', model: 'gpt-5', tokens: { input: 300, output: 20 }, operationType: 'title' },
        ],
      },
    });
    const store = new MemoryStore();
    const pull = await createAmpSource().pull(context(store));
    await pull.commit();
    const byTs = [...pull.records].sort((a, b) => a.ts.localeCompare(b.ts));
    expect(byTs.map((r) => [r.ts, r.provider, r.input_tokens, r.output_tokens, r.cache_creation_tokens, r.cache_read_tokens])).toEqual([
      ['2026-01-19T11:42:10.652Z', 'anthropic', 10, 178, 986, 11372],
      // No timestamp in the usage: the ledger event that produced the message dates it.
      ['2026-01-19T11:43:00.000Z', 'anthropic', 5, 42, 0, 12000],
      ['2026-01-19T11:44:00.000Z', 'openai', 300, 20, 0, 0],
    ]);
    expect(byTs[0]).toMatchObject({ source: 'amp', project: 'web', session: 'T-1', cost_source: 'unpriced' });
    expect(pull.quarantine).toHaveLength(1);
    expect(pull.quarantine[0]!.reason).toMatch(/^message 3 usage: /);

    // The thread is rewritten with one more response: only that one is written; the bad one is not quarantined again.
    thread('T-1', {
      messages: [
        { role: 'assistant', messageId: 1, usage: usage('claude-haiku-4-5-20251001', 10, 178, 986, 11372, '2026-01-19T11:42:10.652Z') },
        { role: 'assistant', messageId: 3, usage: { model: 'claude-sonnet-4-5-20250929', inputTokens: -4 } },
        { role: 'assistant', messageId: 4, usage: usage('claude-sonnet-4-5-20250929', 7, 70, 100, 13000, '2026-01-19T11:50:00.000Z') },
      ],
    });
    const next = await createAmpSource().pull(context(store));
    expect(next.records.map((r) => r.output_tokens)).toEqual([70]);
    expect(next.quarantine).toEqual([]);
  });

  it('quarantines a thread that is not JSON and fails when Amp has no threads folder', async () => {
    writeFileSync(join(data, 'amp', 'threads', 'T-2.json'), '{"id":"T-2","messages":[');
    const pull = await createAmpSource().pull(context(new MemoryStore()));
    expect(pull.quarantine.map((q) => q.origin)).toEqual(['threads/T-2.json']);
    rmSync(join(data, 'amp'), { recursive: true });
    await expect(createAmpSource().pull(context(new MemoryStore()))).rejects.toThrow(/no Amp threads folder found/);
  });
});
