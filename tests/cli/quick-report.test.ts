import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickReport } from '../../cli/quick-report.ts';
import { formatReport } from '../../cli/report.ts';
import { computeAnalytics } from '../../lib/analytics.ts';
import { groupByDay } from '../../lib/lake.ts';
import { createPricer } from '../../lib/pricing/price.ts';
import { buildDailyRollup } from '../../lib/rollup.ts';
import { demoDay } from '../../lib/sources/demo/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tl-quick-'));
const now = new Date('2026-03-10T12:00:00Z');
const analytics = computeAnalytics({
  now,
  timeZone: 'UTC',
  priceTable: 't',
  rollups: [...groupByDay(demoDay('2026-03-10'))].map(([day, records]) =>
    buildDailyRollup({
      day,
      builtAt: now.toISOString(),
      pricer: createPricer(),
      inputs: [],
      records,
      invalidLines: 0,
      quarantinedLines: 0,
    }),
  ),
  statuses: [],
});
const env = { TOKENLAKE_DATA_DIR: dir, NO_COLOR: '1' };
const file = join(dir, 'tokenlake', 'analytics', 'analytics.json');

beforeAll(() => {
  mkdirSync(join(dir, 'tokenlake', 'analytics'), { recursive: true });
  writeFileSync(file, JSON.stringify(analytics));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quickReport', () => {
  it('prints the same report as the full command from a current local analytics.json', async () => {
    expect(await quickReport(['--window', '7d', '--by', 'project'], env, now)).toBe(formatReport(analytics, '7d', 'project', false, false));
    expect(JSON.parse((await quickReport(['--json'], env, now))!).totals.records).toBe(demoDay('2026-03-10').length);
  });

  it('leaves everything else to the full command', async () => {
    expect(await quickReport([], env, new Date('2026-03-11T12:00:00Z'))).toBeNull(); // another day: stale
    expect(await quickReport(['--timezone', 'Asia/Tokyo'], env, now)).toBeNull(); // another zone
    expect(await quickReport(['--window', '8d'], env, now)).toBeNull(); // bad option: the full command says why
    expect(await quickReport([], { ...env, TOKENLAKE_STORE: 's3' }, now)).toBeNull();
    expect(await quickReport([], { TOKENLAKE_DATA_DIR: join(dir, 'none') }, now)).toBeNull();
    writeFileSync(file, '{"schema_version":0}');
    expect(await quickReport([], env, now)).toBeNull(); // another schema version
    writeFileSync(file, JSON.stringify(analytics));
  });
});
