import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickReport } from '../../cli/quick-report.ts';
import { demoDay } from '../../lib/sources/demo/index.ts';
import { FileObjectStore } from '../../lib/store/file-store.ts';
import { lakeObjectKey } from '../../lib/store/layout.ts';
import { groupByDay, serializeUsageObject } from '../../lib/usage/lake.ts';
import { createPricer } from '../../lib/usage/pricing/price.ts';
import { buildDailyRollup, writeRollup } from '../../lib/usage/rollup.ts';

const dir = mkdtempSync(join(tmpdir(), 'tl-quick-'));
const now = new Date('2026-03-10T12:00:00Z');
const env = { TOKENLAKE_DATA_DIR: dir, NO_COLOR: '1' };
const records = demoDay('2026-03-10');

beforeAll(async () => {
  const store = FileObjectStore.open(dir, 'tokenlake');
  for (const [day, list] of groupByDay(records)) {
    await store.put(lakeObjectKey('usage', day, 'demo', 'b1'), serializeUsageObject(list));
    await writeRollup(
      store,
      buildDailyRollup({
        day,
        builtAt: now.toISOString(),
        pricer: createPricer(),
        inputs: [],
        records: list,
        invalidLines: 0,
        quarantinedLines: 0,
      }),
    );
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quickReport', () => {
  it('answers from the local rollups without the runtime', async () => {
    const json = JSON.parse((await quickReport(['--window', '7d', '--by', 'day', '--json'], env, now))!);
    expect(json.rows.map((r: { key: string }) => r.key)).toEqual(['2026-03-10']);
    expect(json.totals.records).toBe(records.length);
    expect(json.totals.input_tokens).toBe(records.reduce((a, r) => a + r.input_tokens, 0));
    expect(await quickReport(['--by', 'project'], env, now)).toMatch(
      /^tokenlake — last 30 days, 2026-02-09 → 2026-03-10 \(UTC\), by project\n/,
    );
  });

  it('leaves everything else to the full command', async () => {
    expect(await quickReport(['--by', 'session'], env, now)).toBeNull(); // sessions may need pricing
    expect(await quickReport(['--window', '8d'], env, now)).toBeNull(); // bad option: the full command says why
    expect(await quickReport([], { ...env, TOKENLAKE_STORE: 's3' }, now)).toBeNull();
    expect(await quickReport([], { TOKENLAKE_DATA_DIR: join(dir, 'none') }, now)).toBeNull();
    expect(await quickReport(['--json'], env, new Date('2026-06-10T12:00:00Z'))).toBeNull(); // empty --json: the hint goes to stderr
    const store = new FileObjectStore(dir, 'tokenlake');
    await store.put(lakeObjectKey('usage', '2026-03-09', 'demo', 'b2'), serializeUsageObject(demoDay('2026-03-09')));
    expect(await quickReport([], env, now)).toBeNull(); // a lake day without its rollup is built by the full command
  });
});
