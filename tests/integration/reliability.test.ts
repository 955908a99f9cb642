// Nothing lost, nothing duplicated: sync and analyze through a proxy that fails 10 % of S3
// requests, and a sync killed at every write boundary then rerun, end with exactly the totals of
// a clean run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { PreconditionFailedError } from '../../lib/core/errors.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { createSerializer, readAnalytics, runAnalyze, touchedDays } from '../../lib/pipeline/analyze.ts';
import { runSync } from '../../lib/pipeline/sync.ts';
import { createClaudeCodeSource } from '../../lib/sources/claude-code/index.ts';
import { parseJsonl } from '../../lib/store/jsonl.ts';
import type { ObjectStore } from '../../lib/store/object-store.ts';
import { createS3Client, S3ObjectStore } from '../../lib/store/s3-store.ts';
import { serializeUsageObject } from '../../lib/usage/lake.ts';
import { createPricer } from '../../lib/usage/pricing/price.ts';
import { makeRecord, recordId, usageRecordSchema } from '../../lib/usage/record.ts';
import { assistantLine, writeLog } from '../support/claude-logs.ts';
import { EMBEDDED_CREDENTIALS, type EmbeddedS3, startEmbeddedS3 } from '../support/embedded-s3.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { MemoryStore } from '../support/memory-store.ts';

const now = () => new Date('2026-03-05T12:00:00Z');
let logs: string;
let data: string;
let s3: EmbeddedS3;

function config() {
  return parseConfig({ CLAUDE_CONFIG_DIR: logs, TOKENLAKE_SOURCES: 'claude-code', TOKENLAKE_USER: 'u', TOKENLAKE_MACHINE: 'm' });
}

async function syncAndAnalyze(store: ObjectStore) {
  const deps = { store, config: config(), now, log: silentLogger, pricer: createPricer(), sources: [createClaudeCodeSource()] };
  const result = await runSync(deps);
  const analyzed = await runAnalyze(
    { store, pricer: deps.pricer, now, timeZone: 'UTC', log: silentLogger },
    { days: touchedDays(result.keys) },
  );
  return { result, analytics: analyzed.analytics, store };
}

async function lakeIds(store: ObjectStore): Promise<string[]> {
  const ids: string[] = [];
  for (const o of await store.list('lake/usage/')) {
    const got = await store.getText(o.key);
    ids.push(...parseJsonl(got!.text, usageRecordSchema).values.map((r) => r.id));
  }
  return ids.sort();
}

function summary(a: Analytics) {
  const t = a.windows['30d'].totals;
  return {
    cost: Number(t.cost_usd.toFixed(9)),
    tokens: t.total_tokens,
    requests: t.requests,
    quarantined: a.data_quality.quarantined_lines,
  };
}

beforeAll(async () => {
  logs = mkdtempSync(join(tmpdir(), 'tl-rel-logs-'));
  data = mkdtempSync(join(tmpdir(), 'tl-rel-data-'));
  for (let day = 1; day <= 4; day++) {
    const lines: string[] = [];
    for (let i = 0; i < 25; i++) {
      lines.push(
        assistantLine({
          ts: `2026-03-0${day}T1${i % 10}:00:0${i % 10}.000Z`,
          msgId: `m${day}-${i}`,
          requestId: `r${day}-${i}`,
          input: 100 + i,
          output: 10 * i,
          cacheRead: 1000,
        }),
      );
    }
    lines.push('{"broken": ');
    writeLog(logs, `-p${day % 2}/s${day}.jsonl`, lines);
  }
  s3 = await startEmbeddedS3({ directory: data, bucket: 'clean' });
});

