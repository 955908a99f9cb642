// The benchmark's correctness checks at a tiny size, without timing: the generated Claude Code
// tree and lake go through tokenlake's real sync and analyze (embedded S3 over HTTP), and the
// answers must equal the generators' expected totals — unique messages, tokens by kind per day,
// cost to the cent. The expected totals are also re-derived here from the written files.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lakeTotalsFromFolder, totalsFromAnalyticsDaily } from '../../bench/actual-totals.ts';
import { compareDaily, type DailyTotals, emptyDay, grandTotal, mergeTotals } from '../../bench/expected-totals.ts';
import { generateLake, verifyLakeServed } from '../../bench/generate-lake.ts';
import { appendLogLines, generateLogTree } from '../../bench/generate-logs.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { runAnalyze, touchedDays } from '../../lib/pipeline/analyze.ts';
import { createRuntime } from '../../lib/pipeline/runtime.ts';
import { runSync } from '../../lib/pipeline/sync.ts';
import { FileObjectStore } from '../../lib/store/file-store.ts';
import { createPricer } from '../../lib/usage/pricing/price.ts';

const END_DAY = '2026-11-20';
const now = () => new Date(`${END_DAY}T23:30:00.000Z`);
const ALL = [
  'messages',
  'input_tokens',
  'output_tokens',
  'cache_creation_tokens',
  'cache_creation_1h_tokens',
  'cache_read_tokens',
  'cost_usd',
] as const;
const ANALYTICS = ['messages', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cost_usd'] as const;

const tmp = mkdtempSync(join(tmpdir(), 'tokenlake-bench-smoke-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function jsonlFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.jsonl')).map((f) => join(dir, f));
}

/**
 * Independent of the generator's bookkeeping: every complete line of the tree, one copy per
 * message id + request id (the one with the most tokens), summed per UTC day and priced.
 */
function totalsFromTree(dir: string): DailyTotals {
  type Usage = {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens?: number;
    cache_read_input_tokens?: number;
    cache_creation?: { ephemeral_1h_input_tokens?: number };
  };
  const best = new Map<string, { ts: string; model: string; u: Usage; sum: number }>();
  for (const file of jsonlFiles(join(dir, 'projects'))) {
    const text = readFileSync(file, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n')) {
      let j: { type?: string; timestamp?: string; requestId?: string; message?: { id?: string; model?: string; usage?: Usage } };
      try {
        j = JSON.parse(line);
      } catch {
        continue;
      }
      const u = j.message?.usage;
      if (j.type !== 'assistant' || !u || j.message?.model === '<synthetic>') continue;
      const sum = u.input_tokens + u.output_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
      const key = `${j.message?.id}:${j.requestId}`;
      const seen = best.get(key);
      if (!seen || sum > seen.sum) best.set(key, { ts: j.timestamp!, model: j.message!.model!, u, sum });
    }
  }
  const pricer = createPricer();
  const out: DailyTotals = {};
  for (const { ts, model, u } of best.values()) {
    const day = new Date(ts).toISOString().slice(0, 10);
    const d = out[day] ?? emptyDay();
    out[day] = d;
    const usage = {
      model,
      provider: 'anthropic',
      ts: new Date(ts).toISOString(),
      service_tier: 'standard',
      input_tokens: u.input_tokens,
      output_tokens: u.output_tokens,
      cache_creation_tokens: u.cache_creation_input_tokens ?? 0,
      cache_creation_1h_tokens: u.cache_creation?.ephemeral_1h_input_tokens ?? 0,
      cache_read_tokens: u.cache_read_input_tokens ?? 0,
      requests: 1,
    };
    d.messages++;
    d.input_tokens += usage.input_tokens;
    d.output_tokens += usage.output_tokens;
    d.cache_creation_tokens += usage.cache_creation_tokens;
    d.cache_creation_1h_tokens += usage.cache_creation_1h_tokens;
    d.cache_read_tokens += usage.cache_read_tokens;
    d.cost_usd += pricer.price(usage) ?? Number.NaN;
  }
  return out;
}

