// The CloudWatch-metrics fallback through aws-sdk-client-mock: paginated GetMetricData answers
// (series split over pages), throttling retried with backoff, hours the invocation logs cover left
// out, and days the logs take over later fetched again and emptied, however far back.

import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { createLogger } from '../../../lib/core/log.ts';
import { runAnalyze, touchedDays } from '../../../lib/pipeline/analyze.ts';
import { runSync } from '../../../lib/pipeline/sync.ts';
import { loadLoggedHours, markLogged, saveLoggedHours } from '../../../lib/sources/bedrock/coverage.ts';
import { createBedrockSource } from '../../../lib/sources/bedrock/index.ts';
import { logBucketFromStore } from '../../../lib/sources/bedrock/log-bucket.ts';
import { createBedrockMetricsSource } from '../../../lib/sources/bedrock-metrics/index.ts';
import { createSources } from '../../../lib/sources/registry.ts';
import { BEDROCK_METRICS_APPLIED_KEY, lakeObjectKey } from '../../../lib/store/layout.ts';
import { batchId } from '../../../lib/usage/lake.ts';
import { createPricer } from '../../../lib/usage/pricing/price.ts';
import { type UsageRecord, usageRecordSchema } from '../../../lib/usage/record.ts';
import { batchBytes, invocationLine, logKey, roleArn } from '../../support/bedrock-logs.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const cw = mockClient(CloudWatchClient);
const silent = createLogger({ write: () => {} });
const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA = 'amazon.nova-pro-v1:0';
const LLAMA = 'meta.llama3-3-70b-instruct-v1:0';
const at = (iso: string) => new Date(iso);

const throttled = () =>
  new CloudWatchServiceException({ name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });

/** Page 1 and page 2 of one answer; each page is throttled once before it is answered. */
const PAGE_1 = {
  MetricDataResults: [
    {
      Id: 'input',
      Label: SONNET,
      StatusCode: 'PartialData' as const,
      Timestamps: [at('2026-08-01T10:00Z'), at('2026-08-01T11:00Z')],
      Values: [1000, 2000],
    },
    { Id: 'output', Label: SONNET, StatusCode: 'PartialData' as const, Timestamps: [at('2026-08-01T10:00Z')], Values: [200] },
    {
      Id: 'invocations',
      Label: SONNET,
      StatusCode: 'Complete' as const,
      Timestamps: [at('2026-08-01T10:00Z'), at('2026-08-01T11:00Z')],
      Values: [3, 5],
    },
    { Id: 'input', Label: LLAMA, StatusCode: 'Complete' as const, Timestamps: [at('2026-07-20T05:00Z')], Values: [50] },
  ],
  NextToken: 'page-2',
};
const PAGE_2 = {
  MetricDataResults: [
    // The rest of the series of page 1.
    { Id: 'output', Label: SONNET, StatusCode: 'Complete' as const, Timestamps: [at('2026-08-01T11:00Z')], Values: [500] },
    { Id: 'latency', Label: SONNET, StatusCode: 'Complete' as const, Timestamps: [at('2026-08-01T10:00Z')], Values: [900.5] },
    { Id: 'cache_read', Label: SONNET, StatusCode: 'Complete' as const, Timestamps: [at('2026-08-01T11:00Z')], Values: [4000] },
    { Id: 'output', Label: LLAMA, StatusCode: 'Complete' as const, Timestamps: [at('2026-07-20T05:00Z')], Values: [5] },
    { Id: 'invocations', Label: LLAMA, StatusCode: 'Complete' as const, Timestamps: [at('2026-07-20T05:00Z')], Values: [1] },
    { Id: 'input', Label: NOVA, StatusCode: 'Complete' as const, Timestamps: [at('2026-08-02T09:00Z')], Values: [100] },
    { Id: 'output', Label: NOVA, StatusCode: 'Complete' as const, Timestamps: [at('2026-08-02T09:00Z')], Values: [10] },
    { Id: 'invocations', Label: NOVA, StatusCode: 'Complete' as const, Timestamps: [at('2026-08-02T09:00Z')], Values: [1] },
  ],
};

