// `npm run lake:sql` (scripts/lake-sql.mjs): DuckDB over the plain-file local lake, as a user runs
// it. The `usage` view keeps one copy per id and day — the one analyze counts (most tokens) — while
// `lake_usage` is every line as written; bad input gets a clear line and a non-zero exit.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../lib/store/file-store.ts';
import { lakeObjectKey } from '../../lib/store/layout.ts';
import { makeRecord, serializeRecord } from '../../lib/usage/record.ts';

const run = promisify(execFile);
const script = resolve(import.meta.dirname, '../../scripts/lake-sql.mjs');
const dataDir = mkdtempSync(join(tmpdir(), 'tl-lake-sql-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const base = { source: 'claude-code', provider: 'anthropic', model: 'claude-sonnet-4-5' } as const;
const small = makeRecord({ ...base, id: 'a', ts: '2026-11-02T10:00:00.000Z', input_tokens: 100, output_tokens: 10 });
const large = { ...small, input_tokens: 300, output_tokens: 30 };
const other = makeRecord({
  ...base,
  id: 'b',
  ts: '2026-11-03T10:00:00.000Z',
  model: 'claude-haiku-4-5',
  input_tokens: 7,
  output_tokens: 5,
});

beforeAll(async () => {
  const store = FileObjectStore.open(dataDir, 'tokenlake');
  await store.put(lakeObjectKey('usage', '2026-11-02', 'claude-code', 'one'), `${serializeRecord(small)}\n`);
  await store.put(lakeObjectKey('usage', '2026-11-02', 'claude-code', 'two'), `${serializeRecord(large)}\n`);
  await store.put(lakeObjectKey('usage', '2026-11-03', 'claude-code', 'one'), `${serializeRecord(other)}\n`);
});

async function sql(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { env: { ...process.env, TOKENLAKE_DATA_DIR: dataDir } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run lake:sql', () => {
  it('counts one copy per id in usage, the larger, and every line in lake_usage', async () => {
    const out = await sql(
      '--json',
      'select model, sum(input_tokens) as input, sum(output_tokens) as output, count(*) as n, min(dt) as dt from usage group by 1 order by 1',
    );
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual([
      { model: 'claude-haiku-4-5', input: '7', output: '5', n: '1', dt: '2026-11-03' },
      { model: 'claude-sonnet-4-5', input: '300', output: '30', n: '1', dt: '2026-11-02' },
    ]);
    const raw = await sql('--json', 'select count(*) as n, sum(input_tokens) as input from lake_usage');
    expect(JSON.parse(raw.stdout)).toEqual([{ n: '3', input: '407' }]);
  });

  it('prints a table by default', async () => {
    const out = await sql('select id, input_tokens from usage order by id');
    expect(out.stdout.split('\n').map((l) => l.trimEnd())).toEqual([
      'id  input_tokens',
      '--  ------------',
      'a            300',
      'b              7',
      '(2 rows)',
      '',
    ]);
  });

  it('answers bad SQL, a bad day and an empty folder with one line and a non-zero exit', async () => {
    const bad = await sql('select nope from usage');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^lake:sql: Binder Error: .*nope/);
    expect((await sql('--as-of', '2026-13', 'select 1')).code).toBe(2);
    const empty = mkdtempSync(join(tmpdir(), 'tl-lake-sql-empty-'));
    try {
      const { code, stderr } = await run(process.execPath, [script, 'select 1'], {
        env: { ...process.env, TOKENLAKE_DATA_DIR: empty },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(code).toBe(1);
      expect(stderr).toContain('no usage in');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
