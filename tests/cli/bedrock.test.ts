// End to end through the CLI's main(): TOKENLAKE_BEDROCK_LOGS points at a local S3 (s3rver) holding
// an invocation-log tree, `tokenlake sync` reads it into the local lake, and `report --by model` /
// `--by user` give the exact totals. The CLI keeps the real clock, so the tree is laid out on the
// two days before today (UTC); every expected figure is worked out by hand from the records below.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportSchema } from '../../lib/analytics/report.ts';
import { addDays, utcDay } from '../../lib/core/calendar.ts';
import { batchBytes, invocationLine, logKey, roleArn, truncatedBatch, userArn } from '../support/bedrock-logs.ts';
import { EMBEDDED_CREDENTIALS, type EmbeddedS3, startEmbeddedS3 } from '../support/embedded-s3.ts';
import { runCli } from '../support/run-cli.ts';

const BUCKET = 'acme-bedrock-logs';
const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA = 'amazon.nova-pro-v1:0';
const LLAMA = 'meta.llama3-3-70b-instruct-v1:0';
const today = utcDay(new Date());
const dayA = addDays(today, -2);
const dayB = addDays(today, -1);

let s3: EmbeddedS3;
let dir: string;

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(argv);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenlake-bedrock-cli-'));
  s3 = await startEmbeddedS3({ directory: join(dir, 's3'), bucket: BUCKET });
  const put = (key: string, body: Buffer) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const first = batchBytes([
    invocationLine({
      requestId: 'c-1',
      timestamp: `${dayA}T10:05:00Z`,
      region: 'us-east-1',
      operation: 'Converse',
      modelId: SONNET,
      arn: roleArn('alice'),
      input: 1000,
      output: 200,
      cacheRead: 5000,
      cacheWrite: 100,
      metadata: { project: 'web' },
      latencyMs: 850,
    }),
    invocationLine({
      requestId: 'c-2',
      timestamp: `${dayA}T10:20:00Z`,
      region: 'us-east-1',
      operation: 'InvokeModel',
      modelId: NOVA,
      arn: userArn('bob'),
      input: 300,
      output: 40,
    }),
  ]);
  await put(logKey('', 'us-east-1', `${dayA}T10`, 'batch-1.json.gz'), first);
  await put(logKey('', 'us-east-1', `${dayA}T11`, 'batch-1-again.json.gz'), first);
  await put(
    logKey('', 'us-east-1', `${dayA}T11`, 'batch-2.json.gz'),
    batchBytes([
      invocationLine({
        requestId: 'c-3',
        timestamp: `${dayA}T11:02:00Z`,
        region: 'us-east-1',
        operation: 'InvokeModelWithResponseStream',
        modelId: SONNET,
        arn: roleArn('alice'),
        input: 2000,
        output: 500,
      }),
      invocationLine({
        requestId: 'c-4',
        timestamp: `${dayA}T11:30:00Z`,
        region: 'us-east-1',
        operation: 'Converse',
        modelId: LLAMA,
        arn: userArn('bob'),
        input: 800,
        output: 150,
      }),
      invocationLine({
        requestId: 'c-5',
        timestamp: `${dayA}T11:40:00Z`,
        region: 'us-east-1',
        operation: 'Converse',
        modelId: NOVA,
        arn: userArn('bob'),
        input: 5,
        output: null,
      }),
    ]),
  );
  await put(
    logKey('', 'us-east-1', `${dayB}T09`, 'batch-3.json.gz'),
    await truncatedBatch(
      [
        invocationLine({
          requestId: 'c-6',
          timestamp: `${dayB}T09:10:00Z`,
          region: 'us-east-1',
          operation: 'ConverseStream',
          modelId: NOVA,
          arn: roleArn('alice'),
          input: 100,
          output: 10,
        }),
      ],
      [
        invocationLine({
          requestId: 'c-7',
          timestamp: `${dayB}T09:20:00Z`,
          region: 'us-east-1',
          operation: 'Converse',
          modelId: LLAMA,
          arn: roleArn('carol'),
          input: 50,
          output: 5,
        }),
      ],
    ),
  );
  const env: Record<string, string> = {
    // No agent of this machine may be found: the Bedrock logs are the only source.
    HOME: join(dir, 'home'),
    TOKENLAKE_SOURCES: '',
    TOKENLAKE_DATA_DIR: join(dir, 'lake'),
    TOKENLAKE_BEDROCK_LOGS: `s3://${BUCKET}`,
    TOKENLAKE_S3_ENDPOINT: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: EMBEDDED_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMBEDDED_CREDENTIALS.secretAccessKey,
    TOKENLAKE_TIMEZONE: 'UTC',
    TOKENLAKE_MACHINE: 'ci',
    TOKENLAKE_USER: 'ci',
  };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  for (const k of [
    'CLAUDE_CONFIG_DIR',
    'CODEX_HOME',
    'GEMINI_CLI_HOME',
    'QWEN_HOME',
    'QWEN_RUNTIME_DIR',
    'OPENCODE_DB',
    'XDG_DATA_HOME',
    'TOKENLAKE_STORE',
  ])
    vi.stubEnv(k, '');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('tokenlake sync + report with TOKENLAKE_BEDROCK_LOGS', () => {
  it('syncs the log tree: records, a duplicate batch, two quarantined items', async () => {
    const { code, stdout, stderr } = await run('sync');
    expect(stderr).not.toContain('failed');
    expect(code).toBe(0);
    expect(stdout).toContain('bedrock: 5 records written, 2 duplicates, 2 quarantined');
  });

  it('reports exact totals per model', async () => {
    const { code, stdout } = await run('report', '--window', '7d', '--by', 'model', '--json');
    expect(code).toBe(0);
    const report = reportSchema.parse(JSON.parse(stdout));
    const byModel = Object.fromEntries(
      report.rows.map((r) => [
        r.key,
        {
          input: r.input_tokens,
          output: r.output_tokens,
          cw: r.cache_creation_tokens,
          cr: r.cache_read_tokens,
          req: r.requests,
          cost: Math.round(r.cost_usd * 1e9) / 1e9,
        },
      ]),
    );
    expect(byModel).toEqual({
      // (1000·3.3 + 200·16.5 + 100·4.125 + 5000·0.33 + 2000·3.3 + 500·16.5) / 1e6
      [`bedrock/us-east-1/${SONNET}`]: { input: 3000, output: 700, cw: 100, cr: 5000, req: 2, cost: 0.0235125 },
      // (300·0.8 + 40·3.2 + 100·0.8 + 10·3.2) / 1e6
      [`bedrock/us-east-1/${NOVA}`]: { input: 400, output: 50, cw: 0, cr: 0, req: 2, cost: 0.00048 },
      // 950·0.72 / 1e6
      [`bedrock/us-east-1/${LLAMA}`]: { input: 800, output: 150, cw: 0, cr: 0, req: 1, cost: 0.000684 },
    });
    expect(report.totals).toMatchObject({ input_tokens: 4200, output_tokens: 900, requests: 5, records: 5 });
    expect(report.rows.every((r) => r.provider === 'bedrock')).toBe(true);
    // The two quarantined log items are counted in the period's data quality.
    expect(report.data_quality.quarantined_lines).toBe(2);
  });

  it('reports exact totals per user', async () => {
    const { code, stdout } = await run('report', '--window', '7d', '--by', 'user', '--breakdown');
    expect(code).toBe(0);
    const row = (user: string) =>
      stdout
        .split('\n')
        .find((l) => l.trimStart().startsWith(`${user} `))
        ?.trim()
        .split(/\s{2,}|\s(?=[\d$])/)
        .filter(Boolean);
    // user, input, output, cache write, cache read, total, requests, cost
    expect(row('alice')).toEqual(['alice', '3,100', '710', '100', '5,000', '8,910', '3', '$0.02']);
    expect(row('bob')).toEqual(['bob', '1,100', '190', '0', '0', '1,290', '2', '$0.00']);
    expect(stdout).toContain('2 lines quarantined');
  });

  it('writes nothing on a second sync', async () => {
    const { code, stdout } = await run('sync');
    expect(code).toBe(0);
    expect(stdout).toContain('bedrock: 0 records written, 0 duplicates, 0 quarantined, 0 skipped (0 lines read)');
  });
});
