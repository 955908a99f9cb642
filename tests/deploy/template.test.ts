// The deploy template as osls generates it. `osls package --stage test` runs once, offline, into a
// temp folder; the tests assert on the CloudFormation JSON (cfn-lint is not on the npm registry or
// in Debian, so CI cannot run it: `npm run lint:cfn` where it is installed) and load each packaged
// bundle to prove the zips hold runnable handlers. Optional features are CloudFormation parameters:
// `deployed` evaluates the template's conditions for given parameter values, as CloudFormation does.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are CloudFormation Fn::Sub references in the template under test.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_GRANTS } from '../../infra/serverless/iam.ts';
import { allRoutes } from '../../lib/api/all-routes.ts';
import { eventRecordSchema } from '../../lib/events/schema.ts';
import { triggersAnalyze } from '../../lib/store/layout.ts';
import { usageRecordSchema } from '../../lib/usage/record.ts';

const root = resolve(import.meta.dirname, '../..');
const FUNCTIONS = ['sync', 'analyze', 'api', 'ingest', 'compact'];
const BUCKET_ARN = 'arn:${AWS::Partition}:s3:::tokenlake-test-${AWS::AccountId}-${AWS::Region}';

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
type Json = any;
let outDir: string;
let template: Json;
let resources: Record<string, Json>;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'tokenlake-package-'));
  // The repo's own osls, no network: the same command as `npm run package`.
  await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'test', '--package', outDir],
    {
      cwd: root,
      timeout: 280_000,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    },
  );
  template = JSON.parse(await readFile(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  resources = template.Resources;
}, 300_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

function ofType(type: string): Array<[string, Json]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** Every statement of a role's inline policies; both branches of an Fn::If, minus AWS::NoValue. */
function statementsOf(role: Json): Json[] {
  const out: Json[] = [];
  for (const policy of role.Properties.Policies ?? []) {
    for (const s of policy.PolicyDocument.Statement) {
      if (s['Fn::If']) out.push(...s['Fn::If'].slice(1).filter((b: Json) => b.Ref !== 'AWS::NoValue'));
      else out.push(s);
    }
  }
  return out;
}

const asList = (v: Json): Json[] => (Array.isArray(v) ? v : [v]);

const NO_VALUE = Symbol('AWS::NoValue');

/**
 * The template as CloudFormation would deploy it with these parameter values (the rest at their
 * defaults): conditions evaluated, `Fn::If` replaced by its branch, `AWS::NoValue` dropped and
 * `Ref` to a parameter replaced by its value. Only the functions the template's conditions use.
 */
function deployed(overrides: Record<string, string> = {}): Json {
  const params: Record<string, string> = {};
  for (const [name, p] of Object.entries(template.Parameters ?? {}) as Array<[string, Json]>) params[name] = String(p.Default);
  Object.assign(params, overrides);
  const conditions: Record<string, boolean> = {};
  const condition = (c: Json): boolean => {
    if (c.Condition) return conditionNamed(c.Condition);
    if (c['Fn::Not']) return !condition(c['Fn::Not'][0]);
    if (c['Fn::And']) return c['Fn::And'].every(condition);
    if (c['Fn::Or']) return c['Fn::Or'].some(condition);
    if (c['Fn::Equals']) {
      const [a, b] = c['Fn::Equals'].map(walk);
      return String(a) === String(b);
    }
    throw new Error(`resolve: unsupported condition ${JSON.stringify(c)}`);
  };
  const conditionNamed = (name: string): boolean => {
    conditions[name] ??= condition(template.Conditions[name]);
    return conditions[name]!;
  };
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk).filter((x) => x !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    if (v.Ref === 'AWS::NoValue') return NO_VALUE;
    if (typeof v.Ref === 'string' && v.Ref in params) return params[v.Ref];
    if (v['Fn::If']) {
      const [name, yes, no] = v['Fn::If'];
      return walk(conditionNamed(name) ? yes : no);
    }
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) {
      const w = walk(x);
      if (w !== NO_VALUE) out[k] = w;
    }
    return out;
  };
  const resolved = walk({ Resources: template.Resources, Outputs: template.Outputs });
  // A resource whose Condition is false is not created.
  for (const [id, r] of Object.entries(resolved.Resources) as Array<[string, Json]>) {
    if (r.Condition && !conditionNamed(r.Condition)) delete resolved.Resources[id];
  }
  return resolved;
}

/** 'arn:…:s3:::bucket/lake/*' (as an Fn::Sub) → 'lake/*'; the bucket itself → '(bucket)'. */
function s3Target(resource: Json): string {
  const text = typeof resource === 'string' ? resource : resource['Fn::Sub'];
  if (text === BUCKET_ARN) return '(bucket)';
  if (typeof text === 'string' && text.startsWith(`${BUCKET_ARN}/`)) return text.slice(BUCKET_ARN.length + 1);
  return JSON.stringify(resource);
}

