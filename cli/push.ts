// `tokenlake push`: this machine's coding-agent logs → the team's bucket, with the same source
// readers and lake writer as `sync`, the standard AWS credential chain, and per-machine cursors in
// the bucket. A failure prints one line saying what is wrong and how to fix it; cursors move only
// after the lake writes, so a failed or interrupted push is simply run again.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { type Config, logSources, parseConfig } from '../lib/config/config.ts';
import { isValidDay } from '../lib/core/calendar.ts';
import { ConfigError, errorMessage, PreconditionFailedError } from '../lib/core/errors.ts';
import { createLogger, type LogLevel, silentLogger } from '../lib/core/log.ts';
import { loadPriceTables } from '../lib/pipeline/runtime.ts';
import { runSync } from '../lib/pipeline/sync.ts';
import { detectAgents } from '../lib/sources/detect.ts';
import { createSources } from '../lib/sources/registry.ts';
import type { ObjectStore, PutOptions } from '../lib/store/object-store.ts';
import { createS3Client, S3ObjectStore } from '../lib/store/s3-store.ts';
import { createPricer } from '../lib/usage/pricing/price.ts';
import { installSchedule, type PushJob, parseEvery, type ScheduleHost, uninstallSchedule } from './push-schedule.ts';

/** The sources that read this machine's files; API sources are pulled by the deployed sync. */
const PUSH_SOURCES = logSources;
type PushSource = (typeof PUSH_SOURCES)[number];

export const PUSH_HELP = `tokenlake push --bucket s3://BUCKET [--profile P] [--region R] [--endpoint URL]
               [--source claude-code,codex,gemini-cli,qwen-code,opencode,amp] [--since YYYY-MM-DD] [--quiet]
tokenlake push --install-schedule --every 15m --bucket s3://BUCKET [same options]
tokenlake push --uninstall-schedule

Pushes what this machine's coding-agent logs (Claude Code, Codex CLI, Gemini CLI, Qwen Code, OpenCode,
Amp: every one found here, or those --source names) hold that the team bucket does not have yet
(cursors per machine under state/machines/<machine>/), then exits. Credentials come from the
standard AWS chain (environment, --profile / AWS_PROFILE, SSO, instance role); TOKENLAKE_S3_ENDPOINT
or --endpoint selects an S3-compatible store. Records carry TOKENLAKE_MACHINE (default: host name)
and TOKENLAKE_USER (default: OS user). The IAM policy a pushing user needs is in docs/team.md.

--install-schedule writes a systemd user timer (Linux), a launchd agent (macOS) or prints a crontab
line, and prints the command that activates it; --uninstall-schedule removes it. Both can be repeated.

Example: tokenlake push --bucket s3://acme-llm-lake --profile acme`;

interface PushOptions {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  now?: () => Date;
  /** Wraps the bucket's store (tests inject faults here). */
  wrapStore?: (store: ObjectStore) => ObjectStore;
  /** Schedule target; defaults to this machine. */
  home?: string;
  platform?: NodeJS.Platform;
  systemd?: boolean;
  /** The command a schedule runs; defaults to this node and this package's bin/tokenlake.mjs. */
  launcher?: string[];
}

class UsageError extends Error {}

interface StorageFailure {
  operation: string;
  key: string | null;
  error: unknown;
}

/** A store that remembers the first failed S3 call, so the one line printed can name it. */
function observeStore(inner: ObjectStore, failures: StorageFailure[]): ObjectStore {
  const watch = async <T>(operation: string, key: string | null, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      // A lost conditional write (the sync lease) is the caller's to handle, not a failure.
      if (!(error instanceof PreconditionFailedError)) failures.push({ operation, key, error });
      throw error;
    }
  };
  return {
    bucket: inner.bucket,
    getText: (key) => watch('GetObject', key, () => inner.getText(key)),
    getBytes: (key) => watch('GetObject', key, () => inner.getBytes(key)),
    put: (key: string, body: string | Uint8Array, options?: PutOptions) => watch('PutObject', key, () => inner.put(key, body, options)),
    list: (prefix, options) => watch('ListObjectsV2', prefix, () => inner.list(prefix, options)),
    listPrefixes: (prefix) => watch('ListObjectsV2', prefix, () => inner.listPrefixes(prefix)),
    head: (key) => watch('HeadObject', key, () => inner.head(key)),
    delete: (keys) => watch('DeleteObjects', keys[0] ?? null, () => inner.delete(keys)),
  };
}

interface Target {
  bucket: string;
  profile: string | undefined;
  endpoint: string | undefined;
  region: string | undefined;
}

