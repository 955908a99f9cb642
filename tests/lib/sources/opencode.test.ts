// OpenCode: its SQLite database (tests/fixtures/opencode, built by make-fixtures.py with real
// SQLite in OpenCode's schema from anomalyco/opencode packages/opencode/src/session/session.sql.ts;
// message `data` shaped like MessageV2.Assistant as ccusage adapter/opencode reads it) and the
// per-message JSON files of older versions. Expected numbers come from rows.json, the rows as
// written, with the token rules worked out here: uncached input = tokens.input, output =
// output + reasoning, cache write/read as stored, OpenCode's cost kept when above 0.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { createOpenCodeSource } from '../../../lib/sources/opencode/index.ts';
import { columnsOf, openSqlite } from '../../../lib/sources/opencode/sqlite.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/opencode');
interface Row {
  role: string;
  time: { created: number; completed?: number };
  modelID?: string;
  cost?: number;
  tokens?: { input: number; output: number; reasoning: number; cache: { read: number; write: number } };
}
const rows = JSON.parse(readFileSync(join(FIXTURES, 'rows.json'), 'utf8')) as Record<'main' | 'wal', Record<string, Row>>;

/** What the lake should hold for these rows, computed from the rows themselves. */
function expected(set: Record<string, Row>) {
  const assistant = Object.values(set).filter((r) => r.role === 'assistant' && r.tokens);
  return {
    records: assistant.length,
    input: assistant.reduce((s, r) => s + r.tokens!.input, 0),
    output: assistant.reduce((s, r) => s + r.tokens!.output + r.tokens!.reasoning, 0),
    cacheRead: assistant.reduce((s, r) => s + r.tokens!.cache.read, 0),
    cacheWrite: assistant.reduce((s, r) => s + r.tokens!.cache.write, 0),
    reported: assistant.filter((r) => (r.cost ?? 0) > 0).length,
  };
}

let data: string;
beforeEach(() => {
  data = mkdtempSync(join(tmpdir(), 'tl-opencode-'));
});
afterEach(() => rmSync(data, { recursive: true, force: true }));

function context(store: MemoryStore, env: Record<string, string> = {}) {
  const config = parseConfig({ XDG_DATA_HOME: data, TOKENLAKE_USER: 'alice', TOKENLAKE_MACHINE: 'laptop-1', ...env });
  return { store, config, now: new Date('2026-03-02T00:00:00Z'), log: silentLogger };
}

const sum = (records: Array<Record<string, unknown>>, field: string) => records.reduce((s, r) => s + (r[field] as number), 0);

describe('sqlite reader', () => {
  it('reads every row of a multi-level table b-tree, overflow pages included, as SQLite wrote them', async () => {
    const db = await openSqlite(join(FIXTURES, 'opencode.db'));
    try {
      const tables = await db.tables();
      const message = tables.get('message')!;
      expect(message.columns).toEqual(['id', 'session_id', 'time_created', 'time_updated', 'data']);
      const seen: Record<string, unknown> = {};
      await db.scan(message, (_rowid, row) => {
        seen[row.id as string] = JSON.parse(row.data as string);
      });
      expect(seen).toEqual(rows.main);
      expect(((seen.msg_0007 as { summary: string }).summary ?? '').length).toBe(3000);
    } finally {
      await db.close();
    }
  });

  it('takes the committed pages of the -wal file over the database file', async () => {
    const db = await openSqlite(join(FIXTURES, 'wal', 'opencode.db'));
    try {
      const ids: string[] = [];
      await db.scan((await db.tables()).get('message')!, (_rowid, row) => ids.push(row.id as string));
      // Rows 1-10 were checkpointed into the file, 11-15 exist only in the -wal.
      expect(ids).toEqual(Object.keys(rows.wal));
    } finally {
      await db.close();
    }
  });

  it('parses column names and the rowid alias from CREATE TABLE statements', () => {
    expect(columnsOf('CREATE TABLE "t" ("a b" integer PRIMARY KEY, `c` text, [d] real, e, CONSTRAINT x UNIQUE (c))')).toEqual({
      columns: ['a b', 'c', 'd', 'e'],
      rowidColumn: 'a b',
    });
  });

  it('refuses a file that is not a database', async () => {
    const path = join(data, 'opencode.db');
    writeFileSync(path, 'not sqlite at all, just text that is long enough to hold a header of one hundred bytes.........');
    await expect(openSqlite(path)).rejects.toThrow(/not an SQLite database/);
  });
});

