// Adversarial: a day whose rollup cannot be built (a record that trips the pricer — a bug
// injected here on purpose) must not stop analytics for every other day. The day keeps its last
// rollup, data_quality names it, and the days around it stay fresh.

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/core/log.ts';
import { runAnalyze } from '../../lib/pipeline/analyze.ts';
import { serializeUsageObject } from '../../lib/usage/lake.ts';
import { createPricer, type Pricer } from '../../lib/usage/pricing/price.ts';
import { makeRecord, recordId } from '../../lib/usage/record.ts';
import { MemoryStore } from '../support/memory-store.ts';

const now = () => new Date('2026-06-30T23:00:00Z');

function record(day: string, i: number, model: string, cost: number) {
  return makeRecord({
    id: recordId(day, model, i),
    ts: `${day}T10:00:0${i}.000Z`,
    source: 'test',
    provider: 'openai',
    model,
    input_tokens: 10,
    cost_usd: cost,
    cost_source: 'reported',
  });
}

/** The real pricer, except that it throws for one model (the injected fault). */
function poisonedPricer(): Pricer {
  const real = createPricer();
  return {
    ...real,
    price(usage) {
      if (usage.model === 'poison') throw new TypeError('injected: cannot price this record');
      return real.price(usage);
    },
  };
}

describe('a day that cannot be rolled up', () => {
  it('keeps its last rollup, is named in data_quality, and the other days stay fresh', async () => {
    const store = new MemoryStore();
    const deps = { store, pricer: poisonedPricer(), now, timeZone: 'UTC', log: silentLogger };
    await store.put('lake/usage/dt=2026-06-28/a.jsonl', serializeUsageObject([record('2026-06-28', 1, 'gpt-5', 1)]));
    await store.put('lake/usage/dt=2026-06-29/a.jsonl', serializeUsageObject([record('2026-06-29', 1, 'gpt-5', 2)]));
    const first = await runAnalyze(deps);
    expect(first.analytics.windows['7d'].totals.cost_usd).toBe(3);

    // The poison arrives on the 29th, next to good data on the 28th and the 30th.
    await store.put('lake/usage/dt=2026-06-29/b.jsonl', serializeUsageObject([record('2026-06-29', 2, 'poison', 100)]));
    await store.put('lake/usage/dt=2026-06-28/b.jsonl', serializeUsageObject([record('2026-06-28', 2, 'gpt-5', 4)]));
    await store.put('lake/usage/dt=2026-06-30/a.jsonl', serializeUsageObject([record('2026-06-30', 1, 'gpt-5', 8)]));
    const second = await runAnalyze(deps, { days: ['2026-06-28', '2026-06-29', '2026-06-30'] });
    // 28th: 1 + 4; 29th: its last rollup (2), not the poisoned 102; 30th: 8.
    expect(second.analytics.windows['7d'].totals.cost_usd).toBe(15);
    expect(second.analytics.data_quality.failed_days).toEqual([
      { day: '2026-06-29', dataset: 'usage', error: expect.stringContaining('injected: cannot price this record') },
    ]);
    const stored = JSON.parse(store.text('analytics/analytics.json')!);
    expect(stored.generated_at).toBe(second.analytics.generated_at);

    // Later data on the good days keeps counting while the poison stays.
    await store.put('lake/usage/dt=2026-06-30/b.jsonl', serializeUsageObject([record('2026-06-30', 2, 'gpt-5', 16)]));
    const third = await runAnalyze(deps, { days: ['2026-06-30'] });
    expect(third.analytics.windows['7d'].totals.cost_usd).toBe(31);
  });
});