/** One line: what went wrong talking to the bucket and what to do about it. */
function describeStorageFailure(failure: StorageFailure, target: Target): string {
  const e = failure.error as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? '';
  const code = e?.Code ?? e?.code ?? name;
  const message = errorMessage(failure.error);
  const where = `s3://${target.bucket}${failure.key ? `/${failure.key}` : ''}`;
  const profile = target.profile ? ` --profile ${target.profile}` : '';
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    if (/SSO session/i.test(message)) return `AWS SSO session expired or missing: run "aws sso login${profile}" and push again`;
    if (/Could not resolve credentials using profile/.test(message)) {
      return `AWS profile "${target.profile ?? 'default'}" not found in ~/.aws/config or ~/.aws/credentials: check --profile, or run "aws configure${profile}"`;
    }
    if (target.profile) {
      return `no AWS credentials for profile "${target.profile}": check that it exists in ~/.aws/config, or run "aws configure${profile}" / "aws sso login${profile}"`;
    }
    return 'no AWS credentials found: pass --profile NAME (after "aws configure" or "aws sso login"), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  if (code === 'ExpiredToken' || code === 'ExpiredTokenException' || code === 'TokenRefreshRequired' || /expired/i.test(code)) {
    return `the AWS session credentials have expired: refresh them (e.g. "aws sso login${profile}") and push again`;
  }
  if (code === 'InvalidAccessKeyId')
    return `the AWS access key was rejected (${code}): check the credentials of${profile || ' this environment'}`;
  if (code === 'SignatureDoesNotMatch')
    return `the AWS secret key does not match the access key (${code}): check the credentials of${profile || ' this environment'}`;
  if (code === 'NoSuchBucket')
    return `bucket "${target.bucket}" does not exist${target.endpoint ? ` at ${target.endpoint}` : ''}: check --bucket (the team's lake bucket)`;
  if (code === 'AccessDenied' || code === 'Forbidden' || e?.$metadata?.httpStatusCode === 403) {
    return `access denied: ${failure.operation} on ${where}: attach the push policy from docs/team.md to this identity${profile ? ` (profile ${target.profile})` : ''}`;
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException') {
    return `bucket "${target.bucket}" is in another region than ${target.region ?? 'the configured one'}: pass --region`;
  }
  if (/Region is missing/i.test(message)) return 'no AWS region: pass --region or set AWS_REGION (or a region in the profile)';
  if (
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(code) ||
    /ECONNREFUSED|ENOTFOUND|getaddrinfo/.test(message)
  ) {
    return `cannot reach S3${target.endpoint ? ` at ${target.endpoint}` : ''} (${code || message}): check the network${target.endpoint ? ' and --endpoint' : ''}`;
  }
  return `${failure.operation} on ${where} failed: ${name && name !== 'Error' && !message.startsWith(name) ? `${name}: ` : ''}${message}`;
}

/** "s3://NAME" (a trailing slash is fine) → NAME. */
function parseBucketUrl(text: string): string {
  const m = /^s3:\/\/([^/]+)\/?$/.exec(text.trim());
  if (!m) {
    if (/^s3:\/\/[^/]+\/.+/.test(text.trim())) {
      throw new UsageError('--bucket: the team lake lives at the root of its bucket (lake/, state/); a key prefix is not supported');
    }
    throw new UsageError(`--bucket: expected s3://BUCKET, got "${text}"`);
  }
  const name = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new UsageError(`--bucket: "${name}" is not a valid S3 bucket name`);
  return name;
}

/** Where each agent's logs were looked for, and the variable that moves them (for the skip note). */
function lookedIn(source: PushSource, config: Config): string {
  switch (source) {
    case 'claude-code':
      return `${config.claudeConfigDirs.map((d) => join(d, 'projects')).join(', ')}; set CLAUDE_CONFIG_DIR`;
    case 'codex':
      return `${join(config.codexHome, 'sessions')}; set CODEX_HOME`;
    case 'gemini-cli':
      return `${join(config.geminiDir, 'tmp')}; set GEMINI_CLI_HOME`;
    case 'qwen-code':
      return `${join(config.qwenDir, 'projects')}; set QWEN_RUNTIME_DIR or QWEN_HOME`;
    case 'opencode':
      return `${config.opencodeDb ?? config.opencodeDataDir}; set OPENCODE_DB or XDG_DATA_HOME`;
    case 'amp':
      return `${join(config.ampDataDir, 'threads')}; set XDG_DATA_HOME`;
  }
}

function parsePushArgs(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    options: {
      bucket: { type: 'string' },
      profile: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      source: { type: 'string' },
      since: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
      'install-schedule': { type: 'boolean' },
      'uninstall-schedule': { type: 'boolean' },
      every: { type: 'string' },
    },
  }).values;
}