afterAll(async () => {
  await s3?.stop();
  rmSync(logs, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
});

describe('faults in S3', () => {
  it('ends with the exact totals of a clean run when 10 % of S3 requests fail', async () => {
    const clean = await syncAndAnalyze(new S3ObjectStore(s3.client, 'clean'));
    const faulty = mkdtempSync(join(tmpdir(), 'tl-rel-faulty-'));
    const server = await startEmbeddedS3({ directory: faulty, bucket: 'faulty' });
    const proxy = await startFaultProxy(server.endpoint, { rate: 0.1, seed: 11 });
    // Standard retry mode: 10 attempts with backoff covers a 10 % fault rate many times over.
    const client = createS3Client({ endpoint: proxy.endpoint, credentials: EMBEDDED_CREDENTIALS, maxAttempts: 10 });
    try {
      const withFaults = await syncAndAnalyze(new S3ObjectStore(client, 'faulty'));
      expect(withFaults.result.outcomes.every((o) => o.ok)).toBe(true);
      const injected = proxy.injected.slowdown + proxy.injected.internal + proxy.injected.reset;
      expect(injected).toBeGreaterThan(3);
      console.info(`fault proxy: ${JSON.stringify(proxy.injected)} injected, ${proxy.forwarded} forwarded`);
      expect(summary(withFaults.analytics)).toEqual(summary(clean.analytics));
      expect(summary(clean.analytics)).toMatchObject({ requests: 100, quarantined: 4 });
      expect(await lakeIds(new S3ObjectStore(server.client, 'faulty'))).toEqual(await lakeIds(new S3ObjectStore(s3.client, 'clean')));
    } finally {
      client.destroy();
      await proxy.stop();
      await server.stop();
      rmSync(faulty, { recursive: true, force: true });
    }
  });
});

/** A store that dies (throws, as a killed process would stop) after `budget` writes. */
class DyingStore extends MemoryStore {
  constructor(private budget: number) {
    super();
  }
  override async put(key: string, body: string | Uint8Array, options?: Parameters<MemoryStore['put']>[2]) {
    if (this.budget-- <= 0) throw new Error(`killed before writing ${key}`);
    return super.put(key, body, options);
  }
  revive() {
    this.budget = Number.POSITIVE_INFINITY;
  }
}

describe('bounded memory', () => {
  it('writes a long pull in parts and ends with exactly the totals of a pull held whole', async () => {
    const whole = await syncAndAnalyze(new MemoryStore());
    const store = new MemoryStore();
    const deps = {
      store,
      config: config(),
      now,
      log: silentLogger,
      pricer: createPricer(),
      sources: [createClaudeCodeSource({ roundBytes: 1 })],
    };
    const result = await runSync(deps);
    const parts = result.keys.filter((k) => /-p\d+\.jsonl$/.test(k));
    expect(parts.length).toBeGreaterThanOrEqual(3);
    const analyzed = await runAnalyze(
      { store, pricer: deps.pricer, now, timeZone: 'UTC', log: silentLogger },
      { days: touchedDays(result.keys) },
    );
    expect(summary(analyzed.analytics)).toEqual(summary(whole.analytics));
    expect(result.outcomes[0]?.stats?.records).toBe(100);
    expect([...new Set(await lakeIds(store))]).toEqual([...new Set(await lakeIds(whole.store))]);
    // Killed after every write of a pull in parts, then run again: still exact.
    for (let budget = 1; budget < parts.length + 4; budget += 3) {
      const dying = new DyingStore(budget);
      const source = () => [createClaudeCodeSource({ roundBytes: 1 })];
      await runSync({ ...deps, store: dying, sources: source() }).catch(() => undefined);
      dying.revive();
      const rerun = await runSync({ ...deps, store: dying, sources: source() });
      const again = await runAnalyze(
        { store: dying, pricer: deps.pricer, now, timeZone: 'UTC', log: silentLogger },
        { days: touchedDays(rerun.keys) },
      );
      expect(summary(again.analytics), `killed after ${budget} writes`).toEqual(summary(whole.analytics));
    }
  });
});

describe('crash and retry', () => {
  it('loses and duplicates nothing when sync is killed at any write boundary and run again', async () => {
    const reference = new MemoryStore();
    const clean = await syncAndAnalyze(reference);
    const writes = reference.puts.filter((k) => !k.startsWith('rollups/') && !k.startsWith('analytics/')).length;
    expect(writes).toBeGreaterThanOrEqual(6); // 4 day objects, quarantine, cursor, status
    const cleanIds = await lakeIds(reference);
    for (let budget = 0; budget < writes; budget++) {
      const store = new DyingStore(budget);
      await syncAndAnalyze(store).catch(() => undefined);
      store.revive();
      const rerun = await syncAndAnalyze(store);
      expect(await lakeIds(store), `killed after ${budget} writes`).toEqual(cleanIds);
      expect(summary(rerun.analytics), `killed after ${budget} writes`).toEqual(summary(clean.analytics));
    }
  });
});

describe('concurrency', () => {
  it('ends with one valid analytics.json reflecting all data when 10 analyze runs start at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-rel-conc-'));
    const server = await startEmbeddedS3({ directory: dir, bucket: 'conc' });
    try {
      const store = new S3ObjectStore(server.client, 'conc');
      const days = [
        '2026-02-24',
        '2026-02-25',
        '2026-02-26',
        '2026-02-27',
        '2026-02-28',
        '2026-03-01',
        '2026-03-02',
        '2026-03-03',
        '2026-03-04',
        '2026-03-05',
      ];
      // One record of 1 M Haiku input tokens ($1) per day, each day's object written by its own "sync".
      for (const [i, day] of days.entries()) {
        const record = makeRecord({
          id: recordId('conc', i),
          ts: `${day}T10:00:00.000Z`,
          source: 'test',
          provider: 'anthropic',
          model: 'claude-haiku-4-5',
          input_tokens: 1_000_000,
        });
        await store.put(`lake/usage/dt=${day}/test-${i}.jsonl`, serializeUsageObject([record]));
      }
      // As S3 delivers them: 10 events, one per day, handled at the same time by one process.
      // (Without the serialiser the embedded store, which ignores conditional writes, loses days.)
      const deps = { store, pricer: createPricer(), now, timeZone: 'UTC', log: silentLogger, serialize: createSerializer() };
      const results = await Promise.all(days.map((day) => runAnalyze(deps, { days: [day] })));
      expect(results.flatMap((r) => r.rebuilt).sort()).toEqual(days);
      const final = await readAnalytics(store);
      expect(final?.analytics.windows['30d'].totals.cost_usd).toBeCloseTo(10, 9);
      expect(final?.analytics.windows['30d'].totals.records).toBe(10);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retries a pass whose conditional analytics.json write lost a race, ending with all data', async () => {
    const store = new MemoryStore();
    let raced = false;
    const original = store.put.bind(store);
    store.put = async (key, body, options) => {
      if (key === 'analytics/analytics.json' && !raced) {
        raced = true;
        // What every store throws for a lost conditional write (the S3 adapter maps 412/409 to it).
        throw new PreconditionFailedError(key, 'another writer changed it');
      }
      return original(key, body, options);
    };
    const record = makeRecord({
      id: recordId('race'),
      ts: '2026-03-04T10:00:00.000Z',
      source: 'test',
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      input_tokens: 2_000_000,
    });
    await store.put('lake/usage/dt=2026-03-04/test-r.jsonl', serializeUsageObject([record]));
    const result = await runAnalyze({ store, pricer: createPricer(), now, timeZone: 'UTC', log: silentLogger }, { days: ['2026-03-04'] });
    expect(raced).toBe(true);
    expect(result.analytics.windows['7d'].totals.cost_usd).toBeCloseTo(2, 9);
    expect((await readAnalytics(store))?.analytics.windows['7d'].totals.cost_usd).toBeCloseTo(2, 9);
  });
});
