// End to end through the command line: a Claude Code tree dated last year is synced into a fresh
// local lake, then `report` answers any period from the rollups. Expected numbers are worked out
// by hand from the list prices (USD per million tokens: sonnet-4-5 3/15 with cache reads 0.30,
// haiku-4-5 1/5, opus-4-1 15/75).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSchema } from '../../lib/analytics/report.ts';
import { assistantLine, writeLog } from '../support/claude-logs.ts';
import { runCli } from '../support/run-cli.ts';

const Y = new Date().getUTCFullYear() - 1;
const root = mkdtempSync(join(tmpdir(), 'tl-report-e2e-'));
const claude = join(root, 'claude');

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(argv);
}

beforeAll(async () => {
  Object.assign(process.env, {
    CLAUDE_CONFIG_DIR: claude,
    TOKENLAKE_DATA_DIR: join(root, 'data'),
    TOKENLAKE_CACHE_DIR: join(root, 'cache'),
    TOKENLAKE_SOURCES: 'claude-code',
    TOKENLAKE_USER: 'alice',
    TOKENLAKE_MACHINE: 'laptop',
    NO_COLOR: '1',
  });
  delete process.env.TOKENLAKE_TIMEZONE;
  writeLog(claude, '-home-alice-code-web/session-a.jsonl', [
    // $0.60 + $1.50; the streaming copy before it (same message and request) is dropped.
    assistantLine({ ts: `${Y}-09-10T10:00:00.000Z`, msgId: 'm1', requestId: 'r1', input: 200_000, output: 50_000, session: 'session-a' }),
    assistantLine({ ts: `${Y}-09-10T10:00:00.000Z`, msgId: 'm1', requestId: 'r1', input: 200_000, output: 100_000, session: 'session-a' }),
    // $0.15 + $0.10
    assistantLine({
      ts: `${Y}-09-20T23:30:00.000Z`,
      msgId: 'm2',
      requestId: 'r2',
      model: 'claude-haiku-4-5',
      input: 150_000,
      output: 20_000,
      session: 'session-a',
    }),
  ]);
  writeLog(claude, '-home-alice-code-api/session-b.jsonl', [
    // 20:30 on Sep 30 in New York. $1.50 + $0.75
    assistantLine({
      ts: `${Y}-10-01T00:30:00.000Z`,
      msgId: 'm3',
      requestId: 'r3',
      model: 'claude-opus-4-1',
      input: 100_000,
      output: 10_000,
      session: 'session-b',
      cwd: '/home/alice/code/api',
    }),
    // $0.00003 + $0.015 + $0.045
    assistantLine({
      ts: `${Y}-10-15T12:00:00.000Z`,
      msgId: 'm4',
      requestId: 'r4',
      input: 10,
      output: 1_000,
      cacheRead: 150_000,
      session: 'session-b',
      cwd: '/home/alice/code/api',
    }),
    // Outside Sep–Oct in UTC; 20:10 on Oct 31 in New York. $0.30
    assistantLine({
      ts: `${Y}-11-01T00:10:00.000Z`,
      msgId: 'm5',
      requestId: 'r5',
      input: 100_000,
      session: 'session-b',
      cwd: '/home/alice/code/api',
    }),
    // Outside in every zone used here. $0.10
    assistantLine({
      ts: `${Y}-08-31T23:50:00.000Z`,
      msgId: 'm6',
      requestId: 'r6',
      model: 'claude-haiku-4-5',
      input: 100_000,
      session: 'session-b',
      cwd: '/home/alice/code/api',
    }),
  ]);
  const sync = await run('sync', '--quiet');
  expect(sync.code).toBe(0);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tokenlake report over last year', () => {
  it('--by month --breakdown --json gives the exact totals per month and model', async () => {
    const { code, stdout } = await run(
      'report',
      '--since',
      `${Y}-09-01`,
      '--until',
      `${Y}-10-31`,
      '--by',
      'month',
      '--breakdown',
      '--json',
    );
    expect(code).toBe(0);
    const report = reportSchema.parse(JSON.parse(stdout));
    expect(report.period).toMatchObject({ from: `${Y}-09-01`, to: `${Y}-10-31`, time_zone: 'UTC', days: 61, window: null });
    expect(report.rows.map((r) => r.key)).toEqual([`${Y}-09`, `${Y}-10`]);
    const [sep, oct] = report.rows;
    expect(sep).toMatchObject({ input_tokens: 350_000, output_tokens: 120_000, cache_read_tokens: 0, records: 2 });
    expect(sep!.cost_usd).toBeCloseTo(2.35, 10);
    expect(sep!.models!.map((m) => [m.model, m.records])).toEqual([
      ['claude-sonnet-4-5-20250929', 1],
      ['claude-haiku-4-5', 1],
    ]);
    expect(sep!.models![0]!.cost_usd).toBeCloseTo(2.1, 10);
    expect(sep!.models![1]!.cost_usd).toBeCloseTo(0.25, 10);
    expect(oct).toMatchObject({ input_tokens: 100_010, output_tokens: 11_000, cache_read_tokens: 150_000, records: 2 });
    expect(oct!.cost_usd).toBeCloseTo(2.31003, 10);
    expect(oct!.models!.map((m) => m.model)).toEqual(['claude-opus-4-1', 'claude-sonnet-4-5-20250929']);
    expect(report.totals.cost_usd).toBeCloseTo(4.66003, 10);
    expect(report.totals.records).toBe(4);
    expect(report.lake).toEqual({ first_day: `${Y}-08-31`, last_day: `${Y}-11-01` });
  });

  it("counts each zone's own days from the hourly rollups", async () => {
    const { stdout } = await run(
      'report',
      '--since',
      `${Y}-09-01`,
      '--until',
      `${Y}-10-31`,
      '--by',
      'month',
      '--timezone',
      'America/New_York',
      '--json',
    );
    const report = reportSchema.parse(JSON.parse(stdout));
    // Sep: 2.10 + 0.25 + 2.25 (Oct 1 00:30 UTC); Oct: 0.06003 + 0.30 (Nov 1 00:10 UTC).
    expect(report.rows.map((r) => r.key)).toEqual([`${Y}-09`, `${Y}-10`]);
    expect(report.rows[0]!.cost_usd).toBeCloseTo(4.6, 10);
    expect(report.rows[1]!.cost_usd).toBeCloseTo(0.36003, 10);
    expect(report.period.start).toBe(`${Y}-09-01T04:00:00.000Z`);
  });

  it('--by session gives each session with its project and last message, newest first', async () => {
    const { code, stdout } = await run('report', '--since', `${Y}-08-01`, '--until', `${Y}-11-30`, '--by', 'session', '--json');
    expect(code).toBe(0);
    const report = reportSchema.parse(JSON.parse(stdout));
    expect(report.rows.map((r) => [r.key, r.project, r.last_activity, r.records])).toEqual([
      ['session-b', 'api', `${Y}-11-01T00:10:00.000Z`, 4],
      ['session-a', 'web', `${Y}-09-20T23:30:00.000Z`, 2],
    ]);
    // 2.25 + 0.06003 + 0.30 + 0.10 and 2.10 + 0.25
    expect(report.rows[0]!.cost_usd).toBeCloseTo(2.71003, 10);
    expect(report.rows[1]!.cost_usd).toBeCloseTo(2.35, 10);
  });

  it('prints a table with a row per model under each day', async () => {
    const { code, stdout } = await run('report', '--since', `${Y}-09-01`, '--until', `${Y}-09-30`, '--by', 'day', '--breakdown');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const day = lines.findIndex((l) => l.startsWith(`${Y}-09-10`));
    expect(lines[day]).toMatch(/\$2\.10$/);
    expect(lines[day + 1]).toMatch(/^ {2}└ claude-sonnet-4-5-20250929 .*\$2\.10$/);
    expect(lines.find((l) => l.startsWith('Total'))).toMatch(/\$2\.35$/);
  });

  it('says where the usage is when the period is empty', async () => {
    const { code, stdout } = await run('report');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^no usage in the last 30 days; the lake holds ${Y}-08-31 … ${Y}-11-01; try --since `));
  });

  it.each([
    [['--since', `${Y}-10-01`, '--until', `${Y}-09-01`], `--since ${Y}-10-01 is after --until ${Y}-09-01`],
    [['--by', 'hour'], '--by: expected one of day, week, month, session, model, project, provider, user, machine, got "hour"'],
    [['--since', `${Y}-02-30`], `--since: ${Y}-02-30 is not a day of the calendar`],
    [['--since', '1999-12-31'], '--since: 1999-12-31 lies outside 2000-01-01 … 2100-12-31'],
    [['--until', '2101-01-01'], '--until: 2101-01-01 lies outside 2000-01-01 … 2100-12-31'],
    [['--since', `${Y - 3}-01-01`, '--until', `${Y}-01-01`], '--until: the range is capped at 400 days'],
    [['--window', '30d', '--since', `${Y}-01-01`], '--window cannot be combined with --since/--until'],
    [['--order', 'up'], '--order: expected asc or desc, got "up"'],
  ])('refuses %j with exit 2 and the reason', async (args, reason) => {
    const { code, stderr } = await run('report', ...args);
    expect(code).toBe(2);
    expect(stderr).toBe(`tokenlake: ${reason}\n`);
  });
});
