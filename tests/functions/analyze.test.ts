import { readFileSync } from 'node:fs';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAnalyzeHandler, decodeS3Key } from '../../functions/analyze.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { createRuntime } from '../../lib/pipeline/runtime.ts';
import { S3ObjectStore } from '../../lib/store/s3-store.ts';
import { makeRecord, serializeRecord } from '../../lib/usage/record.ts';

const s3 = mockClient(S3Client);
const event = JSON.parse(readFileSync(new URL('../../events/s3-put-lake.json', import.meta.url), 'utf8'));
const LAKE_KEY = 'lake/usage/dt=2026-11-22/claude-code-4f1c2a9b0e7d6c5b4a39.jsonl';
const Q_KEY = 'quarantine/dt=2026-11-23/claude-code-4f1c2a9b0e7d6c5b4a39.jsonl';
const line = serializeRecord(
  makeRecord({
    id: 'f'.repeat(32),
    ts: '2026-11-22T08:00:00.000Z',
    source: 'claude-code',
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    input_tokens: 2_000_000,
  }),
);

/** The part of the SDK's stream mixin the store uses. */
function body(text: string) {
  const bytes = new Uint8Array(Buffer.from(text));
  // biome-ignore lint/suspicious/noExplicitAny: a minimal stand-in for the SDK's streaming body
  return { transformToByteArray: async () => bytes, transformToString: async () => text } as any;
}

async function handler() {
  const config = parseConfig({ TOKENLAKE_SOURCES: 'demo', TOKENLAKE_BUCKET: 'tokenlake-prod' });
  const rt = await createRuntime(config, {
    store: new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), config.bucket),
    now: () => new Date('2026-11-23T10:00:05Z'),
    log: silentLogger,
  });
  return createAnalyzeHandler(() => Promise.resolve(rt));
}

beforeEach(() => {
  s3.reset();
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3.on(ListObjectsV2Command, { Prefix: 'lake/usage/dt=2026-11-22/' }).resolves({
    Contents: [{ Key: LAKE_KEY, ETag: '"e1"', Size: line.length }],
  });
  s3.on(ListObjectsV2Command, { Prefix: 'lake/usage/', Delimiter: '/' }).resolves({
    CommonPrefixes: [{ Prefix: 'lake/usage/dt=2026-11-22/' }],
  });
  s3.on(ListObjectsV2Command, { Prefix: 'quarantine/dt=2026-11-23/' }).resolves({ Contents: [{ Key: Q_KEY, ETag: '"q1"', Size: 80 }] });
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
  s3.on(GetObjectCommand, { Key: LAKE_KEY }).resolves({ Body: body(`${line}\n`), ETag: '"e1"' });
  s3.on(GetObjectCommand, { Key: Q_KEY }).resolves({
    Body: body('{"source":"claude-code","line":3,"reason":"invalid JSON"}\n'),
    ETag: '"q1"',
  });
  s3.on(PutObjectCommand).resolves({ ETag: '"new"' });
  s3.on(HeadObjectCommand).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
});

describe('analyze handler', () => {
  it('decodes keys as S3 sends them', () => {
    expect(decodeS3Key('lake/usage/dt%3D2026-11-22/a+b.jsonl')).toBe('lake/usage/dt=2026-11-22/a b.jsonl');
  });

  it('rebuilds the touched days from a real S3 event and writes rollups (with their id index) and analytics only', async () => {
    const result = await (await handler())(event);
    expect(result.rebuilt).toEqual(['2026-11-22', '2026-11-23']);
    expect(result.lake_objects_read).toBe(1);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    const keys = puts.map((p) => p.Key!);
    // Each rollup is written after the id index that lets later objects be folded into it.
    expect(keys).toEqual([
      'rollups/usage-ids/dt=2026-11-22.jsonl',
      'rollups/usage/dt=2026-11-22.json',
      'rollups/usage-ids/dt=2026-11-23.jsonl',
      'rollups/usage/dt=2026-11-23.json',
      'analytics/analytics.json',
    ]);
    expect(keys.some((k) => k.startsWith('lake/'))).toBe(false);
    const analytics = JSON.parse(String(puts.find((p) => p.Key === 'analytics/analytics.json')!.Body));
    // 2,000,000 uncached input tokens of Haiku 4.5 at $1 per million.
    expect(analytics.windows['7d'].totals.cost_usd).toBeCloseTo(2, 10);
    expect(analytics.windows['7d'].totals.input_tokens).toBe(2_000_000);
    expect(analytics.data_quality.quarantined_lines).toBe(1);
  });

  it('rejects an event that is not an S3 notification with the field named', async () => {
    await expect((await handler())({ Records: [{ nope: true }] })).rejects.toThrow(/invalid S3 event/);
  });

  it('surfaces S3 faults instead of writing partial analytics', async () => {
    s3.on(GetObjectCommand, { Key: LAKE_KEY }).rejects(
      Object.assign(new Error('We encountered an internal error'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }),
    );
    await expect((await handler())(event)).rejects.toThrow(/internal error/);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).not.toContain('analytics/analytics.json');
  });
});
