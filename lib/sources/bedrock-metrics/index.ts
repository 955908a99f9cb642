// The bedrock-metrics source: the fallback where model invocation logging is off. Hourly token and
// invocation counts per ModelId from the AWS/Bedrock CloudWatch namespace of each configured region,
// written like a provider API's buckets (provider-source.ts: whole UTC days, the last 48 h restated,
// one object per day). Hours the invocation logs cover are left to the `bedrock` source, and a day
// whose coverage changed since this source last looked is fetched again, however old.

import { z } from 'zod';
import { addDays, utcDay } from '../../core/calendar.ts';
import { BEDROCK_METRICS_APPLIED_KEY, lakeObjectKey } from '../../store/layout.ts';
import { readStoredJson } from '../../store/stored-json.ts';
import { batchId, type QuarantineEntry } from '../../usage/lake.ts';
import type { UsageRecord } from '../../usage/record.ts';
import { earliestChangeSince, type LoggedHours, loadLoggedHours } from '../bedrock/coverage.ts';
import { createProviderSource, type FetchWindow } from '../provider-source.ts';
import { emptyStats, type Source, type SourceContext } from '../source.ts';
import { type CloudWatchApi, fetchBedrockSeries, openCloudWatch, type RetryTuning } from './cloudwatch.ts';
import { metricRecords, SOURCE } from './parser.ts';

const appliedSchema = z.object({ version: z.literal(1), seq: z.int().nonnegative() });

/** CloudWatch keeps 1-hour data points for 455 days: nothing older can be fetched again. */
const HOURLY_RETENTION_DAYS = 454;

interface BedrockMetricsOptions extends RetryTuning {
  /** One client per region; default: the SDK's CloudWatchClient with the standard credential chain. */
  openCloudWatch?: (region: string) => Promise<CloudWatchApi>;
}

export function createBedrockMetricsSource(options: BedrockMetricsOptions = {}): Source {
  const open = options.openCloudWatch ?? openCloudWatch;
  // Read once per pull: the window and the records must use the same coverage.
  const coverageOf = new WeakMap<SourceContext, Promise<{ coverage: LoggedHours; applied: number }>>();
  const load = (context: SourceContext) => {
    let got = coverageOf.get(context);
    if (!got) {
      got = (async () => ({
        coverage: await loadLoggedHours(context.store),
        applied: (await readStoredJson(context.store, BEDROCK_METRICS_APPLIED_KEY, appliedSchema))?.value.seq ?? 0,
      }))();
      coverageOf.set(context, got);
    }
    return got;
  };
  return createProviderSource({
    name: SOURCE,
    async restateFrom(context) {
      const { coverage, applied } = await load(context);
      const day = earliestChangeSince(coverage, applied, context.config.bedrockMetricsRegions);
      if (day === null) return null;
      const oldest = addDays(utcDay(context.now), -HOURLY_RETENTION_DAYS);
      // Day strings: the later of the two (Math.max would make NaN of them).
      if (day < oldest) return oldest;
      return day;
    },
    async fetchWindow(window: FetchWindow, context: SourceContext) {
      const { coverage, applied } = await load(context);
      const stats = emptyStats();
      const records: UsageRecord[] = [];
      const quarantine: QuarantineEntry[] = [];
      for (const region of context.config.bedrockMetricsRegions) {
        const api = await open(region);
        try {
          const { series, pages, retries } = await fetchBedrockSeries(api, window, { ...options, source: SOURCE, region });
          context.log.debug('bedrock metrics fetched', { region, pages, retries });
          const out = metricRecords(region, series, coverage, stats);
          records.push(...out.records);
          quarantine.push(...out.quarantine);
        } finally {
          api.close();
        }
      }
      return {
        records,
        stats,
        quarantine,
        emptyDays: await daysTakenOver(context, window, records, coverage),
        commit: async () => {
          if (coverage.seq !== applied)
            await context.store.put(BEDROCK_METRICS_APPLIED_KEY, JSON.stringify({ version: 1, seq: coverage.seq }));
        },
      };
    },
  });
}

/**
 * Days of the window left with no metrics record because the logs cover them, whose object still
 * holds records from before: they are written empty (a day with records is rewritten anyway).
 */
async function daysTakenOver(
  context: SourceContext,
  window: FetchWindow,
  records: UsageRecord[],
  coverage: LoggedHours,
): Promise<string[]> {
  const withRecords = new Set(records.map((r) => r.ts.slice(0, 10)));
  const out: string[] = [];
  for (let day = window.fromDay; day <= utcDay(window.end); day = addDays(day, 1)) {
    if (withRecords.has(day)) continue;
    const covered = context.config.bedrockMetricsRegions.some((region) => coverage.regions[region]?.[day] !== undefined);
    if (!covered) continue;
    const existing = await context.store.head(lakeObjectKey('usage', day, SOURCE, batchId(SOURCE, day)));
    if (existing && existing.size > 0) out.push(day);
  }
  return out;
}
