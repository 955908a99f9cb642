import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExportCommand } from '../../cli/export.ts';
import { allRoutes } from '../../lib/api/all-routes.ts';
import { entryForPlainKey } from '../../lib/api/auth.ts';
import { createRouter } from '../../lib/api/router.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { runAggregation } from '../../lib/pipeline/aggregate.ts';
import { createSerializer } from '../../lib/pipeline/analyze.ts';
import type { Runtime } from '../../lib/pipeline/runtime.ts';
import { analyzeDeps } from '../../lib/pipeline/runtime.ts';
import { demoDay } from '../../lib/sources/demo/index.ts';
import { serializeUsageObject } from '../../lib/usage/lake.ts';
import { createPricer } from '../../lib/usage/pricing/price.ts';
import { MemoryStore } from '../support/memory-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'tl-export-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runtime(): Promise<Runtime> {
  const store = new MemoryStore();
  for (const day of ['2026-03-09', '2026-03-10']) await store.put(`lake/usage/dt=${day}/demo-x.jsonl`, serializeUsageObject(demoDay(day)));
  return {
    config: parseConfig({ TOKENLAKE_SOURCES: 'demo' }),
    store,
    pricer: createPricer(),
    log: silentLogger,
    now: () => new Date('2026-03-11T00:30:00Z'),
    sources: [],
    alerts: { send: async () => {} },
    serializeAnalyze: createSerializer(),
    metrics: () => {},
  };
}

describe('tokenlake export', () => {
  it('writes every lake record of the period to the file', async () => {
    const rt = await runtime();
    const out: string[] = [];
    const file = join(dir, 'u.ndjson');
    const code = await runExportCommand(['--format', 'ndjson', '--from', '2026-03-09', '--to', '2026-03-10', '--out', file], rt, {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
    });
    expect(code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(demoDay('2026-03-09').length + demoDay('2026-03-10').length);
    expect(out.join('')).toContain(`wrote ${lines.length} rows`);
  });

  it('writes a FOCUS export with its metadata beside it', async () => {
    const out: string[] = [];
    const file = join(dir, 'focus.csv');
    const code = await runExportCommand(
      ['--format', 'focus', '--from', '2026-03-09', '--to', '2026-03-10', '--out', file],
      await runtime(),
      {
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
      },
    );
    expect(code).toBe(0);
    const header = readFileSync(file, 'utf8').split('\r\n')[0]!.split(',');
    const metadata = JSON.parse(readFileSync(join(dir, 'focus.metadata.json'), 'utf8'));
    expect(metadata).toMatchObject({ FocusVersion: '1.2', DataGenerator: 'tokenlake' });
    expect(metadata.ColumnDefinition.map((c: { ColumnName: string }) => c.ColumnName)).toEqual(header);
    expect(out.join('')).toContain(`FOCUS metadata to ${join(dir, 'focus.metadata.json')}`);
  });

  it('exits 2 naming the option for a bad parameter', async () => {
    const err: string[] = [];
    const code = await runExportCommand(['--format', 'xml', '--out', join(dir, 'x')], await runtime(), {
      stdout: () => {},
      stderr: (t) => err.push(t),
    });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/--format: /);
  });

  it('writes the bytes GET /v1/export answers, for every format', async () => {
    const rt = await runtime();
    const route = createRouter(allRoutes);
    const key = 'export-parity-key';
    const deps = {
      store: rt.store,
      keys: [entryForPlainKey(key)],
      now: rt.now,
      log: rt.log,
      timeZone: rt.config.timeZone,
      analysis: analyzeDeps(rt),
    };
    // Rollups, so the daily dataset has rows to sum.
    await runAggregation(analyzeDeps(rt), '2026-03-09', '2026-03-10');
    const cases: Array<Record<string, string>> = [
      { format: 'csv' },
      { format: 'json' },
      { format: 'ndjson' },
      { format: 'parquet' },
      { format: 'focus' },
      { format: 'csv', dataset: 'daily' },
      { format: 'json', fields: 'model,cost_usd', anonymize: 'user' },
    ];
    for (const options of cases) {
      const query = { from: '2026-03-09', to: '2026-03-10', ...options };
      const res = await route(
        {
          method: 'GET',
          path: '/v1/export',
          query,
          repeatedQuery: [],
          headers: { authorization: `Bearer ${key}` },
          body: null,
          requestId: 'parity',
        },
        deps,
      );
      expect(res.statusCode, JSON.stringify(options)).toBe(200);
      const http = res.isBase64Encoded ? Buffer.from(res.body ?? '', 'base64') : Buffer.from(res.body ?? '', 'utf8');
      const file = join(dir, `parity-${Object.values(options).join('-')}.out`);
      const args = Object.entries(query).flatMap(([name, value]) => [`--${name}`, value]);
      const code = await runExportCommand([...args, '--out', file, '--quiet'], rt, { stdout: () => {}, stderr: () => {} });
      expect(code, JSON.stringify(options)).toBe(0);
      expect(readFileSync(file).equals(http), JSON.stringify(options)).toBe(true);
      expect(Number(res.headers?.['x-row-count']), JSON.stringify(options)).toBeGreaterThan(0);
    }
  });

  it('exits 2 naming the option the export refuses after parsing', async () => {
    const err: string[] = [];
    const code = await runExportCommand(['--format', 'focus', '--dataset', 'daily', '--out', join(dir, 'y')], await runtime(), {
      stdout: () => {},
      stderr: (t) => err.push(t),
    });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/--dataset: format=focus is built from the usage dataset/);
  });
});
