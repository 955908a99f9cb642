import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { runAnalyze } from '../../../lib/pipeline/analyze.ts';
import { runSync } from '../../../lib/pipeline/sync.ts';
import { createClaudeCodeSource } from '../../../lib/sources/claude-code/index.ts';
import { hasTranscripts, projectName } from '../../../lib/sources/claude-code/paths.ts';
import { claudeAssistantLineSchema, parseAssistantLineFast } from '../../../lib/sources/claude-code/schema.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { assistantLine, userLine, writeLog } from '../../support/claude-logs.ts';
import { MemoryStore } from '../../support/memory-store.ts';

let root: string;
let store: MemoryStore;

function context() {
  const config = parseConfig({
    CLAUDE_CONFIG_DIR: root,
    TOKENLAKE_SOURCES: 'claude-code',
    TOKENLAKE_USER: 'alice',
    TOKENLAKE_MACHINE: 'laptop-1',
  });
  return { store, config, now: new Date('2026-03-02T00:00:00Z'), log: silentLogger };
}

async function pullAndCommit() {
  const pull = await createClaudeCodeSource().pull(context());
  await pull.commit();
  return pull;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tl-cc-'));
  store = new MemoryStore();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('claude-code source', () => {
  it('de-duplicates one response written as several lines, across files, keeping the largest copy', async () => {
    writeLog(root, '-home-alice-code-web/s1.jsonl', [
      userLine('2026-03-01T10:00:00.000Z'),
      // Streaming copy first (fewer output tokens), then the final copy of the same response.
      assistantLine({ ts: '2026-03-01T10:00:01.000Z', msgId: 'msg_1', requestId: 'req_1', input: 10, output: 5, cacheRead: 100 }),
      assistantLine({ ts: '2026-03-01T10:00:02.000Z', msgId: 'msg_1', requestId: 'req_1', input: 10, output: 50, cacheRead: 100 }),
      assistantLine({
        ts: '2026-03-01T10:01:00.000Z',
        msgId: 'msg_2',
        requestId: 'req_2',
        input: 20,
        output: 30,
        cacheWrite: 400,
        cacheWrite1h: 100,
      }),
    ]);
    // A resumed session replays msg_1 into another file.
    writeLog(root, '-home-alice-code-web/s2.jsonl', [
      assistantLine({
        ts: '2026-03-01T11:00:00.000Z',
        msgId: 'msg_1',
        requestId: 'req_1',
        input: 10,
        output: 50,
        cacheRead: 100,
        session: 's2',
      }),
    ]);
    const pull = await pullAndCommit();
    expect(pull.records).toHaveLength(2);
    const byOutput = pull.records.map((r) => r.output_tokens).sort((a, b) => a - b);
    expect(byOutput).toEqual([30, 50]);
    const totals = pull.records.reduce(
      (a, r) => ({
        input: a.input + r.input_tokens,
        write: a.write + r.cache_creation_tokens,
        w1h: a.w1h + r.cache_creation_1h_tokens,
        read: a.read + r.cache_read_tokens,
      }),
      { input: 0, write: 0, w1h: 0, read: 0 },
    );
    expect(totals).toEqual({ input: 30, write: 400, w1h: 100, read: 100 });
    expect(pull.stats.duplicates).toBe(2);
    expect(pull.stats.skippedByReason['not-usage']).toBe(1);
    expect(pull.records.every((r) => r.project === 'web' && r.user === 'alice' && r.machine === 'laptop-1')).toBe(true);
  });

  it('quarantines bad lines with a reason and keeps the good ones around them', async () => {
    writeLog(root, 'proj/s.jsonl', [
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 1, output: 2 }),
      '{"type":"assistant","message":{"usage":', // truncated JSON
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm2', requestId: 'r2', input: -5, output: 2 }),
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm3', requestId: 'r3', input: 1.5, output: 2 }),
      assistantLine({ ts: 'yesterday', msgId: 'm4', requestId: 'r4', input: 1, output: 2 }),
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm5', requestId: 'r5', model: '', input: 1, output: 2 }),
      'not json at all',
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm6', requestId: 'r6', model: '<synthetic>' }),
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm7', requestId: 'r7' }),
      assistantLine({ ts: '2026-03-01T10:05:00.000Z', msgId: 'm8', requestId: 'r8', input: 3, output: 4 }),
    ]);
    const pull = await pullAndCommit();
    expect(pull.records.map((r) => r.input_tokens).sort()).toEqual([1, 3]);
    expect(pull.stats.quarantined).toBe(6);
    expect(pull.quarantine).toHaveLength(6);
    expect(pull.quarantine.map((q) => q.line)).toEqual([2, 3, 4, 5, 6, 7]);
    const reasons = pull.quarantine.map((q) => q.reason).join('\n');
    expect(reasons).toMatch(/input_tokens: must not be negative/);
    expect(reasons).toMatch(/input_tokens: must be a whole number/);
    expect(reasons).toMatch(/timestamp/);
    expect(reasons).toMatch(/model is empty/);
    expect(pull.stats.skippedByReason).toMatchObject({ synthetic: 1, 'zero-usage': 1 });
  });

  it('quarantines a line that is not valid UTF-8 and accepts CRLF line ends', async () => {
    const path = writeLog(root, 'proj/s.jsonl', []);
    const good = assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 7, output: 1 });
    const bad = Buffer.concat([
      Buffer.from('{"type":"assistant","message":{"usage":{},"model":"x\xff'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}'),
    ]);
    writeFileSync(path, Buffer.concat([Buffer.from(`${good}\r\n`), bad, Buffer.from('\r\n')]));
    const pull = await pullAndCommit();
    expect(pull.records.map((r) => r.input_tokens)).toEqual([7]);
    expect(pull.quarantine.map((q) => q.reason)).toEqual([expect.stringMatching(/not valid UTF-8/)]);
  });

  it('reads only appended lines on the next sync and leaves a partial last line for later', async () => {
    const line1 = assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 1, output: 1 });
    const line2 = assistantLine({ ts: '2026-03-01T10:01:00.000Z', msgId: 'm2', requestId: 'r2', input: 2, output: 2 });
    writeLog(root, 'proj/s.jsonl', [line1, line2.slice(0, 40)], { trailingNewline: false });
    const first = await pullAndCommit();
    expect(first.records.map((r) => r.input_tokens)).toEqual([1]);

    writeLog(root, 'proj/s.jsonl', [line2.slice(40)], { append: true });
    const second = await pullAndCommit();
    expect(second.records.map((r) => r.input_tokens)).toEqual([2]);

    const third = await pullAndCommit();
    expect(third.records).toHaveLength(0);
    expect(third.stats.read).toBe(0);
  });

  it('re-reads a truncated or replaced file from the start', async () => {
    const path = writeLog(root, 'proj/s.jsonl', [
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 1, output: 1 }),
      assistantLine({ ts: '2026-03-01T10:01:00.000Z', msgId: 'm2', requestId: 'r2', input: 2, output: 2 }),
    ]);
    await pullAndCommit();
    truncateSync(path, 0);
    writeLog(root, 'proj/s.jsonl', [assistantLine({ ts: '2026-03-01T12:00:00.000Z', msgId: 'm9', requestId: 'r9', input: 9, output: 9 })]);
    const after = await pullAndCommit();
    expect(after.records.map((r) => r.input_tokens)).toEqual([9]);
  });

  it('gives lines without a message id their own record each, stable across re-reads', async () => {
    writeLog(root, 'proj/s.jsonl', [
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', uuid: 'a', input: 1, output: 1 }),
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', uuid: 'b', input: 1, output: 1 }),
    ]);
    const pull = await createClaudeCodeSource().pull(context());
    const again = await createClaudeCodeSource().pull(context());
    expect(pull.records).toHaveLength(2);
    expect(pull.records.map((r) => r.id).sort()).toEqual(again.records.map((r) => r.id).sort());
    expect(pull.batchIdFor('2026-03-01')).toBe(again.batchIdFor('2026-03-01'));
  });

  it('fails with a clear message when no log directory exists', async () => {
    rmSync(root, { recursive: true, force: true });
    await expect(createClaudeCodeSource().pull(context())).rejects.toThrow(/no Claude Code log directory found .*CLAUDE_CONFIG_DIR/);
  });
});

