import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/core/log.ts';
import { runCompaction } from '../../../lib/pipeline/compaction.ts';
import { readUsageObject, serializeUsageObject } from '../../../lib/usage/lake.ts';
import { makeRecord } from '../../../lib/usage/record.ts';
import { MemoryStore } from '../../support/memory-store.ts';

function rec(id: string, day: string, source: string, output: number) {
  return makeRecord({
    id: id.padEnd(32, '0'),
    ts: `${day}T10:00:00.000Z`,
    source,
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    output_tokens: output,
  });
}

async function seed(store: MemoryStore) {
  const day = '2026-03-05';
  await store.put(
    `lake/usage/dt=${day}/claude-code-a.jsonl`,
    serializeUsageObject([rec('a', day, 'claude-code', 10), rec('b', day, 'claude-code', 20)]),
  );
  // An early copy of b and a new record c in a later sync.
  await store.put(
    `lake/usage/dt=${day}/claude-code-b.jsonl`,
    serializeUsageObject([rec('b', day, 'claude-code', 5), rec('c', day, 'claude-code', 30)]),
  );
  await store.put(`lake/usage/dt=${day}/demo-x.jsonl`, serializeUsageObject([rec('d', day, 'demo', 1)]));
  await store.put('lake/usage/dt=2026-03-09/claude-code-a.jsonl', serializeUsageObject([rec('e', '2026-03-09', 'claude-code', 1)]));
  await store.put('lake/usage/dt=2026-03-09/claude-code-b.jsonl', serializeUsageObject([rec('f', '2026-03-09', 'claude-code', 1)]));
  await store.put('lake/usage/dt=2025-01-01/claude-code-a.jsonl', serializeUsageObject([rec('g', '2025-01-01', 'claude-code', 1)]));
  await store.put('rollups/usage/dt=2023-12-01.json', '{}');
  await store.put('rollups/usage/dt=2026-01-01.json', '{}');
}

describe('runCompaction', () => {
  it('compacts closed days into one de-duplicated object per source and applies retention', async () => {
    const store = new MemoryStore();
    await seed(store);
    const result = await runCompaction({ store, now: () => new Date('2026-03-10T03:00:00Z'), log: silentLogger, retentionDays: 180 });
    expect(result.compactedDays).toEqual(['2026-03-05']);
    expect(result.objectsRemoved).toBe(2);
    expect(result.expiredDays).toEqual(['2025-01-01']);
    expect(result.expiredRollups).toBe(1);

    const day = store.keys('lake/usage/dt=2026-03-05/');
    expect(day).toHaveLength(2);
    const compacted = day.find((k) => k.includes('/claude-code-c'))!;
    const { records } = await readUsageObject(store, compacted);
    expect(records.map((r) => [r.id.slice(0, 1), r.output_tokens])).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
    // Yesterday (still open to late lines) is left as it is.
    expect(store.keys('lake/usage/dt=2026-03-09/')).toHaveLength(2);
    expect(store.keys('lake/usage/dt=2025-01-01/')).toEqual([]);
    expect(store.keys('rollups/')).toEqual(['rollups/usage/dt=2026-01-01.json']);
  });

  it('keeps every raw day when no retention is configured (the default), still expiring old rollups', async () => {
    const store = new MemoryStore();
    await seed(store);
    const result = await runCompaction({ store, now: () => new Date('2026-03-10T03:00:00Z'), log: silentLogger, retentionDays: null });
    expect(result.expiredDays).toEqual([]);
    expect(result.compactedDays).toEqual(['2026-03-05']);
    expect(store.keys('lake/usage/dt=2025-01-01/')).toEqual(['lake/usage/dt=2025-01-01/claude-code-a.jsonl']);
    expect(result.expiredRollups).toBe(1);
    expect(store.keys('rollups/')).toEqual(['rollups/usage/dt=2026-01-01.json']);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const store = new MemoryStore();
    await seed(store);
    const now = () => new Date('2026-03-10T03:00:00Z');
    await runCompaction({ store, now, log: silentLogger, retentionDays: 180 });
    const before = store.keys();
    const again = await runCompaction({ store, now, log: silentLogger, retentionDays: 180 });
    expect(again.objectsRemoved).toBe(0);
    expect(store.keys()).toEqual(before);
  });
});