function roleOf(fn: string): Json {
  const fnResource = resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`];
  return resources[fnResource.Properties.Role['Fn::GetAtt'][0]];
}

/** Whether a statement is about the lake bucket (not, say, the Bedrock log bucket sync may read). */
const onLake = (s: Json) => asList(s.Resource).every((r: Json) => s3Target(r) === '(bucket)' || !s3Target(r).startsWith('{'));

/** action → sorted S3 targets in the lake bucket, for one function's role. */
function s3Grants(fn: string): Record<string, string[]> {
  const grants: Record<string, string[]> = {};
  for (const s of statementsOf(roleOf(fn)).filter(onLake)) {
    for (const action of asList(s.Action).filter((a: string) => a.startsWith('s3:'))) {
      grants[action] = [...(grants[action] ?? []), ...asList(s.Resource).map(s3Target)].sort();
    }
  }
  return grants;
}

describe('functions', () => {
  it('are the five handlers, on nodejs22.x and arm64, with the handler the bundle exports', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(
      ['AnalyzeLambdaFunction', 'ApiLambdaFunction', 'CompactLambdaFunction', 'IngestLambdaFunction', 'SyncLambdaFunction'].sort(),
    );
    for (const [, f] of functions) {
      expect(f.Properties.Runtime).toBe('nodejs22.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.Handler).toMatch(/^functions\/(sync|analyze|api|ingest|compact)\.handler$/);
    }
  });

  it('each has its own role, and no shared default role exists', () => {
    const roles = FUNCTIONS.map((fn) => resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`].Properties.Role['Fn::GetAtt'][0]);
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    for (const id of roles) {
      expect(resources[id].Type).toBe('AWS::IAM::Role');
      expect(resources[id].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    }
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('carry configuration and secret NAMES in env, never secret values; a retention only when one is set', () => {
    const envOf = (fn: string, t: Json = deployed()) =>
      t.Resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`].Properties.Environment.Variables;
    const withRetention = deployed({ RetentionDays: '45' });
    for (const fn of FUNCTIONS) {
      const env = envOf(fn);
      expect(env.TOKENLAKE_BUCKET).toEqual({ 'Fn::Sub': 'tokenlake-test-${AWS::AccountId}-${AWS::Region}' });
      expect(env.TOKENLAKE_SOURCES).toBe('demo');
      expect(env.TOKENLAKE_TIMEZONE).toBe('UTC');
      // Unset = keep everything (lib/config/config.ts); the deploy parameter turns expiry on.
      expect(env).not.toHaveProperty('TOKENLAKE_RETENTION_DAYS');
      expect(envOf(fn, withRetention).TOKENLAKE_RETENTION_DAYS).toBe('45');
      for (const secret of ['ANTHROPIC_ADMIN_API_KEY', 'OPENAI_ADMIN_KEY', 'TOKENLAKE_API_KEY']) expect(env[secret]).toBeUndefined();
    }
    expect(envOf('sync').TOKENLAKE_ANTHROPIC_ADMIN_KEY_PARAMETER).toBe('/tokenlake/test/anthropic-admin-key');
    expect(envOf('sync').TOKENLAKE_OPENAI_ADMIN_KEY_PARAMETER).toBe('/tokenlake/test/openai-admin-key');
    // The daily price refresh is off unless a stage sets pricesUrl (some accounts have no egress).
    expect(envOf('sync').TOKENLAKE_PRICES_URL).toBe('');
  });

  it("serialise analyze (reserved concurrency 1) and send every async function's final failures to the DLQ", () => {
    expect(resources.AnalyzeLambdaFunction.Properties.ReservedConcurrentExecutions).toBe(1);
    const dlq = { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] };
    expect(resources.FailedInvocationsQueue.Type).toBe('AWS::SQS::Queue');
    // Invoked asynchronously: by schedules (sync, compact), S3 (analyze) and the bus (ingest).
    const asyncFunctions = ['sync', 'analyze', 'ingest', 'compact'];
    for (const fn of asyncFunctions) {
      const id = `${fn[0]!.toUpperCase()}${fn.slice(1)}`;
      const config = resources[`${id}LambdaEvConf`];
      expect(config.Type, fn).toBe('AWS::Lambda::EventInvokeConfig');
      expect(config.Properties.FunctionName).toEqual({ Ref: `${id}LambdaFunction` });
      expect(config.Properties.DestinationConfig.OnFailure.Destination).toEqual(dlq);
      expect(config.Properties.MaximumRetryAttempts).toBe(2);
      // Lambda sends to the destination with the function's own role.
      expect(statementsOf(roleOf(fn))).toContainEqual({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: dlq });
    }
    // A stale sync trigger is dropped after an hour (the next schedule runs anyway).
    expect(resources.SyncLambdaEvConf.Properties.MaximumEventAgeInSeconds).toBe(3600);
    // The api is invoked synchronously by API Gateway: no async config, no queue grant.
    expect(resources.ApiLambdaEvConf).toBeUndefined();
    expect(statementsOf(roleOf('api')).filter((s) => s.Action === 'sqs:SendMessage')).toEqual([]);
  });
});

describe('IAM', () => {
  const allStatements = () =>
    Object.values(resources).flatMap((r: Json) => {
      if (r.Type === 'AWS::IAM::Role') return statementsOf(r);
      if (r.Type === 'AWS::S3::BucketPolicy' || r.Type === 'AWS::SQS::QueuePolicy') return r.Properties.PolicyDocument.Statement;
      return [];
    });

  it('grants no wildcard action; the only wildcards are in Deny statements', () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(20);
    for (const s of statements) {
      const wild = asList(s.Action).filter((a: string) => a.includes('*'));
      if (wild.length > 0) expect(s.Effect, JSON.stringify(s)).toBe('Deny');
    }
  });

  it("uses Resource '*' only for X-Ray and GetMetricData, which support no resource-level permissions", () => {
    const star = allStatements().filter((s) => s.Effect === 'Allow' && asList(s.Resource).includes('*'));
    expect(star).toHaveLength(FUNCTIONS.length + 1);
    const xray = star.filter((s) => s.Action !== 'cloudwatch:GetMetricData');
    expect(xray).toHaveLength(FUNCTIONS.length);
    for (const s of xray) expect(s.Action).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    // GetMetricData: sync only, and only while bedrock-metrics is configured (see the Bedrock test).
    expect(statementsOf(roleOf('sync'))).toContainEqual({ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' });
  });

  it('gives each function exactly the S3 access the issue lists', () => {
    expect(s3Grants('sync')).toEqual({
      's3:PutObject': ['config/anonymization-key', 'config/prices/*', 'lake/*', 'quarantine/*', 'state/*'],
      's3:GetObject': ['config/anonymization-key', 'config/prices/*', 'state/*'],
      's3:ListBucket': ['(bucket)'],
      's3:DeleteObject': ['state/machines/*/lock.json'],
    });
    expect(s3Grants('analyze')).toEqual({
      's3:GetObject': ['config/*', 'lake/*', 'quarantine/*', 'rollups/*', 'state/*'],
      's3:PutObject': ['analytics/*', 'rollups/*', 'state/alerts/*', 'state/budgets-last-good.json'],
      's3:ListBucket': ['(bucket)'],
      's3:DeleteObject': ['state/alerts/*'],
    });
    expect(s3Grants('api')).toEqual({
      's3:GetObject': ['analytics/*', 'config/*', 'exports/*', 'lake/*', 'quarantine/*', 'rollups/*', 'state/*'],
      's3:PutObject': [
        'analytics/*',
        'config/anonymization-key',
        'config/budgets.json',
        'exports/*',
        'lake/events/*',
        'lake/usage/*',
        'quarantine/*',
        'rollups/*',
        'state/alerts/*',
        'state/budgets-last-good.json',
        'state/events/ids/*',
        'state/otlp/*',
        'state/status/otlp.json',
      ],
      's3:ListBucket': ['(bucket)'],
      's3:DeleteObject': ['state/alerts/*'],
    });
    expect(s3Grants('ingest')).toEqual({
      's3:PutObject': ['lake/events/*', 'lake/usage/*', 'quarantine/*', 'state/events/ids/*'],
      's3:GetObject': ['config/prices/*', 'lake/events/*', 'lake/usage/*', 'state/events/ids/*'],
      's3:ListBucket': ['(bucket)'],
    });
    expect(s3Grants('compact')).toEqual({
      's3:GetObject': ['lake/*'],
      's3:PutObject': ['lake/*'],
      's3:DeleteObject': ['lake/*', 'rollups/*'],
      's3:ListBucket': ['(bucket)'],
    });
  });

  it('confines listings to prefixes (sync: lake/, quarantine/, state/, config/)', () => {
    const listing = statementsOf(roleOf('sync')).find((s) => s.Action === 's3:ListBucket' && onLake(s));
    expect(listing.Condition).toEqual({
      StringLike: { 's3:prefix': ['lake/', 'lake/*', 'quarantine/', 'quarantine/*', 'state/', 'state/*', 'config/', 'config/*'] },
    });
  });

  it('never loosens a listing when s3:prefix is absent: plain StringLike on named prefixes, for every role', () => {
    for (const fn of FUNCTIONS) {
      const listings = statementsOf(roleOf(fn)).filter((s) => asList(s.Action).includes('s3:ListBucket'));
      expect(listings.length, fn).toBeGreaterThan(0);
      for (const s of listings) {
        // One operator only: `...IfExists` (or no condition at all) would allow a listing of every key.
        expect(Object.keys(s.Condition ?? {}), fn).toEqual(['StringLike']);
        const prefixes: string[] = s.Condition.StringLike['s3:prefix'];
        // Lake prefixes, or (sync) the Bedrock log prefix's AWSLogs/ folder.
        for (const p of prefixes)
          expect(typeof p === 'string' ? p : (p as Json)['Fn::Sub'], fn).toMatch(/^(([a-z-]+\/)+|\$\{BedrockLogsPrefix\}AWSLogs\/)\*?$/);
        // config/api-keys.json is listable only by roles that may list config/ at all.
        expect(prefixes).not.toContain('*');
      }
    }
  });

  it('lets every role list the name of each key it may read, so a missing key reads as missing', () => {
    // lib/storage.ts turns a 403 on a missing key into "missing" by listing that key's name.
    const covers = (pattern: string, key: string) => (pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern);
    for (const fn of FUNCTIONS) {
      const grants = s3Grants(fn);
      const prefixes: string[] = statementsOf(roleOf(fn))
        .filter((s) => s.Action === 's3:ListBucket' && onLake(s))
        .flatMap((s) => s.Condition.StringLike['s3:prefix']);
      for (const readable of grants['s3:GetObject'] ?? []) {
        // A key under the readable pattern, e.g. 'state/*' → 'state/x.json', 'state/machines/*/lock.json' → 'state/machines/m/lock.json'.
        const key = readable.replace(/\*/g, 'x.json');
        expect(
          prefixes.some((p) => covers(p, key)),
          `${fn} reads ${readable}`,
        ).toBe(true);
      }
    }
  });

  it('grants each optional source its own statements, to sync only', () => {
    const arn = (name: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/tokenlake/test/${name}`,
    });
    // One line per source; a new source (e.g. Bedrock) adds its own expected statements here.
    const expected: Record<string, Json[]> = {
      anthropic: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: arn('anthropic-admin-key') }],
      openai: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: arn('openai-admin-key') }],
      bedrock: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${BedrockLogsBucket}/${BedrockLogsPrefix}AWSLogs/*' },
        },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${BedrockLogsBucket}' },
          Condition: {
            StringLike: { 's3:prefix': [{ 'Fn::Sub': '${BedrockLogsPrefix}AWSLogs/' }, { 'Fn::Sub': '${BedrockLogsPrefix}AWSLogs/*' }] },
          },
        },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { Ref: 'BedrockLogsKmsKeyArn' } },
      ],
      'bedrock-metrics': [{ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' }],
    };
    expect(Object.keys(SOURCE_GRANTS).sort()).toEqual(Object.keys(expected).sort());
    for (const [source, statements] of Object.entries(expected)) {
      for (const s of statements) {
        expect(statementsOf(roleOf('sync')), source).toContainEqual(s);
        for (const fn of FUNCTIONS.filter((f) => f !== 'sync')) expect(statementsOf(roleOf(fn)), `${source} → ${fn}`).not.toContainEqual(s);
      }
    }
  });

  it('grants KMS on the configured key only when one is set (no placeholder in the unused branch)', () => {
    const kmsStatements = (t: Json, fn: string) => {
      const role = t.Resources[t.Resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`].Properties.Role['Fn::GetAtt'][0]];
      return role.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement).filter((s: Json) =>
        asList(s.Action).some((a: string) => a.startsWith('kms:')),
      );
    };
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const sse = (t: Json) => t.Resources.LakeBucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    const plain = deployed();
    const withKey = deployed({ KmsKeyArn: key });
    for (const fn of FUNCTIONS) {
      expect(kmsStatements(plain, fn), fn).toEqual([]);
      expect(kmsStatements(withKey, fn), fn).toEqual([{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key }]);
    }
    expect(sse(plain)).toEqual({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false });
    expect(sse(withKey)).toEqual({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key },
      BucketKeyEnabled: true,
    });
    expect(new RegExp(template.Parameters.KmsKeyArn.AllowedPattern).test(key)).toBe(true);
    expect(new RegExp(template.Parameters.KmsKeyArn.AllowedPattern).test('alias/aws/s3')).toBe(false);
  });

  it("holds no placeholder value outside the parameters: 'none' lives only in Parameters and Conditions", () => {
    const hits: string[] = [];
    const find = (v: Json, path: string) => {
      if (v === 'none') hits.push(path);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) find(x, `${path}/${k}`);
    };
    find(template.Resources, 'Resources');
    find(template.Outputs, 'Outputs');
    expect(hits).toEqual([]);
    // The stage's optional features default to off, and the defaults flow into the parameters.
    expect(Object.fromEntries(Object.entries(template.Parameters).map(([k, p]) => [k, (p as Json).Default]))).toEqual({
      KmsKeyArn: 'none',
      Versioning: 'true',
      AlarmEmail: 'none',
      RetentionDays: 'none',
      BedrockLogsBucket: 'none',
      BedrockLogsPrefix: '',
      BedrockLogsKmsKeyArn: 'none',
      BedrockMetricsRegions: 'none',
    });
  });

  it('grants the Bedrock sources their access, and names them to sync, only when their parameters are set', () => {
    const syncRole = (t: Json) => t.Resources[t.Resources.SyncLambdaFunction.Properties.Role['Fn::GetAtt'][0]];
    const statements = (t: Json) => syncRole(t).Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
    const bedrockOnly = (t: Json) =>
      statements(t).filter(
        (s: Json) =>
          s.Action === 'cloudwatch:GetMetricData' ||
          JSON.stringify(s).includes('Bedrock') ||
          (s.Action === 'kms:Decrypt' && s.Resource !== undefined),
      );
    const env = (t: Json, fn = 'Sync') => t.Resources[`${fn}LambdaFunction`].Properties.Environment.Variables;
    const plain = deployed();
    expect(bedrockOnly(plain)).toEqual([]);
    expect(env(plain)).not.toHaveProperty('TOKENLAKE_BEDROCK_LOGS');
    expect(env(plain)).not.toHaveProperty('TOKENLAKE_BEDROCK_METRICS_REGIONS');
    expect(env(plain).TOKENLAKE_SOURCES).toBe('demo');

    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const logsOnly = deployed({ BedrockLogsBucket: 'acme-bedrock-logs', BedrockLogsPrefix: 'team/' });
    expect(bedrockOnly(logsOnly).map((s: Json) => s.Action)).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(env(logsOnly).TOKENLAKE_SOURCES).toBe('demo,bedrock');
    expect(env(logsOnly).TOKENLAKE_BEDROCK_LOGS).toEqual({ 'Fn::Sub': 's3://${BedrockLogsBucket}/${BedrockLogsPrefix}' });

    const all = deployed({
      BedrockLogsBucket: 'acme-bedrock-logs',
      BedrockLogsKmsKeyArn: key,
      BedrockMetricsRegions: 'us-east-1,eu-west-1',
    });
    expect(bedrockOnly(all)).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key });
    expect(bedrockOnly(all)).toContainEqual({ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' });
    expect(bedrockOnly(all)).toHaveLength(4);
    expect(env(all).TOKENLAKE_SOURCES).toBe('demo,bedrock,bedrock-metrics');
    expect(env(all).TOKENLAKE_BEDROCK_METRICS_REGIONS).toBe('us-east-1,eu-west-1');
    // The metrics alone need no S3 or KMS grant; a KMS key without a log bucket grants nothing.
    const metricsOnly = deployed({ BedrockMetricsRegions: 'us-east-1', BedrockLogsKmsKeyArn: key });
    expect(bedrockOnly(metricsOnly)).toEqual([{ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' }]);
    // No other function is granted any of it.
    for (const fn of FUNCTIONS.filter((f) => f !== 'sync')) {
      const role = all.Resources[all.Resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`].Properties.Role['Fn::GetAtt'][0]];
      const text = JSON.stringify(role.Properties.Policies);
      expect(text, fn).not.toContain('Bedrock');
      expect(text, fn).not.toContain('cloudwatch:');
    }
    const pattern = (name: string) => new RegExp(template.Parameters[name].AllowedPattern);
    expect(pattern('BedrockLogsPrefix').test('team/bedrock/')).toBe(true);
    expect(pattern('BedrockLogsPrefix').test('team')).toBe(false);
    expect(pattern('BedrockMetricsRegions').test('us-east-1,us-gov-west-1')).toBe(true);
    expect(pattern('BedrockMetricsRegions').test('us-east-1 eu-west-1')).toBe(false);
  });

  it('lets sync read only its two named SSM parameters, and nothing else read SSM', () => {
    const ssm = (fn: string) =>
      statementsOf(roleOf(fn))
        .filter((s) => asList(s.Action).some((a: string) => a.startsWith('ssm:')))
        .flatMap((s) => asList(s.Resource).map((r: Json) => r['Fn::Sub']));
    const arn = (name: string) => `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/tokenlake/test/${name}`;
    expect(ssm('sync')).toEqual([arn('anthropic-admin-key'), arn('openai-admin-key')]);
    for (const fn of ['analyze', 'api', 'ingest', 'compact']) expect(ssm(fn)).toEqual([]);
  });

  it('lets analyze and api (which recomputes on budget changes) put events on the configured bus only', () => {
    for (const fn of ['analyze', 'api']) {
      const put = statementsOf(roleOf(fn)).filter((s) => s.Action === 'events:PutEvents');
      expect(put).toEqual([
        {
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' },
        },
      ]);
    }
  });

  it("lets each function write only its own log group's streams", () => {
    for (const fn of FUNCTIONS) {
      const logs = statementsOf(roleOf(fn)).filter((s) => asList(s.Action).some((a: string) => a.startsWith('logs:')));
      expect(logs).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: {
            'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/tokenlake-test-${fn}:*`,
          },
        },
      ]);
    }
  });
});

describe('the lake bucket', () => {
  it('blocks public access, enforces bucket-owner objects and encrypts by default (SSE-S3 unless a KMS key is set)', () => {
    const p = resources.LakeBucket.Properties;
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    const sse = p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault['Fn::If'];
    expect(sse[0]).toBe('UseKms');
    expect(sse[2]).toEqual({ SSEAlgorithm: 'AES256' });
    // Real conditions on the parameters (not constants fixed at packaging time).
    expect(template.Conditions.UseKms).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'KmsKeyArn' }, 'none'] }] });
    expect(template.Conditions.UseVersioning).toEqual({ 'Fn::Equals': [{ Ref: 'Versioning' }, 'true'] });
    expect(deployed().Resources.LakeBucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(deployed({ Versioning: 'false' }).Resources.LakeBucket.Properties).not.toHaveProperty('VersioningConfiguration');
    expect(resources.LakeBucket.DeletionPolicy).toBe('Retain');
  });

  it('denies every request that is not TLS (1.2 or later)', () => {
    const policy = ofType('AWS::S3::BucketPolicy').find(([, r]) => r.Properties.Bucket.Ref === 'LakeBucket')![1];
    const statements = policy.Properties.PolicyDocument.Statement;
    const everything = [{ 'Fn::Sub': BUCKET_ARN }, { 'Fn::Sub': `${BUCKET_ARN}/*` }];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: everything,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Resource: everything, Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } }),
    );
    expect(statements.every((s: Json) => s.Effect === 'Deny')).toBe(true);
  });

  it('keeps lake/ forever by default; expires it only when RetentionDays is set; other prefixes as configured', () => {
    const days = (t: Json) =>
      Object.fromEntries(t.Resources.LakeBucket.Properties.LifecycleConfiguration.Rules.map((r: Json) => [r.Prefix, r.ExpirationInDays]));
    const others = { 'exports/': 1, 'quarantine/': 30, 'rollups/': 760, 'athena-results/': 30 };
    // No rule on lake/ at all (a rule with a huge number of days would still be a deletion date).
    expect(days(deployed())).toEqual(others);
    expect(days(deployed({ RetentionDays: '400' }))).toEqual({ 'lake/': '400', ...others });
    for (const r of deployed({ RetentionDays: '400' }).Resources.LakeBucket.Properties.LifecycleConfiguration.Rules) {
      expect(r.Status).toBe('Enabled');
    }
    const pattern = new RegExp(template.Parameters.RetentionDays.AllowedPattern);
    expect(['none', '1', '400', '36500'].every((v) => pattern.test(v))).toBe(true);
    expect(['0', '-1', '30d', '', '1.5'].some((v) => pattern.test(v))).toBe(false);
  });

  it('notifies analyze directly for new .jsonl under lake/usage/, lake/events/ and quarantine/ only', () => {
    const configs = resources.LakeBucket.Properties.NotificationConfiguration.LambdaConfigurations;
    expect(configs).toEqual(
      ['lake/usage/', 'lake/events/', 'quarantine/'].map((prefix) => ({
        Event: 's3:ObjectCreated:*',
        Function: { 'Fn::GetAtt': ['AnalyzeLambdaFunction', 'Arn'] },
        Filter: {
          S3Key: {
            Rules: [
              { Name: 'prefix', Value: prefix },
              { Name: 'suffix', Value: '.jsonl' },
            ],
          },
        },
      })),
    );
  });

  it('filters exactly as the local stack does (local/stack.ts triggersAnalyze)', () => {
    const filters = resources.LakeBucket.Properties.NotificationConfiguration.LambdaConfigurations.map((c: Json) => {
      const rules = Object.fromEntries(c.Filter.S3Key.Rules.map((r: Json) => [r.Name, r.Value]));
      return (key: string) => key.startsWith(rules.prefix) && key.endsWith(rules.suffix);
    });
    const keys = [
      'lake/usage/dt=2026-11-23/demo-abc.jsonl',
      'lake/events/dt=2026-11-23/events-abc.jsonl',
      'quarantine/dt=2026-11-23/demo-abc.jsonl',
      'lake/usage/dt=2026-11-23/demo-abc.json',
      'lake/other/dt=2026-11-23/x.jsonl',
      'rollups/usage/dt=2026-11-23.json',
      'analytics/analytics.json',
      'state/alerts/budget.jsonl',
      'exports/x.jsonl',
      'config/budgets.json',
    ];
    const matches = keys.map((k) => filters.some((f: (key: string) => boolean) => f(k)));
    expect(matches).toEqual(keys.map(triggersAnalyze));
    expect(matches.filter(Boolean)).toHaveLength(3);
  });

  it('avoids the bucket ↔ permission ↔ function cycle: nothing refers to the bucket resource but its policy', () => {
    const permission = resources.AnalyzeS3InvokePermission;
    expect(permission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['AnalyzeLambdaFunction', 'Arn'] },
      Principal: 's3.amazonaws.com',
      SourceArn: { 'Fn::Sub': BUCKET_ARN },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    expect(resources.LakeBucket.DependsOn).toEqual(['AnalyzeS3InvokePermission']);
    const referrers = Object.entries(resources)
      .filter(([id]) => id !== 'LakeBucket')
      .filter(([, r]) => /"(Ref|Fn::GetAtt)":\s*(\[\s*)?"LakeBucket"/.test(JSON.stringify(r)))
      .map(([id]) => id);
    expect(referrers).toEqual(['LakeBucketPolicy']);
  });
});

describe('events and the HTTP API', () => {
  it('has an HTTP API route for every route of lib/api/all-routes.ts, and no other', () => {
    const routeKeys = ofType('AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties.RouteKey)
      .sort();
    const expected = [...new Set(allRoutes.map((r) => `${r.method} ${r.path}`))].sort();
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(routeKeys).toEqual(expected);
  });

  it('configures CORS for exactly the methods the routes use, and throttles the stage', () => {
    const cors = resources.HttpApi.Properties.CorsConfiguration;
    expect(cors.AllowOrigins).toEqual(['*']);
    expect(cors.AllowHeaders).toEqual(['authorization', 'content-type', 'if-none-match']);
    const routeMethods = new Set(ofType('AWS::ApiGatewayV2::Route').map(([, r]) => String(r.Properties.RouteKey).split(' ')[0]));
    expect([...cors.AllowMethods].sort()).toEqual([...routeMethods].sort());
    expect(cors.AllowMethods).not.toContain('DELETE');
    expect(resources.HttpApiStage.Properties.DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: true,
      ThrottlingRateLimit: 25,
      ThrottlingBurstLimit: 50,
    });
  });

  it('writes access logs of the stage to a log group kept 30 days', () => {
    const logs = resources.HttpApiStage.Properties.AccessLogSettings;
    expect(logs.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    expect(resources.HttpApiLogGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(resources.HttpApiLogGroup.Properties.RetentionInDays).toBe(30);
    const format = JSON.parse(logs.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
  });

  it('schedules sync at the stage rate and compact nightly; ingest listens to the six families', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties);
    const target = (p: Json) => p.Targets[0].Arn['Fn::GetAtt'][0];
    expect(rules.find((p) => target(p) === 'SyncLambdaFunction')?.ScheduleExpression).toBe('rate(1 hour)');
    expect(rules.find((p) => target(p) === 'CompactLambdaFunction')?.ScheduleExpression).toBe('cron(30 3 * * ? *)');
    const ingest = rules.find((p) => target(p) === 'IngestLambdaFunction');
    expect(ingest?.EventPattern).toEqual({
      'detail-type': ['job.', 'task.', 'tool.', 'budget.', 'provider.', 'conversation.'].map((prefix) => ({ prefix })),
    });
    expect(ingest?.EventBusName).toBeUndefined(); // the default bus in the test stage
  });
});

describe('alarms', () => {
  it('watch errors and throttles of every function and the DLQ depth', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const fn of FUNCTIONS) {
      const ref = { Ref: `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction` };
      for (const metric of ['Errors', 'Throttles']) {
        expect(alarms.filter((a) => a.MetricName === metric && a.Dimensions[0].Value.Ref === ref.Ref)).toHaveLength(1);
      }
    }
    const dlq = alarms.find((a) => a.Namespace === 'AWS/SQS');
    expect(dlq?.MetricName).toBe('ApproximateNumberOfMessagesVisible');
    expect(dlq?.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['FailedInvocationsQueue', 'QueueName'] } }]);
    expect(dlq?.Threshold).toBe(0);
    for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('publish to a topic encrypted with a rotated key that CloudWatch (of this account only) may use', () => {
    expect(resources.AlarmTopic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': ['AlarmTopicKey', 'Arn'] });
    const key = resources.AlarmTopicKey.Properties;
    expect(resources.AlarmTopicKey.Type).toBe('AWS::KMS::Key');
    expect(key.EnableKeyRotation).toBe(true);
    const cloudwatch = key.KeyPolicy.Statement.filter((s: Json) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(cloudwatch).toEqual([
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    // Every other statement is the account's own administration of its key.
    for (const s of key.KeyPolicy.Statement.filter((x: Json) => x !== cloudwatch[0])) {
      expect(s.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } });
    }
    // The e-mail subscription exists only when an address is set.
    expect(deployed().Resources.AlarmEmailSubscription).toBeUndefined();
    expect(deployed({ AlarmEmail: 'ops@example.com' }).Resources.AlarmEmailSubscription.Properties).toEqual({
      TopicArn: { Ref: 'AlarmTopic' },
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('Athena', () => {
  /** The lake line's columns and their Athena types, written out independently of serverless.ts. */
  const usageColumns = [
    ['id', 'string'],
    ['ts', 'string'],
    ['source', 'string'],
    ['provider', 'string'],
    ['model', 'string'],
    ['project', 'string'],
    ['user', 'string'],
    ['session', 'string'],
    ['machine', 'string'],
    ['api_key', 'string'],
    ['workspace', 'string'],
    ['service_tier', 'string'],
    ['input_tokens', 'bigint'],
    ['output_tokens', 'bigint'],
    ['cache_creation_tokens', 'bigint'],
    ['cache_creation_1h_tokens', 'bigint'],
    ['cache_read_tokens', 'bigint'],
    ['requests', 'bigint'],
    ['cost_usd', 'double'],
    ['cost_source', 'string'],
    ['latency_ms', 'double'],
    ['bucket_seconds', 'bigint'],
  ];
  const eventColumns = [
    ['id', 'string'],
    ['ts', 'string'],
    ['event_type', 'string'],
    ['family', 'string'],
    ['entity_type', 'string'],
    ['entity_id', 'string'],
    ['attributes', 'map<string,string>'],
    ['metrics', 'map<string,double>'],
    ['source', 'string'],
    ['received_at', 'string'],
  ];

  /** Columns of a CREATE EXTERNAL TABLE, in order. */
  function ddlColumns(sql: string): string[][] {
    const body = sql.slice(sql.indexOf('(') + 1, sql.indexOf('PARTITIONED BY'));
    return [...body.matchAll(/^\s*`(\w+)`\s+(.+?),?\s*$/gm)].map((m) => [m[1]!, m[2]!]);
  }

  it.each([
    ['LakeUsageTable', 'usage', usageColumns, usageRecordSchema],
    ['LakeEventsTable', 'events', eventColumns, eventRecordSchema],
  ] as const)('%s matches the zod contract and its DDL file, with partition projection on dt', async (id, dataset, columns, schema) => {
    const input = resources[id].Properties.TableInput;
    const glue = input.StorageDescriptor.Columns.map((c: Json) => [c.Name, c.Type]);
    expect(glue.map((c: string[]) => c[0])).toEqual(Object.keys(schema.shape));
    expect(glue).toEqual(columns);
    expect(input.StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
      // A malformed line reads as nulls instead of failing the query.
      Parameters: { 'ignore.malformed.json': 'true' },
    });
    expect(input.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      // Tomorrow included (clock skew, late midnight writes); a fixed start, since the lake is kept.
      'projection.dt.range': '2020-01-01,NOW+1DAYS',
      'storage.location.template': {
        'Fn::Sub': `s3://tokenlake-test-\${AWS::AccountId}-\${AWS::Region}/lake/${dataset}/dt=\${!dt}/`,
      },
    });
    const ddl = await readFile(join(root, `infra/athena/${dataset}_table.sql`), 'utf8');
    expect(ddlColumns(ddl)).toEqual(columns);
    expect(ddl).toContain("'storage.location.template' = 's3://{{bucket}}/lake/" + dataset + "/dt=${dt}/'");
    expect(ddl).toContain("'projection.dt.range' = '2020-01-01,NOW+1DAYS'");
    expect(ddl).toMatch(
      /ROW FORMAT SERDE 'org\.openx\.data\.jsonserde\.JsonSerDe'\s+WITH SERDEPROPERTIES \('ignore\.malformed\.json' = 'true'\)/,
    );
  });

  it('has a workgroup writing results under athena-results/ with a bytes-scanned limit', () => {
    const config = resources.AthenaWorkGroup.Properties.WorkGroupConfiguration;
    expect(config.ResultConfiguration.OutputLocation).toEqual({
      'Fn::Sub': 's3://tokenlake-test-${AWS::AccountId}-${AWS::Region}/athena-results/',
    });
    expect(config.BytesScannedCutoffPerQuery).toBe(10 * 1024 ** 3);
    expect(config.EnforceWorkGroupConfiguration).toBe(true);
  });

  it('declares each infra/athena/queries/*.athena.sql as a named query, verbatim', async () => {
    const queries = ofType('AWS::Athena::NamedQuery').map(([, q]) => q.Properties);
    const names = ['burn_rate', 'cost_by_model', 'daily_cost', 'window_totals'];
    expect(queries.map((q) => q.Name).sort()).toEqual(names.map((n) => `tokenlake ${n.replace(/_/g, ' ')}`));
    for (const name of names) {
      const text = await readFile(join(root, `infra/athena/queries/${name}.athena.sql`), 'utf8');
      const q = queries.find((x) => x.Name === `tokenlake ${name.replace(/_/g, ' ')}`);
      expect(q.QueryString).toBe(text);
      expect(q.Database).toEqual({ Ref: 'GlueDatabase' });
      expect(q.WorkGroup).toEqual({ Ref: 'AthenaWorkGroup' });
    }
  });
});