describe('projectName', () => {
  it('takes the basename of the working dir that encodes to the project folder', () => {
    expect(projectName('/home/alice/code/web', '-home-alice-code-web')).toBe('web');
    expect(projectName('/home/alice/code/web/src/lib', '-home-alice-code-web')).toBe('web');
    expect(projectName('/home/alice/my.app', '-home-alice-my-app')).toBe('my.app');
    expect(projectName(undefined, '-home-alice-code-web')).toBe('-home-alice-code-web');
  });
});

describe('parseAssistantLineFast', () => {
  it('never accepts a line the schema rejects, and accepts the lines Claude Code writes', () => {
    const base = JSON.parse(
      assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm', requestId: 'r', input: 1, output: 2, cacheWrite: 3, cacheWrite1h: 1 }),
    );
    expect(parseAssistantLineFast(base)).not.toBeNull();
    const odd = fc.oneof(
      fc.constantFrom(null, undefined, -1, 1.5, 2 ** 60, '', 'x', true, [], {}, '2026-02-30T10:00:00Z', '2026-03-01T10:00:00+02:00'),
      fc.string(),
      fc.integer(),
    );
    const paths = [
      'type',
      'timestamp',
      'sessionId',
      'requestId',
      'costUSD',
      'isSidechain',
      'message',
      'message.id',
      'message.model',
      'message.usage',
      'message.usage.input_tokens',
      'message.usage.output_tokens',
      'message.usage.cache_read_input_tokens',
      'message.usage.cache_creation',
      'message.usage.cache_creation.ephemeral_1h_input_tokens',
      'message.usage.service_tier',
    ];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), odd), { maxLength: 3 }), (changes) => {
        const line = structuredClone(base);
        for (const [path, value] of changes) {
          const parts = path.split('.');
          let target: Record<string, unknown> | undefined = line;
          for (const p of parts.slice(0, -1))
            target = typeof target?.[p] === 'object' && target[p] !== null ? (target[p] as Record<string, unknown>) : undefined;
          if (target) target[parts[parts.length - 1]!] = value;
        }
        if (parseAssistantLineFast(line) !== null) expect(claudeAssistantLineSchema.safeParse(line).success).toBe(true);
      }),
      { numRuns: 3000, seed: 9 },
    );
  });
});