type PushArgs = ReturnType<typeof parsePushArgs>;

function selectSources(value: string | undefined): { names: PushSource[]; explicit: boolean } {
  if (value === undefined) return { names: [...PUSH_SOURCES], explicit: false };
  const names = [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((n) => !(PUSH_SOURCES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`--source: expected one or more of ${PUSH_SOURCES.join(', ')}, got "${value}"`);
  }
  return { names: names as PushSource[], explicit: true };
}

/** `tokenlake push …`; exit codes 0 ok, 1 failed, 2 bad usage or configuration. */
export async function commandPush(args: string[], env: Record<string, string | undefined>, options: PushOptions = {}): Promise<number> {
  const out = options.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = options.stderr ?? ((t: string) => void process.stderr.write(t));
  try {
    const values = parsePushArgs(args);
    if (values.help) {
      out(`${PUSH_HELP}\n`);
      return 0;
    }
    if (values['install-schedule'] && values['uninstall-schedule'])
      throw new UsageError('--install-schedule and --uninstall-schedule exclude each other');
    if (values['uninstall-schedule']) return await runUninstall(options, out);
    if (values.every !== undefined && !values['install-schedule']) throw new UsageError('--every only goes with --install-schedule');
    if (values['install-schedule']) return await runInstall(values, env, options, out, err);
    return await runPush(values, env, options, out, err);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`tokenlake push: ${errorMessage(error)}\n`);
      return 2;
    }
    err(`tokenlake push: ${errorMessage(error)}\n`);
    return 1;
  }
}

interface Prepared {
  config: Config;
  target: Target;
  sources: PushSource[];
  explicit: boolean;
}

function prepare(values: PushArgs, env: Record<string, string | undefined>): Prepared {
  if (!values.bucket) throw new UsageError('--bucket s3://BUCKET is required (the team lake bucket)');
  const bucket = parseBucketUrl(values.bucket);
  const { names, explicit } = selectSources(values.source);
  if (values.since !== undefined && !isValidDay(values.since))
    throw new UsageError(`--since: expected a day as YYYY-MM-DD, got "${values.since}"`);
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const config = parseConfig(
    {
      ...env,
      TOKENLAKE_BUCKET: bucket,
      TOKENLAKE_SOURCES: names.join(','),
      ...(region ? { AWS_REGION: region } : {}),
      ...(values.endpoint !== undefined ? { TOKENLAKE_S3_ENDPOINT: values.endpoint } : {}),
    },
    { detectAgents },
  );
  const profile = values.profile ?? (env.AWS_PROFILE || undefined);
  return { config, target: { bucket, profile, endpoint: config.s3Endpoint, region }, sources: names, explicit };
}

/**
 * The standard chain, or the named profile; without one, a static key pair from `env` is used as
 * the chain's fromEnv would. Follows a bucket's region redirect; the SDK's own warnings would break
 * the one-line-per-result output, so failures surface as errors instead.
 */