describe('opencode source', () => {
  it('turns the database messages into one record per assistant message with tokens', async () => {
    mkdirSync(join(data, 'opencode'));
    copyFileSync(join(FIXTURES, 'opencode.db'), join(data, 'opencode', 'opencode.db'));
    const store = new MemoryStore();
    const pull = await createOpenCodeSource().pull(context(store));
    await pull.commit();

    const want = expected(rows.main);
    expect(pull.records).toHaveLength(want.records);
    expect(sum(pull.records, 'input_tokens')).toBe(want.input);
    expect(sum(pull.records, 'output_tokens')).toBe(want.output);
    expect(sum(pull.records, 'cache_read_tokens')).toBe(want.cacheRead);
    expect(sum(pull.records, 'cache_creation_tokens')).toBe(want.cacheWrite);
    expect(pull.records.filter((r) => r.cost_source === 'reported')).toHaveLength(want.reported);
    expect(pull.stats.skippedByReason['not-usage']).toBe(Object.values(rows.main).filter((r) => r.role === 'user').length);
    const second = pull.records.find((r) => r.ts === new Date(rows.main.msg_0002!.time.created).toISOString())!;
    // msg_0002: input 20, output 14 + reasoning 2, cache read 1002, write 0, latency 1502 ms, cost 0.002 reported.
    expect(second).toMatchObject({
      source: 'opencode',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      project: 'web',
      session: 'ses_1',
      user: 'alice',
      machine: 'laptop-1',
      input_tokens: 20,
      output_tokens: 16,
      cache_read_tokens: 1002,
      cache_creation_tokens: 0,
      latency_ms: 1502,
      cost_usd: 0.002,
      cost_source: 'reported',
    });
    expect(pull.records.find((r) => r.model === 'gpt-5')?.provider).toBe('openai');

    // Nothing changed: nothing read, nothing written.
    const again = await createOpenCodeSource().pull(context(store));
    expect(again.records).toEqual([]);
    expect(again.stats.read).toBe(0);
  });

  it('reads rows that are still in the -wal file, and on a later sync only what is new', async () => {
    mkdirSync(join(data, 'opencode'));
    // First the checkpointed file alone (as before OpenCode wrote more) …
    copyFileSync(join(FIXTURES, 'wal', 'opencode.db'), join(data, 'opencode', 'opencode.db'));
    const store = new MemoryStore();
    const first = await createOpenCodeSource().pull(context(store));
    await first.commit();
    const firstTen = Object.fromEntries(Object.entries(rows.wal).slice(0, 10));
    expect(first.records).toHaveLength(expected(firstTen).records);
    // … then its -wal with five more messages appears.
    copyFileSync(join(FIXTURES, 'wal', 'opencode.db-wal'), join(data, 'opencode', 'opencode.db-wal'));
    const second = await createOpenCodeSource().pull(context(store));
    await second.commit();
    const want = expected(rows.wal);
    expect(first.records.length + second.records.length).toBe(want.records);
    expect(sum([...first.records, ...second.records], 'input_tokens')).toBe(want.input);
    expect(second.stats.skippedByReason['already-written']).toBe(first.records.length);
    expect(new Set([...first.records, ...second.records].map((r) => r.id)).size).toBe(want.records);
  });

  it('reads the message files of older versions, keyed like the database, and quarantines a bad one once', async () => {
    const dir = join(data, 'opencode', 'storage', 'message', 'ses_1');
    mkdirSync(dir, { recursive: true });
    // The shape ccusage's loads_message_json_files fixture uses (adapter/opencode/loader.rs).
    const file = (id: string, body: unknown) => writeFileSync(join(dir, `${id}.json`), JSON.stringify(body));
    file('msg_a', {
      id: 'msg_a',
      sessionID: 'ses_1',
      role: 'assistant',
      providerID: 'anthropic',
      modelID: 'claude-sonnet-4-20250514',
      time: { created: 1767312000000 },
      tokens: { input: 100, output: 50, reasoning: 0, cache: { read: 10, write: 20 } },
      cost: 0.02,
    });
    // An older version's reasoning inside output: the total (input + cache + output) says so.
    file('msg_b', {
      id: 'msg_b',
      sessionID: 'ses_1',
      role: 'assistant',
      providerID: 'openai',
      modelID: 'gpt-5',
      time: { created: 1767312060000 },
      tokens: { input: 200, output: 90, reasoning: 40, total: 390, cache: { read: 100, write: 0 } },
      cost: 0,
    });
    file('msg_c', { id: 'msg_c', role: 'assistant', modelID: 'gpt-5', time: { created: 'yesterday' }, tokens: { input: 1 } });
    writeFileSync(join(dir, 'msg_d.json'), '{"id":"msg_d","role":"assis');
    const store = new MemoryStore();
    const pull = await createOpenCodeSource().pull(context(store));
    await pull.commit();
    expect(
      pull.records
        .map((r) => [r.model, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_creation_tokens, r.cost_source])
        .sort(),
    ).toEqual([
      ['claude-sonnet-4-20250514', 100, 50, 10, 20, 'reported'],
      ['gpt-5', 200, 90, 100, 0, 'unpriced'],
    ]);
    expect(pull.quarantine.map((q) => q.origin).sort()).toEqual(['storage/message/ses_1/msg_c.json', 'storage/message/ses_1/msg_d.json']);
    expect(pull.quarantine[0]!.reason).toMatch(/time\.created/);

    // msg_a grows (OpenCode rewrites the file as the response streams): only it is written again.
    file('msg_a', {
      id: 'msg_a',
      sessionID: 'ses_1',
      role: 'assistant',
      providerID: 'anthropic',
      modelID: 'claude-sonnet-4-20250514',
      time: { created: 1767312000000 },
      tokens: { input: 100, output: 80, reasoning: 0, cache: { read: 10, write: 20 } },
      cost: 0.03,
    });
    writeFileSync(join(dir, 'msg_c.json'), `${readFileSync(join(dir, 'msg_c.json'), 'utf8')} `);
    const later = await createOpenCodeSource().pull(context(store));
    expect(later.records.map((r) => r.output_tokens)).toEqual([80]);
    expect(later.records[0]!.id).toBe(pull.records.find((r) => r.input_tokens === 100)!.id);
    // msg_c changed but is still bad: already quarantined, not again.
    expect(later.quarantine).toEqual([]);
  });

  it('fails with the folder it looked in when OpenCode has no data folder', async () => {
    await expect(createOpenCodeSource().pull(context(new MemoryStore()))).rejects.toThrow(/no OpenCode data folder found .*opencode/);
  });

  it('reads the database OPENCODE_DB names', async () => {
    const elsewhere = join(data, 'elsewhere', 'my.db');
    mkdirSync(dirname(elsewhere), { recursive: true });
    copyFileSync(join(FIXTURES, 'opencode.db'), elsewhere);
    const pull = await createOpenCodeSource().pull(context(new MemoryStore(), { OPENCODE_DB: elsewhere }));
    expect(pull.records).toHaveLength(expected(rows.main).records);
  });
});
