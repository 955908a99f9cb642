// Parser threads give the same lake as one thread: the same objects with the same bytes, the same
// rollups and the same cursor, on a generated tree with every awkward case (streaming copies,
// replays across files, malformed and half-written lines), pulled in several rounds.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLogTree } from '../../../bench/generate-logs.ts';
import { parseConfig } from '../../../lib/config/config.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { runAnalyze, touchedDays } from '../../../lib/pipeline/analyze.ts';
import { runSync } from '../../../lib/pipeline/sync.ts';
import { createClaudeCodeSource } from '../../../lib/sources/claude-code/index.ts';
import { sourceParserThreads } from '../../../lib/sources/claude-code/parsers.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const END_DAY = '2026-11-20';
const now = () => new Date(`${END_DAY}T23:00:00Z`);
let dir: string;
let unique = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-threads-'));
  // Some messages end in a half-written line, left for the next sync: the tree says how many are whole.
  unique = generateLogTree({ dir, messages: 1500, days: 4, endDay: END_DAY, seed: 3 }).counts.uniqueMessages;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function syncWith(threads: boolean) {
  const store = new MemoryStore();
  const config = parseConfig({ CLAUDE_CONFIG_DIR: dir, TOKENLAKE_SOURCES: 'claude-code', TOKENLAKE_MACHINE: 'm', TOKENLAKE_USER: 'u' });
  const pricer = createPricer();
  // Rounds of 200 KB: several parts, each split between the threads.
  const source = createClaudeCodeSource({ roundBytes: 200_000, threadMinBytes: 0 });
  const result = await runSync(
    { store, config, now, log: silentLogger, pricer, sources: [source] },
    {
      handover: true,
      ...(threads ? { parserThreads: sourceParserThreads(2) } : {}),
    },
  );
  await runAnalyze({ store, pricer, now, timeZone: 'UTC', log: silentLogger }, { days: touchedDays(result.keys), fresh: result.fresh });
  return { store, result };
}

describe('claude-code on parser threads', () => {
  it('writes the same objects, rollups and cursor as one thread', async () => {
    const one = await syncWith(false);
    const two = await syncWith(true);
    const stats = (r: typeof one) => r.result.outcomes[0]?.stats;
    expect(stats(two)).toEqual(stats(one));
    expect(stats(one)?.records).toBe(unique);
    const parts = one.store.keys('lake/usage/').filter((k) => /-p\d+\.jsonl$/.test(k));
    expect(parts.length).toBeGreaterThan(3);
    expect(two.store.keys('lake/')).toEqual(one.store.keys('lake/'));
    for (const key of one.store.keys('lake/')) expect(two.store.text(key), key).toBe(one.store.text(key));
    // Costs are sums of floats added in another order (per thread, then merged): equal to 1e-9.
    const rounded = (text: string) =>
      JSON.parse(text, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e9) / 1e9 : v));
    for (const key of one.store.keys('rollups/')) {
      const a = rounded(one.store.text(key)!);
      const b = rounded(two.store.text(key)!);
      expect({ ...b, built_at: '' }, key).toEqual({ ...a, built_at: '' });
    }
    expect(two.store.text('state/machines/m/cursors/claude-code.json')).toBe(one.store.text('state/machines/m/cursors/claude-code.json'));
    expect(two.store.keys('quarantine/').map((k) => two.store.text(k))).toEqual(
      one.store.keys('quarantine/').map((k) => one.store.text(k)),
    );
  }, 120_000);
});
