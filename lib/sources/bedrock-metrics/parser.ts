// Turns the hourly AWS/Bedrock series of one region into provider-bucket usage records (one per
// model and hour, bucket_seconds 3600), leaving out every hour the invocation logs cover. Pure.

import { describeIssues } from '../../store/jsonl.ts';
import type { QuarantineEntry } from '../../usage/lake.ts';
import { makeRecord, recordId, type UsageRecord, usageRecordSchema } from '../../usage/record.ts';
import { isLogged, type LoggedHours } from '../bedrock/coverage.ts';
import { bedrockModelLabel } from '../bedrock/parser.ts';
import { hourOf } from '../bedrock/paths.ts';
import { countSkip, type SourceStats } from '../source.ts';
import { BEDROCK_METRICS, HOUR_SECONDS, type MetricField, type SeriesValues } from './cloudwatch.ts';

export const SOURCE = 'bedrock-metrics';

type Hourly = Record<MetricField, number | undefined>;

/** A count must be a whole number ≥ 0; CloudWatch sums of counts are, but they arrive as doubles. */
function count(value: number | undefined): number | 'bad' {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0) return 'bad';
  return Math.round(value);
}

export function metricRecords(
  region: string,
  series: SeriesValues,
  coverage: LoggedHours,
  stats: SourceStats,
): { records: UsageRecord[]; quarantine: QuarantineEntry[] } {
  const fieldOf = new Map(BEDROCK_METRICS.map((m) => [m.id, m.field]));
  const hours = new Map<string, { modelId: string; hour: string; values: Hourly }>();
  for (const [key, points] of series) {
    const [queryId, modelId] = key.split('\u0000') as [string, string];
    const field = fieldOf.get(queryId);
    if (!field) continue;
    for (const [at, value] of points) {
      stats.read++;
      const hour = hourOf(new Date(at));
      const k = `${modelId}\u0000${hour}`;
      let h = hours.get(k);
      if (!h) {
        h = {
          modelId,
          hour,
          values: {
            input: undefined,
            output: undefined,
            invocations: undefined,
            latency: undefined,
            cacheRead: undefined,
            cacheWrite: undefined,
          },
        };
        hours.set(k, h);
      }
      h.values[field] = (h.values[field] ?? 0) + value;
    }
  }
  const records: UsageRecord[] = [];
  const quarantine: QuarantineEntry[] = [];
  for (const { modelId, hour, values } of [...hours.values()].sort((a, b) => (a.hour + a.modelId).localeCompare(b.hour + b.modelId))) {
    if (isLogged(coverage, region, hour)) {
      // The invocation logs have this hour: they count it, per request; the metrics would count it again.
      countSkip(stats, 'covered-by-invocation-logs');
      continue;
    }
    const origin = `GetMetricData ${region} AWS/Bedrock ModelId=${modelId} ${hour}:00Z`;
    const counts = {
      input: count(values.input),
      output: count(values.output),
      invocations: count(values.invocations),
      cacheRead: count(values.cacheRead),
      cacheWrite: count(values.cacheWrite),
    };
    const bad = Object.entries(counts).find(([, v]) => v === 'bad');
    if (bad) {
      quarantine.push({ source: SOURCE, origin, line: 1, reason: `${bad[0]}: not a count ≥ 0`, raw: JSON.stringify(values) });
      stats.quarantined++;
      continue;
    }
    const c = counts as Record<keyof typeof counts, number>;
    if (c.input + c.output + c.cacheRead + c.cacheWrite + c.invocations === 0) {
      countSkip(stats, 'zero-usage');
      continue;
    }
    const latency = values.latency;
    const record = makeRecord({
      id: recordId(SOURCE, region, modelId, hour),
      ts: `${hour}:00:00.000Z`,
      source: SOURCE,
      provider: 'bedrock',
      model: bedrockModelLabel(region, modelId),
      input_tokens: c.input,
      output_tokens: c.output,
      cache_read_tokens: c.cacheRead,
      cache_creation_tokens: c.cacheWrite,
      requests: c.invocations,
      // The hour's mean (CloudWatch's Average), one sample per bucket in the latency sketch.
      latency_ms: latency !== undefined && Number.isFinite(latency) && latency >= 0 ? latency : null,
      bucket_seconds: HOUR_SECONDS,
    });
    const checked = usageRecordSchema.safeParse(record);
    if (!checked.success) {
      quarantine.push({ source: SOURCE, origin, line: 1, reason: describeIssues(checked.error.issues), raw: JSON.stringify(values) });
      stats.quarantined++;
      continue;
    }
    records.push(checked.data);
  }
  return { records, quarantine };
}