/** Answers by page token, throttling the first request of every page. */
function scriptCloudWatch() {
  const seen = new Map<string, number>();
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const page = input.NextToken ?? 'page-1';
    const n = (seen.get(page) ?? 0) + 1;
    seen.set(page, n);
    if (n % 2 === 1) throw throttled();
    return page === 'page-1' ? PAGE_1 : PAGE_2;
  });
}

const config = () =>
  parseConfig(
    {
      TOKENLAKE_SOURCES: 'bedrock-metrics',
      TOKENLAKE_BEDROCK_METRICS_REGIONS: 'us-east-1',
      TOKENLAKE_MACHINE: 'test',
      TOKENLAKE_USER: 'test',
    },
    { detectAgents: () => [] },
  );

async function dayRecords(store: MemoryStore, day: string): Promise<UsageRecord[] | null> {
  const got = await store.getText(lakeObjectKey('usage', day, 'bedrock-metrics', batchId('bedrock-metrics', day)));
  return got
    ? got.text
        .split('\n')
        .filter(Boolean)
        .map((l) => usageRecordSchema.parse(JSON.parse(l)))
    : null;
}

describe('bedrock-metrics', () => {
  const store = new MemoryStore();
  const delays: number[] = [];
  const source = createBedrockMetricsSource({ sleep: async (ms) => void delays.push(ms), random: () => 0.5 });
  const sync = (now: string) =>
    runSync({ store, config: config(), now: () => new Date(now), log: silent, pricer: createPricer(), sources: [source] });

  beforeEach(() => {
    cw.reset();
    delays.length = 0;
    scriptCloudWatch();
  });

  it('writes hourly provider-bucket records per model, follows pages and retries throttling, and leaves logged hours to the logs', async () => {
    // The invocation logs already cover 11:00–11:59 of 2026-08-01 in us-east-1.
    await saveLoggedHours(store, markLogged(await loadLoggedHours(store), [{ region: 'us-east-1', hour: '2026-08-01T11' }], '2026-08-02')!);
    const result = await sync('2026-08-02T12:30:00.000Z');
    expect(result.outcomes[0]).toMatchObject({ ok: true, error: null });
    expect(result.outcomes[0]!.stats).toMatchObject({
      records: 3,
      quarantined: 0,
      skipped: 1,
      skippedByReason: { 'covered-by-invocation-logs': 1 },
    });

    const calls = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.NextToken)).toEqual([undefined, undefined, 'page-2', 'page-2']);
    // A first run backfills 90 days: from 00:00 of 2026-05-05 up to now, in 1-hour periods.
    expect(calls[0]).toMatchObject({
      StartTime: at('2026-05-05T00:00:00Z'),
      EndTime: at('2026-08-02T12:30:00Z'),
      ScanBy: 'TimestampAscending',
    });
    expect(calls[0]!.MetricDataQueries?.map((q) => q.Expression)).toContain(
      `SEARCH('{AWS/Bedrock,ModelId} MetricName="InputTokenCount"', 'Sum', 3600)`,
    );
    expect(calls[0]!.MetricDataQueries?.map((q) => q.Expression)).toContain(
      `SEARCH('{AWS/Bedrock,ModelId} MetricName="InvocationLatency"', 'Average', 3600)`,
    );
    // Full jitter: 0.5 × the first ceiling (500 ms), once per page.
    expect(delays).toEqual([250, 250]);

    expect(await dayRecords(store, '2026-08-01')).toEqual([
      expect.objectContaining({
        ts: '2026-08-01T10:00:00.000Z',
        source: 'bedrock-metrics',
        provider: 'bedrock',
        model: `bedrock/us-east-1/${SONNET}`,
        input_tokens: 1000,
        output_tokens: 200,
        cache_read_tokens: 0,
        requests: 3,
        latency_ms: 900.5,
        bucket_seconds: 3600,
        // (1000·3.3 + 200·16.5) / 1e6 at the us profile's rate
        cost_usd: 0.0066,
        cost_source: 'priced',
      }),
    ]);
    expect(await dayRecords(store, '2026-08-02')).toEqual([
      expect.objectContaining({ model: `bedrock/us-east-1/${NOVA}`, input_tokens: 100, output_tokens: 10, requests: 1, latency_ms: null }),
    ]);
    expect(await dayRecords(store, '2026-07-20')).toEqual([
      expect.objectContaining({ model: `bedrock/us-east-1/${LLAMA}`, input_tokens: 50, output_tokens: 5, requests: 1 }),
    ]);
  });

  it('fetches again from a day the logs took over later, however old, and empties days the logs now hold', async () => {
    // Logs for 2026-08-01 10:00 arrive, and an old log batch is read for 2026-07-20 05:00.
    const coverage = markLogged(
      await loadLoggedHours(store),
      [
        { region: 'us-east-1', hour: '2026-08-01T10' },
        { region: 'us-east-1', hour: '2026-07-20T05' },
      ],
      '2026-08-02',
    )!;
    await saveLoggedHours(store, coverage);
    const result = await sync('2026-08-02T13:30:00.000Z');
    expect(result.outcomes[0]).toMatchObject({ ok: true });
    expect(cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.StartTime).toEqual(at('2026-07-20T00:00:00Z'));
    expect(result.outcomes[0]!.stats).toMatchObject({ records: 1, skippedByReason: { 'covered-by-invocation-logs': 3 } });
    // Both days are written empty, so analyze drops what the metrics had put there.
    expect(await dayRecords(store, '2026-08-01')).toEqual([]);
    expect(await dayRecords(store, '2026-07-20')).toEqual([]);
    expect(result.keys).toEqual(
      expect.arrayContaining([
        lakeObjectKey('usage', '2026-07-20', 'bedrock-metrics', batchId('bedrock-metrics', '2026-07-20')),
        lakeObjectKey('usage', '2026-08-01', 'bedrock-metrics', batchId('bedrock-metrics', '2026-08-01')),
      ]),
    );
    expect(JSON.parse((await store.getText(BEDROCK_METRICS_APPLIED_KEY))!.text)).toEqual({ version: 1, seq: coverage.seq });
  });

  it('then keeps to the 48-hour window and writes no empty day again', async () => {
    const before = store.puts.length;
    await sync('2026-08-02T14:30:00.000Z');
    expect(cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.StartTime).toEqual(at('2026-07-31T00:00:00Z'));
    const lakePuts = store.puts.slice(before).filter((k) => k.startsWith('lake/'));
    expect(lakePuts).toEqual([lakeObjectKey('usage', '2026-08-02', 'bedrock-metrics', batchId('bedrock-metrics', '2026-08-02'))]);
  });
});