function createBucketClient(target: Target, env: Record<string, string | undefined>): S3Client {
  const keys =
    !target.profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  return createS3Client({
    maxAttempts: 3,
    followRegionRedirects: true,
    quiet: true,
    ...(target.region ? { region: target.region } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    ...(keys ? { credentials: keys } : {}),
  });
}

async function runPush(
  values: PushArgs,
  env: Record<string, string | undefined>,
  options: PushOptions,
  out: (t: string) => void,
  err: (t: string) => void,
): Promise<number> {
  const { config, target, sources: requested, explicit } = prepare(values, env);
  const sources: PushSource[] = [];
  for (const name of requested) {
    const found = config.foundAgents.find((a) => a.source === name);
    if (found) {
      sources.push(name);
      if (!values.quiet) out(`found ${name} logs in ${found.where.join(', ')}\n`);
    }
    // Without --source every agent is tried: one not installed here is not worth a line.
    else if (explicit) err(`${name}: skipped, no logs on this machine (looked in ${lookedIn(name, config)})\n`);
  }
  if (sources.length === 0) {
    const names = requested.length > 1 ? `${requested.slice(0, -1).join(', ')} or ${requested.at(-1)}` : requested.join('');
    err(`tokenlake push: nothing to push: no ${names} logs on this machine\n`);
    return 1;
  }
  const pricer = createPricer(await loadPriceTables(config.pricesFile));
  const level = env.TOKENLAKE_LOG_LEVEL as LogLevel | undefined;
  const log = level ? createLogger({ level, write: (line) => err(`${line}\n`) }) : silentLogger;
  const failures: StorageFailure[] = [];
  const client = createBucketClient(target, env);
  try {
    const raw = new S3ObjectStore(client, config.bucket);
    const store = observeStore(options.wrapStore ? options.wrapStore(raw) : raw, failures);
    const deps = { store, config, now: options.now ?? (() => new Date()), log, pricer, sources: createSources(sources) };
    let result: Awaited<ReturnType<typeof runSync>>;
    try {
      result = await runSync(deps, values.since ? { since: values.since } : {});
    } catch (error) {
      const first = failures[0];
      err(`tokenlake push: ${first ? describeStorageFailure(first, target) : errorMessage(error)}\n`);
      return 1;
    }
    if (result.skipped) {
      err(`tokenlake push: another push of machine "${config.machine}" is running; nothing done\n`);
      return 0;
    }
    const failed = result.outcomes.filter((o) => !o.ok);
    if (failed.length > 0) {
      const first = failures[0];
      // The bucket refused us: one line for the cause, not one per source.
      if (first) err(`tokenlake push: ${describeStorageFailure(first, target)}\n`);
      else for (const o of failed) err(`tokenlake push: ${o.error}\n`);
      return 1;
    }
    if (!values.quiet) {
      out(`pushed to s3://${config.bucket} as machine "${config.machine}", user "${config.user}"\n`);
      for (const o of result.outcomes) {
        const s = o.stats!;
        out(
          s.records === 0 && s.quarantined === 0
            ? `  ${o.source}: nothing new\n`
            : `  ${o.source}: ${s.records} records in ${o.keys.length} objects, ${s.duplicates} duplicates, ${s.quarantined} quarantined\n`,
        );
      }
    }
    return 0;
  } finally {
    client.destroy();
  }
}

function scheduleHost(options: PushOptions): ScheduleHost {
  return {
    home: options.home ?? homedir(),
    platform: options.platform ?? process.platform,
    systemd: options.systemd ?? existsSync('/run/systemd/system'),
  };
}

/** Variables a scheduled push needs to behave like this one; secrets are left out on purpose. */
const CARRIED_ENV = [
  'TOKENLAKE_USER',
  'CLAUDE_CONFIG_DIR',
  'CODEX_HOME',
  'GEMINI_CLI_HOME',
  'QWEN_HOME',
  'QWEN_RUNTIME_DIR',
  'OPENCODE_DB',
  'XDG_DATA_HOME',
  'TOKENLAKE_ANONYMIZE',
  'TOKENLAKE_PRICES_FILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
];

async function runInstall(
  values: PushArgs,
  env: Record<string, string | undefined>,
  options: PushOptions,
  out: (t: string) => void,
  err: (t: string) => void,
): Promise<number> {
  const everyMinutes = parseEvery(values.every ?? '15m');
  if (everyMinutes === null)
    throw new UsageError(`--every: expected an interval such as 15m or 1h (1 minute to 24 hours), got "${values.every}"`);
  const { config, target, sources, explicit } = prepare(values, env);
  const launcher = options.launcher ?? [process.execPath, fileURLToPath(new URL('../bin/tokenlake.mjs', import.meta.url))];
  const argv = [...launcher, 'push', '--bucket', `s3://${config.bucket}`];
  if (target.profile) argv.push('--profile', target.profile);
  if (target.region) argv.push('--region', target.region);
  if (target.endpoint) argv.push('--endpoint', target.endpoint);
  if (explicit) argv.push('--source', sources.join(','));
  argv.push('--quiet');
  // The machine name is pinned at install: a host name that changes (laptops on new networks)
  // would otherwise start a new cursor set and upload everything again.
  const jobEnv: Record<string, string> = { TOKENLAKE_MACHINE: config.machine };
  for (const k of CARRIED_ENV) if (env[k]) jobEnv[k] = env[k];
  const job: PushJob = { argv, env: jobEnv, everyMinutes };
  let result: Awaited<ReturnType<typeof installSchedule>>;
  try {
    result = await installSchedule(scheduleHost(options), job);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`--every: ${error.message}`);
    throw error;
  }
  for (const note of result.notes) out(`${note}\n`);
  if (!target.profile && env.AWS_ACCESS_KEY_ID) {
    err(
      'note: AWS keys from the environment are not copied into the schedule; use --profile, or put them in ~/.config/tokenlake/push.env (systemd)\n',
    );
  }
  if (env.TOKENLAKE_HMAC_KEY)
    err('note: TOKENLAKE_HMAC_KEY is not copied into the schedule; put it in ~/.config/tokenlake/push.env (systemd)\n');
  return 0;
}

async function runUninstall(options: PushOptions, out: (t: string) => void): Promise<number> {
  const result = await uninstallSchedule(scheduleHost(options));
  for (const note of result.notes) out(`${note}\n`);
  return 0;
}
