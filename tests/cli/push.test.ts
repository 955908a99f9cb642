// `tokenlake push` end to end against the embedded S3 acting as the team bucket (it checks request
// signatures, so credentials are required): two machines with overlapping logs push into one
// bucket, analyze sees each message once with per-machine rows; an interrupted push rerun gives
// exact totals; refusals print one line and move no cursor; schedules are written to a temp home.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPush } from '../../cli/push.ts';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { runAnalyze } from '../../lib/pipeline/analyze.ts';
import { analyzeDeps, createRuntime } from '../../lib/pipeline/runtime.ts';
import type { ObjectStore } from '../../lib/store/object-store.ts';
import { S3ObjectStore } from '../../lib/store/s3-store.ts';
import { assistantLine, writeLog } from '../support/claude-logs.ts';
import { type EmbeddedS3, startEmbeddedS3 } from '../support/embedded-s3.ts';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
const NOW = new Date('2026-03-02T12:00:00Z');

let root: string;
let s3: EmbeddedS3;

// Machine A: alice's laptop, Claude Code and Codex. Machine B: bob's, Claude Code only. Message m3
// is in both (a shared home / copied logs): the team must count it once.
const claudeA = () => join(root, 'a', 'claude');
const codexA = () => join(root, 'a', 'codex');
const claudeB = () => join(root, 'b', 'claude');

function writeFixtures() {
  writeLog(claudeA(), '-home-alice-web/s1.jsonl', [
    assistantLine({ ts: '2026-02-28T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 10, output: 20, session: 's1' }),
    assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm2', requestId: 'r2', input: 30, output: 40, session: 's1' }),
    assistantLine({ ts: '2026-03-01T11:00:00.000Z', msgId: 'm3', requestId: 'r3', input: 50, output: 60, session: 'shared' }),
  ]);
  writeLog(claudeB(), '-home-bob-api/s2.jsonl', [
    assistantLine({ ts: '2026-03-01T11:00:00.000Z', msgId: 'm3', requestId: 'r3', input: 50, output: 60, session: 'shared' }),
    assistantLine({
      ts: '2026-03-01T12:00:00.000Z',
      msgId: 'm4',
      requestId: 'r4',
      input: 70,
      output: 80,
      session: 's2',
      cwd: '/home/bob/api',
    }),
  ]);
  const session = '019a9776-0a34-7842-8627-112b63d66e90';
  const usage = { input_tokens: 1000, cached_input_tokens: 400, output_tokens: 100, reasoning_output_tokens: 20, total_tokens: 1100 };
  const file = join(codexA(), 'sessions', '2026', '03', '01', `rollout-2026-03-01T09-00-00-${session}.jsonl`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    [
      {
        timestamp: '2026-03-01T09:00:00.000Z',
        type: 'session_meta',
        payload: { id: session, cwd: '/home/alice/web', model_provider: 'openai' },
      },
      { timestamp: '2026-03-01T09:00:01.000Z', type: 'turn_context', payload: { model: 'gpt-5', cwd: '/home/alice/web' } },
      {
        timestamp: '2026-03-01T09:00:09.000Z',
        type: 'event_msg',
        payload: { type: 'token_count', info: { total_token_usage: usage, last_token_usage: usage } },
      },
    ]
      .map((l) => `${JSON.stringify(l)}\n`)
      .join(''),
  );
}

// Independently: unique Claude messages m1..m4 → input 10+30+50+70, output 20+40+60+80; Codex
// adds 1000 input of which 400 cached (600 uncached) and 100 output.
const EXPECTED = { input_tokens: 160 + 600, output_tokens: 200 + 100, cache_read_tokens: 400, records: 5 };

function machineEnv(machine: 'a' | 'b', extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...CREDENTIALS,
    CLAUDE_CONFIG_DIR: machine === 'a' ? claudeA() : claudeB(),
    CODEX_HOME: machine === 'a' ? codexA() : join(root, 'b', 'no-codex'),
    TOKENLAKE_MACHINE: machine === 'a' ? 'laptop-a' : 'laptop-b',
    TOKENLAKE_USER: machine === 'a' ? 'alice' : 'bob',
    // The other agents' homes point at nothing, so this machine's own logs never join the test.
    GEMINI_CLI_HOME: join(root, 'none'),
    QWEN_RUNTIME_DIR: join(root, 'none'),
    XDG_DATA_HOME: join(root, 'none'),
    ...extra,
  };
}

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function push(
  bucket: string,
  env: Record<string, string>,
  extraArgs: string[] = [],
  wrapStore?: (s: ObjectStore) => ObjectStore,
): Promise<Captured> {
  let out = '';
  let err = '';
  const code = await commandPush(['--bucket', `s3://${bucket}`, '--endpoint', s3.endpoint, ...extraArgs], env, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    now: () => NOW,
    ...(wrapStore ? { wrapStore } : {}),
  });
  return { code, out, err };
}