describe('bedrock-metrics failures', () => {
  beforeEach(() => cw.reset());
  const run = (sleep: (ms: number) => Promise<void>) =>
    runSync({
      store: new MemoryStore(),
      config: config(),
      now: () => new Date('2026-08-02T12:30:00.000Z'),
      log: silent,
      pricer: createPricer(),
      sources: [createBedrockMetricsSource({ sleep, random: () => 1 - Number.EPSILON })],
    });

  it('gives up after six throttled attempts of one page, with the backoff doubling up to its ceiling', async () => {
    cw.on(GetMetricDataCommand).rejects(throttled());
    const delays: number[] = [];
    const result = await run(async (ms) => void delays.push(ms));
    expect(result.outcomes[0]).toMatchObject({ ok: false });
    expect(result.outcomes[0]!.error).toMatch(/us-east-1: GetMetricData failed after 6 attempt\(s\): Throttling/);
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(6);
    expect(delays).toEqual([499, 999, 1999, 3999, 7999]);
  });

  it('fails at once, naming the reason, when the role may not read the metrics', async () => {
    cw.on(GetMetricDataCommand).rejects(
      new CloudWatchServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'not authorized',
      }),
    );
    const result = await run(async () => {});
    expect(result.outcomes[0]!.error).toMatch(/failed after 1 attempt\(s\): AccessDenied: not authorized/);
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
  });
});

