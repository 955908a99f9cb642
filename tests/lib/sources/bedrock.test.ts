// The bedrock source against a local S3 (s3rver over real HTTP) holding an invocation-log tree built
// from the documented record format (tests/support/bedrock-logs.ts): several models (Anthropic
// through a cross-region profile and its ARN, Amazon Nova, Meta Llama), Converse and InvokeModel
// operations, a redelivered batch, a truncated gzip, a record with a missing count, a large-body
// object and a batch arriving late for an earlier hour. Expected numbers are worked out by hand
// from the fixture below.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseLogLocation } from '../../../lib/config/bedrock-log-location.ts';
import { parseConfig } from '../../../lib/config/config.ts';
import { createLogger } from '../../../lib/core/log.ts';
import { runSync } from '../../../lib/pipeline/sync.ts';
import { loadLoggedHours } from '../../../lib/sources/bedrock/coverage.ts';
import { createBedrockSource } from '../../../lib/sources/bedrock/index.ts';
import { bedrockModelLabel, parseInvocationLine, principalOf } from '../../../lib/sources/bedrock/parser.ts';
import { parseClaudeLine } from '../../../lib/sources/claude-code/parser.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { type UsageRecord, usageRecordSchema } from '../../../lib/usage/record.ts';
import { dedupeRecords } from '../../../lib/usage/rollup.ts';
import {
  ACCOUNT,
  batchBytes,
  type Invocation,
  invocationLine,
  logKey,
  roleArn,
  truncatedBatch,
  userArn,
} from '../../support/bedrock-logs.ts';
import { assistantLine } from '../../support/claude-logs.ts';
import { EMBEDDED_CREDENTIALS, type EmbeddedS3, startEmbeddedS3 } from '../../support/embedded-s3.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const BUCKET = 'bedrock-logs';
const ROOT = 'team/';
const SONNET_US = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SONNET_EU = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA = 'amazon.nova-pro-v1:0';
const LLAMA = 'meta.llama3-3-70b-instruct-v1:0';

const inv = (i: Partial<Invocation> & Pick<Invocation, 'requestId' | 'timestamp' | 'modelId' | 'arn'>): Invocation => ({
  region: 'us-east-1',
  operation: 'Converse',
  input: 0,
  output: 0,
  ...i,
});

const r1 = inv({
  requestId: 'r-1',
  timestamp: '2026-08-01T10:05:00Z',
  modelId: SONNET_US,
  arn: roleArn('alice'),
  input: 1000,
  output: 200,
  cacheRead: 5000,
  cacheWrite: 100,
  metadata: { project: 'web' },
  latencyMs: 850,
});
const r2 = inv({
  requestId: 'r-2',
  timestamp: '2026-08-01T10:20:00Z',
  operation: 'InvokeModel',
  modelId: NOVA,
  arn: userArn('bob'),
  input: 300,
  output: 40,
});
const r3 = inv({
  requestId: 'r-3',
  timestamp: '2026-08-01T11:02:00Z',
  operation: 'InvokeModelWithResponseStream',
  modelId: `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/${SONNET_US}`,
  arn: roleArn('alice'),
  input: 2000,
  output: 500,
  latencyMs: 4200,
});
const r4 = inv({ requestId: 'r-4', timestamp: '2026-08-01T11:30:00Z', modelId: LLAMA, arn: userArn('bob'), input: 800, output: 150 });
const r5MissingOutput = inv({
  requestId: 'r-5',
  timestamp: '2026-08-01T11:45:00Z',
  modelId: NOVA,
  arn: roleArn('alice'),
  input: 10,
  output: null,
});
const r6 = inv({
  requestId: 'r-6',
  timestamp: '2026-08-02T09:10:00Z',
  operation: 'ConverseStream',
  modelId: NOVA,
  arn: roleArn('alice'),
  input: 100,
  output: 10,
});
const r7Cut = inv({ requestId: 'r-7', timestamp: '2026-08-02T09:20:00Z', modelId: LLAMA, arn: roleArn('carol'), input: 50, output: 5 });
const r8Late = inv({ requestId: 'r-8', timestamp: '2026-08-01T09:40:00Z', modelId: NOVA, arn: roleArn('alice'), input: 700, output: 70 });
const r9 = inv({
  requestId: 'r-9',
  timestamp: '2026-08-02T08:15:00Z',
  region: 'eu-west-1',
  modelId: SONNET_EU,
  arn: roleArn('carol@example.com', 'AWSReservedSSO_Dev'),
  input: 1500,
  output: 300,
  metadata: { Project: 'search', user: 'dana' },
});