/** The entries of a zip file (stored or deflated), enough to read osls's artifacts. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    out.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

/**
 * Runs in a plain Node process, as Lambda would: imports every extracted bundle, checks it exports
 * `handler`, then calls the api's with an API Gateway v2 event for GET /health.
 */
const LOAD_BUNDLES = `
const [dir, eventFile] = process.argv.slice(1);
const { readFile } = await import('node:fs/promises');
const loaded = {};
for (const fn of ${JSON.stringify(FUNCTIONS)}) {
  const module = await import(new URL(fn + '.mjs', 'file://' + dir + '/').href);
  loaded[fn] = typeof module.handler;
}
const event = JSON.parse(await readFile(eventFile, 'utf8'));
event.rawPath = '/health';
event.requestContext.http.path = '/health';
const api = await import(new URL('api.mjs', 'file://' + dir + '/').href);
const response = await api.handler(event);
process.stdout.write(JSON.stringify({ loaded, status: response.statusCode, body: JSON.parse(response.body) }));
`;

describe('the packaged zips', () => {
  it('hold one ESM bundle per function that loads in plain Node, and the api answers GET /health', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tokenlake-bundles-'));
    try {
      for (const fn of FUNCTIONS) {
        const files = unzip(await readFile(join(outDir, `${fn}.zip`)));
        expect([...files.keys()].sort()).toEqual([`functions/${fn}.mjs`, `functions/${fn}.mjs.map`]);
        await writeFile(join(dir, `${fn}.mjs`), files.get(`functions/${fn}.mjs`)!);
        await writeFile(join(dir, `${fn}.mjs.map`), files.get(`functions/${fn}.mjs.map`)!);
      }
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', LOAD_BUNDLES, dir, join(root, 'events/api-get-analytics.json')],
        {
          timeout: 60_000,
          env: { PATH: process.env.PATH, TOKENLAKE_BUCKET: 'tokenlake-test-bucket', TOKENLAKE_SOURCES: 'demo', AWS_REGION: 'us-east-1' },
        },
      );
      const result = JSON.parse(stdout);
      expect(result.loaded).toEqual(Object.fromEntries(FUNCTIONS.map((fn) => [fn, 'function'])));
      expect(result.status).toBe(200);
      expect(result.body.ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