describe('invocation logs and metrics of the same account', () => {
  beforeEach(() => cw.reset());

  it('runs the logs first whatever the configured order', () => {
    expect(createSources(['bedrock-metrics', 'codex', 'bedrock']).map((s) => s.name)).toEqual(['codex', 'bedrock', 'bedrock-metrics']);
    expect(createSources(['bedrock-metrics']).map((s) => s.name)).toEqual(['bedrock-metrics']);
  });

  it('counts an hour once: from the logs where they have it, from the metrics elsewhere (analytics agree)', async () => {
    const logs = new MemoryStore();
    // Logs: 2 requests in 10:00–10:59. Metrics: the same hour (restated by CloudWatch) and 13:00, which has no log.
    await logs.put(
      logKey('', 'us-east-1', '2026-08-01T10', 'batch.json.gz'),
      batchBytes([
        invocationLine({
          requestId: 'l-1',
          timestamp: '2026-08-01T10:01:00Z',
          region: 'us-east-1',
          operation: 'Converse',
          modelId: NOVA,
          arn: roleArn('alice'),
          input: 100,
          output: 10,
        }),
        invocationLine({
          requestId: 'l-2',
          timestamp: '2026-08-01T10:31:00Z',
          region: 'us-east-1',
          operation: 'Converse',
          modelId: NOVA,
          arn: roleArn('bob'),
          input: 200,
          output: 20,
        }),
      ]),
    );
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'input',
          Label: NOVA,
          StatusCode: 'Complete',
          Timestamps: [at('2026-08-01T10:00Z'), at('2026-08-01T13:00Z')],
          Values: [300, 4000],
        },
        {
          Id: 'output',
          Label: NOVA,
          StatusCode: 'Complete',
          Timestamps: [at('2026-08-01T10:00Z'), at('2026-08-01T13:00Z')],
          Values: [30, 400],
        },
        {
          Id: 'invocations',
          Label: NOVA,
          StatusCode: 'Complete',
          Timestamps: [at('2026-08-01T10:00Z'), at('2026-08-01T13:00Z')],
          Values: [2, 7],
        },
      ],
    });
    const store = new MemoryStore();
    const cfg = parseConfig(
      { TOKENLAKE_BEDROCK_LOGS: 's3://logs', TOKENLAKE_BEDROCK_METRICS_REGIONS: 'us-east-1', TOKENLAKE_MACHINE: 'm', TOKENLAKE_USER: 'u' },
      { detectAgents: () => [] },
    );
    expect(cfg.sources).toEqual(['bedrock', 'bedrock-metrics']);
    const now = new Date('2026-08-01T18:00:00.000Z');
    const result = await runSync({
      store,
      config: cfg,
      now: () => now,
      log: silent,
      pricer: createPricer(),
      sources: [createBedrockSource({ openBucket: async () => logBucketFromStore(logs) }), createBedrockMetricsSource()],
    });
    expect(result.outcomes.map((o) => [o.source, o.ok, o.stats?.records])).toEqual([
      ['bedrock', true, 2],
      ['bedrock-metrics', true, 1],
    ]);
    const { analytics } = await runAnalyze(
      { store, pricer: createPricer(), now: () => now, timeZone: 'UTC', log: silent },
      { days: touchedDays(result.keys) },
    );
    const w = analytics.windows['7d'];
    // 100 + 200 from the logs, 4000 from the metrics' 13:00; the metrics' 10:00 (300) is the logs' hour.
    expect(w.totals).toMatchObject({ input_tokens: 4300, output_tokens: 430, requests: 9 });
    expect(Object.fromEntries(w.by_source.map((s) => [s.key, s.input_tokens]))).toEqual({ bedrock: 300, 'bedrock-metrics': 4000 });
    expect(w.by_model.map((m) => m.key)).toEqual([`bedrock/us-east-1/${NOVA}`]);
  });
});