async function analyze(bucket: string): Promise<Analytics> {
  const config = parseConfig({ TOKENLAKE_BUCKET: bucket, TOKENLAKE_SOURCES: 'demo', TOKENLAKE_DATA_DIR: root });
  const rt = await createRuntime(config, { store: new S3ObjectStore(s3.client, s3.bucket), now: () => NOW, log: silentLogger });
  return (await runAnalyze(analyzeDeps(rt))).analytics;
}

function store(bucket: string): S3ObjectStore {
  return new S3ObjectStore(s3.client, bucket);
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  return (await store(bucket).list(prefix)).map((o) => o.key);
}

/** Records every call that reaches the bucket: operation and key. */
function recording(calls: string[]) {
  return (inner: ObjectStore): ObjectStore => {
    const seen = <T>(call: string, result: Promise<T>): Promise<T> => {
      calls.push(call);
      return result;
    };
    return {
      bucket: inner.bucket,
      getText: (k) => seen(`GET ${k}`, inner.getText(k)),
      getBytes: (k) => seen(`GET ${k}`, inner.getBytes(k)),
      put: (k, b, o) => seen(`PUT ${k}`, inner.put(k, b, o)),
      list: (p, o) => seen(`LIST ${p}`, inner.list(p, o)),
      listPrefixes: (p) => seen(`LIST ${p}`, inner.listPrefixes(p)),
      head: (k) => seen(`HEAD ${k}`, inner.head(k)),
      delete: (ks) => seen(ks.map((k) => `DELETE ${k}`).join(' '), inner.delete(ks)),
    };
  };
}