const NOW = new Date('2026-08-02T12:00:00.000Z');
const silent = createLogger({ write: () => {} });
let s3: EmbeddedS3;
let dir: string;

async function putLog(key: string, body: Buffer | string) {
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

function config() {
  return parseConfig(
    {
      TOKENLAKE_SOURCES: 'bedrock',
      TOKENLAKE_BEDROCK_LOGS: `s3://${BUCKET}/${ROOT}`,
      TOKENLAKE_S3_ENDPOINT: s3.endpoint,
      AWS_REGION: 'us-east-1',
      TOKENLAKE_MACHINE: 'test',
      TOKENLAKE_USER: 'test',
    },
    { detectAgents: () => [] },
  );
}

function sync(store: MemoryStore, now: Date) {
  return runSync({ store, config: config(), now: () => now, log: silent, pricer: createPricer(), sources: [createBedrockSource()] });
}

async function lakeRecords(store: MemoryStore): Promise<UsageRecord[]> {
  const out: UsageRecord[] = [];
  for (const o of await store.list('lake/usage/')) {
    const text = (await store.getText(o.key))!.text;
    for (const line of text.split('\n').filter(Boolean)) out.push(usageRecordSchema.parse(JSON.parse(line)));
  }
  return out;
}

type Sums = { input: number; output: number; cache_read: number; cache_write: number; requests: number; cost: number };
function totalsBy(records: UsageRecord[], key: (r: UsageRecord) => string): Record<string, Sums> {
  const out: Record<string, Sums> = {};
  for (const r of records) {
    out[key(r)] ??= { input: 0, output: 0, cache_read: 0, cache_write: 0, requests: 0, cost: 0 };
    const s = out[key(r)]!;
    s.input += r.input_tokens;
    s.output += r.output_tokens;
    s.cache_read += r.cache_read_tokens;
    s.cache_write += r.cache_creation_tokens;
    s.requests += r.requests;
    s.cost += r.cost_usd ?? Number.NaN;
  }
  for (const s of Object.values(out)) s.cost = Math.round(s.cost * 1e9) / 1e9;
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenlake-bedrock-'));
  s3 = await startEmbeddedS3({ directory: dir, bucket: BUCKET });
  // The source uses the standard credential chain, as on AWS; s3rver checks its own keys.
  vi.stubEnv('AWS_ACCESS_KEY_ID', EMBEDDED_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', EMBEDDED_CREDENTIALS.secretAccessKey);
  const a = batchBytes([invocationLine(r1), invocationLine(r2), JSON.stringify({ schemaType: 'SomethingElse', schemaVersion: '9' })]);
  await putLog(logKey(ROOT, 'us-east-1', '2026-08-01T10', '20260801T1010Z_a1b2c3.json.gz'), a);
  await putLog(
    logKey(ROOT, 'us-east-1', '2026-08-01T11', '20260801T1150Z_d4e5f6.json.gz'),
    batchBytes([r3, r4, r5MissingOutput].map(invocationLine)),
  );
  // The first batch delivered a second time, under another name.
  await putLog(logKey(ROOT, 'us-east-1', '2026-08-01T11', '20260801T1151Z_a1b2c3-retry.json.gz'), a);
  await putLog(
    logKey(ROOT, 'us-east-1', '2026-08-02T09', '20260802T0930Z_777777.json.gz'),
    await truncatedBatch([invocationLine(r6)], [invocationLine(r7Cut)]),
  );
  await putLog(logKey(ROOT, 'eu-west-1', '2026-08-02T08', '20260802T0820Z_888888.json.gz'), batchBytes([invocationLine(r9)]));
  // Not batches: a large body stored apart, and the object Bedrock writes to check its permission.
  await putLog(logKey(ROOT, 'us-east-1', '2026-08-01T10', 'data/large-body-r-1.json'), '{"secret":"prompt"}');
  await putLog(`${ROOT}AWSLogs/${ACCOUNT}/BedrockModelInvocationLogs/amazon-bedrock-logs-permission-check`, '');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('bedrock source over a local S3 log tree', () => {
  const store = new MemoryStore();

  it('writes one record per invocation: exact totals per model, user and day; bodies never land', async () => {
    const result = await sync(store, NOW);
    const outcome = result.outcomes[0]!;
    expect(outcome.error).toBeNull();
    // r-1 and r-2 are read twice (the redelivered batch) and kept once; so is its foreign line.
    expect(outcome.stats).toMatchObject({ read: 11, records: 6, duplicates: 2, quarantined: 2, skipped: 3 });
    expect(outcome.stats?.skippedByReason).toEqual({ 'not-an-invocation-log': 2, 'not-a-log-batch': 1 });

    const { unique, duplicates } = dedupeRecords(await lakeRecords(store));
    expect(duplicates).toBe(0);
    expect(unique.map((r) => r.id).length).toBe(6);
    expect(totalsBy(unique, (r) => r.model)).toEqual({
      // r-1 + r-3 at the us profile's rate (3.3 / 16.5 / 4.125 write / 0.33 read per M):
      // (1000·3.3 + 200·16.5 + 100·4.125 + 5000·0.33) / 1e6 + (2000·3.3 + 500·16.5) / 1e6
      [`bedrock/us-east-1/${SONNET_US}`]: { input: 3000, output: 700, cache_read: 5000, cache_write: 100, requests: 2, cost: 0.0235125 },
      // r-2 + r-6 at 0.8 / 3.2: (300·0.8 + 40·3.2 + 100·0.8 + 10·3.2) / 1e6
      [`bedrock/us-east-1/${NOVA}`]: { input: 400, output: 50, cache_read: 0, cache_write: 0, requests: 2, cost: 0.00048 },
      // r-4 at 0.72 / 0.72: 950·0.72 / 1e6
      [`bedrock/us-east-1/${LLAMA}`]: { input: 800, output: 150, cache_read: 0, cache_write: 0, requests: 1, cost: 0.000684 },
      // r-9 at the eu profile's rate: (1500·3.3 + 300·16.5) / 1e6
      [`bedrock/eu-west-1/${SONNET_EU}`]: { input: 1500, output: 300, cache_read: 0, cache_write: 0, requests: 1, cost: 0.0099 },
    });
    const byUser = totalsBy(unique, (r) => r.user ?? '(none)');
    expect(Object.keys(byUser).sort()).toEqual(['alice', 'bob', 'dana']);
    expect(byUser.alice).toMatchObject({ input: 3100, output: 710, cache_read: 5000, cache_write: 100, requests: 3 });
    expect(byUser.bob).toMatchObject({ input: 1100, output: 190, requests: 2 });
    // r-9's request metadata names the user; its SSO session would have said carol@example.com.
    expect(byUser.dana).toMatchObject({ input: 1500, output: 300, requests: 1 });
    const byDay = totalsBy(unique, (r) => r.ts.slice(0, 10));
    expect(byDay['2026-08-01']).toMatchObject({ input: 4100, output: 890, requests: 4 });
    expect(byDay['2026-08-02']).toMatchObject({ input: 1600, output: 310, requests: 2 });

    const one = unique.find((r) => r.latency_ms === 850)!;
    expect(one).toMatchObject({ provider: 'bedrock', project: 'web', api_key: 'role/Developer', workspace: ACCOUNT, session: null });
    expect(unique.find((r) => r.latency_ms === 4200)?.model).toBe(`bedrock/us-east-1/${SONNET_US}`);
    expect(unique.find((r) => r.user === 'dana')?.project).toBe('search');
    // Nothing of a prompt, an answer or a large body reaches the lake or the quarantine.
    for (const key of store.objects.keys()) expect(store.objects.get(key)!.body.toString('utf8'), key).not.toContain('secret');
  });

  it('quarantines the record with a missing count and the truncated batch, with their reasons', async () => {
    const qKeys = (await store.list('quarantine/dt=2026-08-02/')).map((o) => o.key);
    expect(qKeys).toHaveLength(1);
    const entries = (await store.getText(qKeys[0]!))!.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { origin: string; line: number; reason: string; raw: string });
    expect(entries).toHaveLength(2);
    const missing = entries.find((e) => e.origin.endsWith('d4e5f6.json.gz'))!;
    expect(missing.line).toBe(3);
    expect(missing.reason).toMatch(/^output\.outputTokenCount: /);
    expect(JSON.parse(missing.raw)).toMatchObject({ requestId: 'r-5', input: { inputTokenCount: 10 }, output: {} });
    const cut = entries.find((e) => e.origin.endsWith('777777.json.gz'))!;
    expect(cut.origin).toBe(`s3://${BUCKET}/${logKey(ROOT, 'us-east-1', '2026-08-02T09', '20260802T0930Z_777777.json.gz')}`);
    expect(cut.reason).toMatch(/cannot gunzip the batch past line 1: .*unexpected end of file.*1 complete lines before it were kept/);
  });

  it('records which hours the logs cover, per region', async () => {
    const coverage = await loadLoggedHours(store);
    expect(coverage.regions).toEqual({
      'us-east-1': { '2026-08-01': { hours: (1 << 10) | (1 << 11), seq: 1 }, '2026-08-02': { hours: 1 << 9, seq: 1 } },
      'eu-west-1': { '2026-08-02': { hours: 1 << 8, seq: 1 } },
    });
  });

  it('writes nothing on a second sync', async () => {
    const before = store.puts.length;
    const result = await sync(store, NOW);
    expect(result.outcomes[0]).toMatchObject({ ok: true, keys: [] });
    expect(result.outcomes[0]!.stats).toMatchObject({ read: 0, records: 0, quarantined: 0 });
    // Only the run's own bookkeeping: the source status and the sync lease.
    expect(store.puts.slice(before).filter((k) => !k.includes('/status/') && !k.endsWith('lock.json'))).toEqual([]);
  });

  it('reads a batch that arrives late for an earlier hour, and only that batch', async () => {
    await putLog(logKey(ROOT, 'us-east-1', '2026-08-01T09', '20260802T1230Z_late.json.gz'), batchBytes([invocationLine(r8Late)]));
    const before = new Set(store.objects.keys());
    const result = await sync(store, new Date('2026-08-02T13:00:00.000Z'));
    expect(result.outcomes[0]!.stats).toMatchObject({ read: 1, records: 1, duplicates: 0 });
    const added = [...store.objects.keys()].filter((k) => !before.has(k) && k.startsWith('lake/'));
    expect(added).toHaveLength(1);
    const lines = (await store.getText(added[0]!))!.text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const late = usageRecordSchema.parse(JSON.parse(lines[0]!));
    expect(late).toMatchObject({
      ts: '2026-08-01T09:40:00.000Z',
      model: `bedrock/us-east-1/${NOVA}`,
      input_tokens: 700,
      output_tokens: 70,
      user: 'alice',
    });
    expect((await loadLoggedHours(store)).regions['us-east-1']!['2026-08-01']).toEqual({ hours: (1 << 9) | (1 << 10) | (1 << 11), seq: 2 });
  });
});

describe('bedrock log lines', () => {
  const stream = { account: ACCOUNT, region: 'us-east-1' };

  it('labels models for the regional Bedrock rate, ARNs included', () => {
    expect(bedrockModelLabel('us-east-1', SONNET_US)).toBe(`bedrock/us-east-1/${SONNET_US}`);
    expect(bedrockModelLabel('us-east-1', `arn:aws:bedrock:eu-west-1:${ACCOUNT}:inference-profile/${SONNET_EU}`)).toBe(
      `bedrock/eu-west-1/${SONNET_EU}`,
    );
    expect(bedrockModelLabel('us-east-1', `arn:aws:bedrock:ap-south-1::foundation-model/meta.llama3-70b-instruct-v1:0`)).toBe(
      'bedrock/ap-south-1/meta.llama3-70b-instruct-v1:0',
    );
    const app = `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/abc123`;
    expect(bedrockModelLabel('us-east-1', app)).toBe(app);
    // Llama 3 70B: $3.18 / $4.20 per M in ap-south-1, $2.65 / $3.50 in us-east-1 (LiteLLM's regional keys).
    const pricer = createPricer();
    const usage = {
      provider: 'bedrock',
      ts: '2026-08-01T00:00:00.000Z',
      service_tier: null,
      input_tokens: 1_000_000,
      output_tokens: 1_000_000,
    };
    const rest = { cache_creation_tokens: 0, cache_creation_1h_tokens: 0, cache_read_tokens: 0, requests: 1 };
    expect(pricer.price({ ...usage, ...rest, model: bedrockModelLabel('ap-south-1', 'meta.llama3-70b-instruct-v1:0') })).toBeCloseTo(
      7.38,
      10,
    );
    expect(pricer.price({ ...usage, ...rest, model: bedrockModelLabel('us-east-1', 'meta.llama3-70b-instruct-v1:0') })).toBeCloseTo(
      6.15,
      10,
    );
    expect(pricer.price({ ...usage, ...rest, model: app })).toBeNull();
  });

  it('names the caller from the identity ARN', () => {
    expect(principalOf(roleArn('alice@example.com', 'AWSReservedSSO_Admin'))).toEqual({
      user: 'alice@example.com',
      principal: 'role/AWSReservedSSO_Admin',
    });
    expect(principalOf(`arn:aws:iam::${ACCOUNT}:user/team/ci-bot`)).toEqual({ user: 'ci-bot', principal: 'user/ci-bot' });
    expect(principalOf(`arn:aws:iam::${ACCOUNT}:root`)).toEqual({ user: 'root', principal: 'root' });
    expect(principalOf(undefined)).toEqual({ user: null, principal: null });
  });

  it('rejects without leaking bodies, and refuses counts the lake cannot hold', () => {
    const bad = parseInvocationLine('{"schemaType":"ModelInvocationLog", "input": {"inputBodyJson": "secret', stream);
    expect(bad).toMatchObject({ kind: 'reject', raw: expect.not.stringContaining('secret') });
    const huge = parseInvocationLine(
      invocationLine(inv({ requestId: 'x', timestamp: '2026-08-01T00:00:00Z', modelId: NOVA, arn: 'a', input: 2e12, output: 1 })),
      stream,
    );
    expect(huge).toMatchObject({ kind: 'reject', reason: expect.stringContaining('input_tokens') });
    expect(huge.kind === 'reject' && huge.raw).not.toContain('secret');
  });

  it('reads locations as the prefix above AWSLogs/', () => {
    expect(parseLogLocation('s3://logs-bucket')).toEqual({ url: 's3://logs-bucket/', bucket: 'logs-bucket', root: '' });
    expect(parseLogLocation('s3://logs-bucket/team/bedrock')).toMatchObject({ root: 'team/bedrock/' });
    expect(parseLogLocation(`s3://logs-bucket/team/AWSLogs/${ACCOUNT}/BedrockModelInvocationLogs/`)).toMatchObject({ root: 'team/' });
    expect(() => parseLogLocation('https://logs-bucket/x')).toThrow(/expected s3:\/\/bucket\/prefix/);
    expect(() => parseLogLocation('s3://Bad_Bucket/x')).toThrow(/not a valid S3 bucket name/);
  });
});

describe('Claude Code on Bedrock', () => {
  it('attributes transcripts with Bedrock model ids to bedrock, priced at the Bedrock rate', () => {
    const context = { projectFolder: '-home-alice-code-web', relativePath: 'p/s.jsonl', offset: 0, user: 'alice', machine: 'laptop' };
    const line = (model: string) =>
      assistantLine({
        ts: '2026-08-01T10:00:00.000Z',
        msgId: 'msg_bdrk_01',
        requestId: 'req-1',
        model,
        input: 100_000,
        output: 100_000,
      });
    const pricer = createPricer();
    const onBedrock = parseClaudeLine(line(SONNET_US), context);
    const arn = parseClaudeLine(line(`arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/${SONNET_US}`), context);
    const direct = parseClaudeLine(line('claude-sonnet-4-5-20250929'), context);
    if (onBedrock.kind !== 'record' || arn.kind !== 'record' || direct.kind !== 'record') throw new Error('expected records');
    expect([onBedrock.record.provider, arn.record.provider, direct.record.provider]).toEqual(['bedrock', 'bedrock', 'anthropic']);
    // 100k in + 100k out (under the 200k long-context tier): the us profile lists $3.30 + $16.50 per M
    // (Bedrock's cross-region premium), Anthropic $3 + $15.
    expect(pricer.price(onBedrock.record)).toBeCloseTo(1.98, 10);
    expect(pricer.price(arn.record)).toBeCloseTo(1.98, 10);
    expect(pricer.price(direct.record)).toBeCloseTo(1.8, 10);
  });
});
