import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSyncHandler } from '../../functions/sync.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { SourceError } from '../../lib/core/errors.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { createSerializer } from '../../lib/pipeline/analyze.ts';
import type { Runtime } from '../../lib/pipeline/runtime.ts';
import { createDemoSource } from '../../lib/sources/demo/index.ts';
import { createPricer } from '../../lib/usage/pricing/price.ts';
import { MemoryStore } from '../support/memory-store.ts';

const scheduled = JSON.parse(readFileSync(new URL('../../events/schedule.json', import.meta.url), 'utf8'));

function runtime(metrics: Record<string, unknown>[]): Runtime {
  return {
    config: parseConfig({ TOKENLAKE_SOURCES: 'demo,openai' }),
    store: new MemoryStore(),
    pricer: createPricer(),
    log: silentLogger,
    now: () => new Date('2026-11-23T10:00:00Z'),
    sources: [
      createDemoSource(),
      { name: 'openai', pull: () => Promise.reject(new SourceError('openai', 'admin key rejected (HTTP 401)')) },
    ],
    alerts: { send: async () => {} },
    serializeAnalyze: createSerializer(),
    metrics: (d) => metrics.push(d),
  };
}

describe('sync handler', () => {
  it('syncs on the scheduled event, reports each source, and emits EMF metrics', async () => {
    const metrics: Record<string, unknown>[] = [];
    const rt = runtime(metrics);
    const summary = await createSyncHandler(() => Promise.resolve(rt))(scheduled);
    const demo = summary.sources.find((s) => s.source === 'demo')!;
    expect(demo.ok).toBe(true);
    expect(demo.records).toBeGreaterThan(1000);
    expect(summary.sources.find((s) => s.source === 'openai')).toMatchObject({ ok: false, error: 'openai: admin key rejected (HTTP 401)' });
    expect(summary.objects_written).toBe(90);
    expect(metrics).toHaveLength(2);
    expect(metrics[0]).toMatchObject({ function: 'sync', source: 'demo', records_synced: demo.records, source_failed: 0 });
    expect(metrics[1]).toMatchObject({ source: 'openai', source_failed: 1 });
    expect((metrics[0] as { _aws: { CloudWatchMetrics: Array<{ Namespace: string }> } })._aws.CloudWatchMetrics[0]?.Namespace).toBe(
      'tokenlake',
    );
  });

  it('takes a backfill start from a manual invoke and rejects a bad one naming the field', async () => {
    const handler = createSyncHandler(() => Promise.resolve(runtime([])));
    await expect(handler({ detail: { since: '2026-02-30' } })).rejects.toThrow(/invalid sync event/);
    await expect(handler({ detail: { since: '2026-11-01' } })).resolves.toMatchObject({ skipped: false });
  });
});