/** Like a process killed during the upload: the n-th lake write (1-based) throws. */
function failingAt(n: number, error: Error) {
  let lakeWrites = 0;
  return (inner: ObjectStore): ObjectStore => ({
    bucket: inner.bucket,
    getText: (k) => inner.getText(k),
    getBytes: (k) => inner.getBytes(k),
    list: (p, o) => inner.list(p, o),
    listPrefixes: (p) => inner.listPrefixes(p),
    head: (k) => inner.head(k),
    delete: (ks) => inner.delete(ks),
    put: (k, b, o) => {
      if (k.startsWith('lake/') && ++lakeWrites === n) return Promise.reject(error);
      return inner.put(k, b, o);
    },
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tl-push-'));
  writeFixtures();
  s3 = await startEmbeddedS3({ directory: join(root, 's3'), bucket: 'team-lake' });
  for (const b of ['team-lake-2', 'team-lake-3', 'team-lake-4']) await s3.client.send(new CreateBucketCommand({ Bucket: b }));
});

afterAll(async () => {
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('tokenlake push into a team bucket', () => {
  it('two machines with overlapping logs give one consistent analytics.json with per-machine rows', async () => {
    const callsA: string[] = [];
    const a = await push('team-lake', machineEnv('a'), [], recording(callsA));
    expect(a).toMatchObject({ code: 0, err: '' });
    expect(a.out).toContain('pushed to s3://team-lake as machine "laptop-a", user "alice"');
    expect(a.out).toContain('claude-code: 3 records in 2 objects');
    expect(a.out).toContain('codex: 1 records in 1 objects');
    const b = await push('team-lake', machineEnv('b'));
    expect(b.code).toBe(0);
    // Without --source every agent is tried; the ones with no logs here are passed over quietly.
    expect(b.out).toMatch(/found claude-code logs in .*\/projects/);
    expect(b.out).not.toContain('codex');
    expect(b.out).toContain('claude-code: 2 records in 1 objects');

    // Everything a push touched is inside what docs/team.md grants: lake/usage/, quarantine/,
    // this machine's state/machines/ prefix and its sync lease. No listing, no other key.
    const allowed = /^(GET|PUT|DELETE) (lake\/usage\/|quarantine\/|state\/machines\/laptop-a\/)/;
    expect(callsA.filter((c) => !allowed.test(c))).toEqual([]);
    expect(callsA.filter((c) => c.startsWith('PUT lake/'))).toHaveLength(3);

    const analytics = await analyze('team-lake');
    const w = analytics.windows['7d'];
    expect(w.totals).toMatchObject(EXPECTED);
    // m3 reached the lake from both machines; the duplicate is dropped once.
    expect(analytics.data_quality.duplicates_dropped).toBe(1);
    const machines = Object.fromEntries(w.by_machine.map((r) => [r.key, r]));
    expect(Object.keys(machines).sort()).toEqual(['laptop-a', 'laptop-b']);
    expect(machines['laptop-a']!.records + machines['laptop-b']!.records).toBe(EXPECTED.records);
    expect(machines['laptop-a']!.input_tokens + machines['laptop-b']!.input_tokens).toBe(EXPECTED.input_tokens);
    // Each machine has at least what only it logged (m3 is credited to one of them).
    expect(machines['laptop-a']!.input_tokens).toBeGreaterThanOrEqual(10 + 30 + 600);
    expect(machines['laptop-b']!.input_tokens).toBeGreaterThanOrEqual(70);
    expect(w.by_user.map((r) => r.key).sort()).toEqual(['alice', 'bob']);
    expect(w.by_source.map((r) => r.key).sort()).toEqual(['claude-code', 'codex']);
    expect(await keys('team-lake', 'state/machines/')).toEqual([
      'state/machines/laptop-a/cursors/claude-code.json',
      'state/machines/laptop-a/cursors/codex.json',
      'state/machines/laptop-a/status/claude-code.json',
      'state/machines/laptop-a/status/codex.json',
      'state/machines/laptop-b/cursors/claude-code.json',
      'state/machines/laptop-b/status/claude-code.json',
    ]);
    expect(analytics.data_quality.sources.map((s) => `${s.source}@${s.machine}`).sort()).toEqual([
      'claude-code@laptop-a',
      'claude-code@laptop-b',
      'codex@laptop-a',
    ]);
  });

  it('a push that finds nothing new writes nothing to the lake', async () => {
    const calls: string[] = [];
    const again = await push('team-lake', machineEnv('a'), [], recording(calls));
    expect(again.code).toBe(0);
    expect(again.out).toContain('claude-code: nothing new');
    expect(again.out).toContain('codex: nothing new');
    expect(calls.filter((c) => c.startsWith('PUT lake/') || c.startsWith('PUT quarantine/'))).toEqual([]);
    expect(calls).not.toContain('PUT state/machines/laptop-a/cursors/codex.json');
    expect(await keys('team-lake', 'lake/')).toHaveLength(4);
  });

  it('a push killed half-way leaves its cursor, and the rerun ends with exact totals', async () => {
    const killed = await push('team-lake-2', machineEnv('a'), ['--source', 'claude-code'], failingAt(2, new Error('socket hang up')));
    expect(killed.code).toBe(1);
    expect(killed.err.trim().split('\n')).toHaveLength(1);
    expect(killed.err).toMatch(
      /^tokenlake push: PutObject on s3:\/\/team-lake-2\/lake\/usage\/dt=2026-03-01\/claude-code-[0-9a-f]+\.jsonl failed: socket hang up\n$/,
    );
    expect(await keys('team-lake-2', 'lake/')).toHaveLength(1); // the first day got through
    expect(await keys('team-lake-2', 'state/machines/laptop-a/cursors/')).toEqual([]);

    expect((await push('team-lake-2', machineEnv('a'), ['--quiet'])).code).toBe(0);
    expect((await push('team-lake-2', machineEnv('b'), ['--quiet'])).code).toBe(0);
    const w = (await analyze('team-lake-2')).windows['7d'];
    expect(w.totals).toMatchObject(EXPECTED);
  });

  it('a bucket that denies PutObject: one line naming the call and the fix, exit 1, cursors unmoved', async () => {
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const r = await push('team-lake-3', machineEnv('a'), [], failingAt(1, denied));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^tokenlake push: access denied: PutObject on s3:\/\/team-lake-3\/lake\/usage\/dt=2026-0[23]-[0-9]{2}\/(claude-code|codex)-[0-9a-f]+\.jsonl: attach the push policy from docs\/team\.md to this identity\n$/,
    );
    expect(await keys('team-lake-3', 'state/machines/laptop-a/cursors/claude-code.json')).toEqual([]);
  });

  it('wrong credentials, no credentials, an expired SSO session, a missing bucket: one clear line, exit 1, nothing written', async () => {
    const wrong = await push('team-lake-4', machineEnv('a', { AWS_ACCESS_KEY_ID: 'NOT-A-KEY' }));
    expect(wrong).toEqual({
      code: 1,
      out: expect.any(String),
      err: 'tokenlake push: the AWS access key was rejected (InvalidAccessKeyId): check the credentials of this environment\n',
    });

    const missing = await push('no-such-bucket', machineEnv('a'));
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(
      `tokenlake push: bucket "no-such-bucket" does not exist at ${s3.endpoint}: check --bucket (the team's lake bucket)\n`,
    );

    // The SDK's credential chain reads the process environment and ~/.aws: point both at a temp home.
    const home = join(root, 'aws-home');
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    writeFileSync(
      join(home, '.aws', 'config'),
      '[profile acme]\nsso_session = acme\nsso_account_id = 123456789012\nsso_role_name = Push\nregion = us-east-1\n' +
        '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n',
    );
    const tokenFile = `${createHash('sha1').update('acme').digest('hex')}.json`;
    writeFileSync(
      join(home, '.aws', 'sso', 'cache', tokenFile),
      JSON.stringify({
        accessToken: 'expired',
        expiresAt: '2020-01-01T00:00:00Z',
        region: 'us-east-1',
        startUrl: 'https://acme.awsapps.com/start',
      }),
    );
    const saved = { ...process.env };
    Object.assign(process.env, {
      HOME: home,
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    for (const k of [
      'AWS_PROFILE',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    ]) {
      delete process.env[k];
    }
    try {
      const { AWS_ACCESS_KEY_ID: _k, AWS_SECRET_ACCESS_KEY: _s, ...noKeys } = machineEnv('a');
      const none = await push('team-lake-4', noKeys);
      expect(none.code).toBe(1);
      expect(none.err).toBe(
        'tokenlake push: no AWS credentials found: pass --profile NAME (after "aws configure" or "aws sso login"), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n',
      );
      const sso = await push('team-lake-4', noKeys, ['--profile', 'acme']);
      expect(sso.code).toBe(1);
      expect(sso.err).toBe('tokenlake push: AWS SSO session expired or missing: run "aws sso login --profile acme" and push again\n');
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    expect(await keys('team-lake-4', '')).toEqual([]);
  });

  it('refuses bad usage with exit 2', async () => {
    expect((await push('team-lake', machineEnv('a'), ['--source', 'openai'])).code).toBe(2);
    expect((await push('team-lake', machineEnv('a'), ['--since', 'yesterday'])).code).toBe(2);
    const prefixed = await commandPush(['--bucket', 's3://team-lake/some/prefix'], machineEnv('a'), { stderr: () => {} });
    expect(prefixed).toBe(2);
    expect(await commandPush([], machineEnv('a'), { stderr: () => {} })).toBe(2);
    const noLogs = await push('team-lake', { ...machineEnv('b'), CLAUDE_CONFIG_DIR: join(root, 'nothing') });
    expect(noLogs.code).toBe(1);
    expect(noLogs.err).toBe(
      'tokenlake push: nothing to push: no claude-code, codex, gemini-cli, qwen-code, opencode or amp logs on this machine\n',
    );
    const explicit = await push('team-lake', { ...machineEnv('b'), CLAUDE_CONFIG_DIR: join(root, 'nothing') }, ['--source', 'gemini-cli']);
    expect(explicit.code).toBe(1);
    expect(explicit.err).toMatch(/gemini-cli: skipped, no logs on this machine \(looked in .*none\/\.gemini\/tmp; set GEMINI_CLI_HOME\)/);
  });
});

describe('push --install-schedule / --uninstall-schedule', () => {
  const launcher = ['/usr/bin/node', '/opt/tokenlake/bin/tokenlake.mjs'];
  const env = {
    TOKENLAKE_MACHINE: 'laptop-a',
    TOKENLAKE_USER: 'alice',
    AWS_ACCESS_KEY_ID: 'AKIA-not-copied',
    CODEX_HOME: '/home/alice/.codex',
  };

  async function schedule(args: string[], home: string, platform: NodeJS.Platform, systemd: boolean) {
    let out = '';
    const code = await commandPush(args, env, { home, platform, systemd, launcher, stdout: (t) => (out += t), stderr: () => {} });
    return { code, out };
  }

  it('writes a systemd user timer on Linux, unchanged on a repeat, and removes it (with its enable link)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tl-home-'));
    const install = ['--install-schedule', '--every', '15m', '--bucket', 's3://team-lake', '--profile', 'acme'];
    const first = await schedule(install, home, 'linux', true);
    expect(first.code).toBe(0);
    expect(first.out).toContain('systemctl --user daemon-reload && systemctl --user enable --now tokenlake-push.timer');
    const unit = join(home, '.config', 'systemd', 'user');
    const service = readFileSync(join(unit, 'tokenlake-push.service'), 'utf8');
    expect(service).toContain(
      'ExecStart=/usr/bin/node /opt/tokenlake/bin/tokenlake.mjs push --bucket s3://team-lake --profile acme --quiet\n',
    );
    expect(service).toContain('Environment=TOKENLAKE_MACHINE=laptop-a\n');
    expect(service).toContain('Environment=CODEX_HOME=/home/alice/.codex\n');
    expect(service).not.toContain('AKIA');
    expect(readFileSync(join(unit, 'tokenlake-push.timer'), 'utf8')).toContain('OnUnitActiveSec=15min\n');

    const second = await schedule(install, home, 'linux', true);
    expect(second.out).toContain('systemd user timer unchanged');
    expect(readFileSync(join(unit, 'tokenlake-push.service'), 'utf8')).toBe(service);

    // What "systemctl --user enable" would have created.
    mkdirSync(join(unit, 'timers.target.wants'));
    symlinkSync(join(unit, 'tokenlake-push.timer'), join(unit, 'timers.target.wants', 'tokenlake-push.timer'));
    expect((await schedule(['--uninstall-schedule'], home, 'linux', true)).code).toBe(0);
    for (const f of ['tokenlake-push.service', 'tokenlake-push.timer', 'timers.target.wants/tokenlake-push.timer'])
      expect(existsSync(join(unit, f))).toBe(false);
    const again = await schedule(['--uninstall-schedule'], home, 'linux', true);
    expect(again).toEqual({ code: 0, out: expect.stringContaining('no tokenlake systemd timer was installed') });
    rmSync(home, { recursive: true, force: true });
  });

  it('writes a launchd agent on macOS and removes it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tl-home-'));
    const r = await schedule(['--install-schedule', '--every', '1h', '--bucket', 's3://team-lake'], home, 'darwin', false);
    expect(r.code).toBe(0);
    const plist = join(home, 'Library', 'LaunchAgents', 'dev.tokenlake.push.plist');
    const text = readFileSync(plist, 'utf8');
    expect(text).toContain('<key>StartInterval</key><integer>3600</integer>');
    expect(text).toContain('<string>s3://team-lake</string>');
    expect(text).toContain('<key>TOKENLAKE_MACHINE</key><string>laptop-a</string>');
    expect(r.out).toContain(`launchctl bootstrap gui/$(id -u) ${plist}`);
    expect((await schedule(['--uninstall-schedule'], home, 'darwin', false)).code).toBe(0);
    expect(existsSync(plist)).toBe(false);
    expect((await schedule(['--uninstall-schedule'], home, 'darwin', false)).code).toBe(0);
    rmSync(home, { recursive: true, force: true });
  });

  it('prints the crontab line where there is neither, and refuses an interval cron cannot keep', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tl-home-'));
    const r = await schedule(['--install-schedule', '--every', '15m', '--bucket', 's3://team-lake'], home, 'linux', false);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `*/15 * * * * TOKENLAKE_MACHINE=laptop-a TOKENLAKE_USER=alice CODEX_HOME=/home/alice/.codex /usr/bin/node /opt/tokenlake/bin/tokenlake.mjs push --bucket s3://team-lake --quiet >> ${home}/.tokenlake-push.log 2>&1`,
    );
    expect(existsSync(join(home, '.config'))).toBe(false);
    expect((await schedule(['--install-schedule', '--every', '7m', '--bucket', 's3://team-lake'], home, 'linux', false)).code).toBe(2);
    expect((await schedule(['--install-schedule', '--every', 'often', '--bucket', 's3://team-lake'], home, 'linux', true)).code).toBe(2);
    rmSync(home, { recursive: true, force: true });
  });
});