describe('bench smoke: Claude Code logs through tokenlake sync', () => {
  it('syncs the generated tree, then 1 % appended lines, to exactly the expected daily totals', async () => {
    const treeDir = join(tmp, 'claude');
    const storeDir = join(tmp, 'store');
    const tree = generateLogTree({ dir: treeDir, messages: 2_500, days: 3, endDay: END_DAY, seed: 42 });
    // The tree holds every awkward case the benchmark claims to cover.
    for (const kind of ['streamingCopies', 'replayedLines', 'malformedLines', 'syntheticLines', 'longContext', 'partialLines'] as const)
      expect(tree.counts[kind], kind).toBeGreaterThan(0);
    expect(grandTotal(tree.expected).cache_creation_1h_tokens).toBeGreaterThan(0);
    expect(compareDaily(tree.expected, totalsFromTree(treeDir), ALL)).toEqual([]);

    const config = parseConfig({
      TOKENLAKE_DATA_DIR: storeDir,
      TOKENLAKE_SOURCES: 'claude-code',
      CLAUDE_CONFIG_DIR: treeDir,
      TOKENLAKE_MACHINE: 'bench',
      TOKENLAKE_USER: 'bench',
    });
    {
      const rt = await createRuntime(config, { store: FileObjectStore.open(storeDir, config.bucket), now, log: silentLogger });
      const deps = { store: rt.store, pricer: rt.pricer, now, timeZone: 'UTC', log: silentLogger };

      const first = await runSync(rt);
      expect(first.outcomes[0]?.stats?.quarantined).toBe(tree.counts.malformedLines);
      const a1 = await runAnalyze(deps, { days: touchedDays(first.keys) });
      expect(compareDaily(tree.expected, lakeTotalsFromFolder(storeDir).daily, ALL)).toEqual([]);
      expect(compareDaily(tree.expected, totalsFromAnalyticsDaily(a1.analytics.windows['7d'].daily), ANALYTICS)).toEqual([]);

      const append = appendLogLines(tree.plan, 0.01);
      const expected2 = mergeTotals(tree.expected, append.added);
      expect(grandTotal(append.added).messages).toBeGreaterThan(tree.plan.partials.length);
      expect(compareDaily(expected2, totalsFromTree(treeDir), ALL)).toEqual([]);
      const second = await runSync(rt);
      expect(second.outcomes[0]?.stats?.read).toBe(append.counts.lines);
      const a2 = await runAnalyze(deps, { days: touchedDays(second.keys) });
      expect(compareDaily(expected2, lakeTotalsFromFolder(storeDir).daily, ALL)).toEqual([]);
      expect(compareDaily(expected2, totalsFromAnalyticsDaily(a2.analytics.windows['7d'].daily), ANALYTICS)).toEqual([]);
    }
  });
});

describe('bench smoke: generated lake through tokenlake analyze', () => {
  it('is listed and served as written and rebuilds to the expected daily totals', async () => {
    const lake = await generateLake({
      dataDir: join(tmp, 'lake'),
      days: 3,
      recordsPerDay: 400,
      objectsPerDay: 4,
      endDay: END_DAY,
      seed: 7,
    });
    expect(await verifyLakeServed(lake, 3)).toEqual([]);
    expect(compareDaily(lake.expected, lakeTotalsFromFolder(lake.dataDir).daily, ALL)).toEqual([]);
    expect(grandTotal(lake.expected).messages).toBe(1_200);

    {
      const store = FileObjectStore.open(lake.dataDir, lake.bucket);
      const result = await runAnalyze(
        { store, pricer: createPricer(), now, timeZone: 'UTC', log: silentLogger },
        { days: lake.days, force: true },
      );
      expect(result.rebuilt).toEqual(lake.days);
      expect(compareDaily(lake.expected, totalsFromAnalyticsDaily(result.analytics.windows['7d'].daily), ANALYTICS)).toEqual([]);
    }
  });
});
