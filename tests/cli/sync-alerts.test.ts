// After `tokenlake sync`, new alerts print as one readable line each on a terminal (here asked for
// with --log-format text, as tests have no terminal); JSON log lines otherwise.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assistantLine, writeLog } from '../support/claude-logs.ts';
import { runCli } from '../support/run-cli.ts';

const root = mkdtempSync(join(tmpdir(), 'tl-sync-alerts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function syncInto(dataDir: string, ...flags: string[]) {
  const claude = join(root, 'claude');
  // $0.30: 100,000 sonnet input tokens at $3 per million, a second ago.
  writeLog(claude, 'p/s.jsonl', [
    assistantLine({ ts: new Date(Date.now() - 1000).toISOString(), msgId: 'm', requestId: 'r', input: 100_000 }),
  ]);
  mkdirSync(join(dataDir, 'tokenlake', 'config'), { recursive: true });
  writeFileSync(
    join(dataDir, 'tokenlake', 'config', 'budgets.json'),
    JSON.stringify({ budgets: [{ id: 'all', monthly_usd: 0.5, thresholds: [0.5] }] }),
  );
  Object.assign(process.env, {
    CLAUDE_CONFIG_DIR: claude,
    TOKENLAKE_DATA_DIR: dataDir,
    TOKENLAKE_SOURCES: 'claude-code',
    TOKENLAKE_CACHE_DIR: join(root, 'cache'),
  });
  delete process.env.TOKENLAKE_TIMEZONE;
  return runCli(['sync', '--quiet', ...flags]);
}

describe('alerts after tokenlake sync', () => {
  const month = new Date(Date.now() - 1000).toISOString().slice(0, 7);

  it('prints each new alert as one line with --log-format text, and never twice', async () => {
    const dir = join(root, 'text');
    const first = await syncInto(dir, '--log-format', 'text');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`alert: budget all (all usage) reached 50 % of $0.50 in ${month}: $0.30 spent\n`);
    expect(first.stderr).not.toContain('"message":"alert"');
    expect((await syncInto(dir, '--log-format', 'text')).stdout).toBe('');
  });

  it('logs alerts as JSON with --log-format json', async () => {
    const { stdout, stderr } = await syncInto(join(root, 'json'), '--log-format', 'json');
    expect(stdout).toBe('');
    const line = JSON.parse(stderr.split('\n').find((l) => l.includes('"message":"alert"'))!);
    expect(line).toMatchObject({ level: 'warn', alert_type: 'budget.threshold_crossed', budget: 'all', threshold: 0.5, basis: 'actual' });
  });

  it('refuses another log format', async () => {
    const { code, stderr } = await syncInto(join(root, 'bad'), '--log-format', 'xml');
    expect(code).toBe(2);
    expect(stderr).toBe('tokenlake: --log-format: expected text or json, got "xml"\n');
  });
});