describe('hasTranscripts', () => {
  it('is true only when a projects folder holds a transcript somewhere below it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-has-'));
    try {
      const projects = join(dir, 'projects');
      expect(hasTranscripts(projects)).toBe(false);
      mkdirSync(join(projects, 'p', 's1', 'subagents'), { recursive: true });
      expect(hasTranscripts(projects)).toBe(false);
      writeFileSync(join(projects, 'p', 's1', 'subagents', 'agent-1.jsonl'), '');
      expect(hasTranscripts(projects)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('writing a long pull in parts', () => {
  it('writes a later, larger copy of a response again, and analyze keeps the larger', async () => {
    writeLog(root, 'p/a.jsonl', [assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 10, output: 5 })]);
    writeLog(root, 'p/b.jsonl', [
      assistantLine({ ts: '2026-03-01T10:00:01.000Z', msgId: 'm1', requestId: 'r1', input: 10, output: 500 }),
      assistantLine({ ts: '2026-03-01T10:00:02.000Z', msgId: 'm1', requestId: 'r1', input: 10, output: 50 }),
    ]);
    writeLog(root, 'p/c.jsonl', [assistantLine({ ts: '2026-03-01T11:00:00.000Z', msgId: 'm2', requestId: 'r2', input: 1, output: 1 })]);
    const ctx = context();
    const result = await runSync({
      ...ctx,
      now: () => ctx.now,
      pricer: createPricer(),
      sources: [createClaudeCodeSource({ roundBytes: 1 })],
    });
    expect(result.outcomes[0]?.stats).toMatchObject({ records: 2, duplicates: 2 });
    const lines = store.keys('lake/usage/').flatMap((k) => store.text(k)!.trim().split('\n'));
    expect(lines).toHaveLength(3); // m1 twice (5 then 500 output tokens), m2 once
    const analytics = (await runAnalyze({ store, pricer: createPricer(), now: () => ctx.now, timeZone: 'UTC', log: silentLogger }))
      .analytics;
    expect(analytics.windows['7d'].totals.output_tokens).toBe(501);
    expect(analytics.windows['7d'].totals.requests).toBe(2);
  });
});
