// Reading the AWS/Bedrock CloudWatch namespace: one GetMetricData call per page, six SEARCH
// expressions (one per metric, every ModelId, 1-hour periods), pages followed to the end and merged
// per series, throttling and server errors retried with backoff. The SDK client is imported only
// when the bedrock-metrics source runs, and retries are ours alone (the client makes one attempt),
// so what a throttled run does is decided and tested here.
//
// Metric names and units: AWS Bedrock user guide, "Monitor Amazon Bedrock with Amazon CloudWatch"
// (runtime metrics, dimension ModelId): Invocations, InvocationLatency (ms), InputTokenCount,
// OutputTokenCount, and for models with prompt caching CacheReadInputTokenCount and
// CacheWriteInputTokenCount.

import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { errorMessage, SourceError } from '../../core/errors.ts';

export type MetricField = 'input' | 'output' | 'invocations' | 'latency' | 'cacheRead' | 'cacheWrite';

/** Query id (GetMetricData wants [a-z][a-zA-Z0-9_]*) → the metric and the statistic summed per hour. */
export const BEDROCK_METRICS: ReadonlyArray<{ id: string; field: MetricField; metric: string; stat: 'Sum' | 'Average' }> = [
  { id: 'input', field: 'input', metric: 'InputTokenCount', stat: 'Sum' },
  { id: 'output', field: 'output', metric: 'OutputTokenCount', stat: 'Sum' },
  { id: 'invocations', field: 'invocations', metric: 'Invocations', stat: 'Sum' },
  { id: 'latency', field: 'latency', metric: 'InvocationLatency', stat: 'Average' },
  { id: 'cache_read', field: 'cacheRead', metric: 'CacheReadInputTokenCount', stat: 'Sum' },
  { id: 'cache_write', field: 'cacheWrite', metric: 'CacheWriteInputTokenCount', stat: 'Sum' },
];

/** Each SEARCH result is labelled with its ModelId (a dynamic label), so a series says which model it is. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudWatch dynamic label, not a JavaScript template.
const MODEL_LABEL = "${PROP('Dim.ModelId')}";

export const HOUR_SECONDS = 3600;

/** GetMetricData, as the SDK client answers it (tests mock the client with aws-sdk-client-mock). */
export interface CloudWatchApi {
  getMetricData(input: GetMetricDataCommandInput): Promise<GetMetricDataCommandOutput>;
  close(): void;
}

/** One client per region, with the standard credential chain (the Lambda role on AWS). */
export async function openCloudWatch(region: string): Promise<CloudWatchApi> {
  const { CloudWatchClient, GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  const client = new CloudWatchClient({ region, maxAttempts: 1 });
  return {
    getMetricData: (input) => client.send(new GetMetricDataCommand(input)),
    close: () => client.destroy(),
  };
}

export interface RetryTuning {
  /** Waits between attempts; tests pass one that records the delay and returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** 0 ≤ x < 1, for the jitter. */
  random?: () => number;
  /** Attempts per page, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

/** Throttling, a server error or a network failure (no HTTP answer): worth another attempt. */
function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name && THROTTLED.has(e.name)) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status === undefined) return !(error instanceof SourceError);
  return status === 429 || status >= 500;
}

/** Values per series (`<query id>\u0000<model id>`) and hour start (epoch ms). */
export type SeriesValues = Map<string, Map<number, number>>;

function seriesKey(queryId: string, modelId: string): string {
  return `${queryId}\u0000${modelId}`;
}

/**
 * Every hourly value of every Bedrock metric per ModelId in [start, end) of one region: all pages,
 * each page retried on throttling with exponential backoff and full jitter.
 */
export async function fetchBedrockSeries(
  api: CloudWatchApi,
  range: { start: Date; end: Date },
  tuning: RetryTuning & { source: string; region: string },
): Promise<{ series: SeriesValues; pages: number; retries: number }> {
  const sleep = tuning.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = tuning.random ?? Math.random;
  const maxAttempts = tuning.maxAttempts ?? 6;
  const base = tuning.baseDelayMs ?? 500;
  const maxDelay = tuning.maxDelayMs ?? 20_000;
  const series: SeriesValues = new Map();
  let token: string | undefined;
  let pages = 0;
  let retries = 0;
  do {
    const input: GetMetricDataCommandInput = {
      StartTime: range.start,
      EndTime: range.end,
      ScanBy: 'TimestampAscending',
      MetricDataQueries: BEDROCK_METRICS.map((m) => ({
        Id: m.id,
        Expression: `SEARCH('{AWS/Bedrock,ModelId} MetricName="${m.metric}"', '${m.stat}', ${HOUR_SECONDS})`,
        Label: MODEL_LABEL,
        ReturnData: true,
      })),
      ...(token ? { NextToken: token } : {}),
    };
    let page: GetMetricDataCommandOutput;
    for (let attempt = 1; ; attempt++) {
      try {
        page = await api.getMetricData(input);
        break;
      } catch (error) {
        if (!isRetryable(error) || attempt >= maxAttempts) {
          const e = error as { name?: string };
          throw new SourceError(
            tuning.source,
            `${tuning.region}: GetMetricData failed after ${attempt} attempt(s): ${e?.name ?? 'Error'}: ${errorMessage(error)}`,
            {
              cause: error,
            },
          );
        }
        retries++;
        await sleep(Math.floor(random() * Math.min(maxDelay, base * 2 ** (attempt - 1))));
      }
    }
    pages++;
    for (const result of page.MetricDataResults ?? []) {
      if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
        throw new SourceError(tuning.source, `${tuning.region}: GetMetricData answered ${result.StatusCode} for ${result.Id ?? '?'}`);
      }
      if (!result.Id || !result.Label) continue;
      if (result.Label.includes('${')) {
        throw new SourceError(tuning.source, `${tuning.region}: CloudWatch did not expand the ModelId label (${result.Label})`);
      }
      const key = seriesKey(result.Id, result.Label);
      let values = series.get(key);
      if (!values) {
        values = new Map();
        series.set(key, values);
      }
      const timestamps = result.Timestamps ?? [];
      const numbers = result.Values ?? [];
      for (let i = 0; i < timestamps.length; i++) {
        const at = timestamps[i];
        const value = numbers[i];
        if (at === undefined || value === undefined) continue;
        // A series split over pages repeats no point; the same point twice would be the same value.
        values.set(new Date(at).getTime(), value);
      }
    }
    token = page.NextToken || undefined;
  } while (token);
  return { series, pages, retries };
}
