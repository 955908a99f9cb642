// Builds the parts a handler needs (pricer, sources, logger, alert sinks) from a parsed Config and
// the store it is given: functions/ pass the S3 store, the local stack and the CLI the plain-file
// one. The EventBridge client is loaded only when an event bus is configured.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type AlertSink, combineSinks, logAlertSink, webhookAlertSink } from './alerts.ts';
import { type AnalyzeDeps, createSerializer } from './analyze.ts';
import { defaultAnomalyOptions } from './anomalies.ts';
import type { Config } from './config.ts';
import { ConfigError } from './errors.ts';
import { createLogger, type Logger } from './log.ts';
import { createPricer, type Pricer } from './pricing/price.ts';
import { builtInPriceTable, type PriceTable, priceTableSchema } from './pricing/price-table.ts';
import { createSources } from './sources/registry.ts';
import type { Source } from './sources/source.ts';
import type { ObjectStore } from './store/object-store.ts';
import { createS3Client, S3ObjectStore } from './store/s3-store.ts';

export interface Runtime {
  config: Config;
  store: ObjectStore;
  pricer: Pricer;
  log: Logger;
  now: () => Date;
  sources: Source[];
  alerts: AlertSink;
  /** One analyze pass at a time within this process (see AnalyzeDeps.serialize). */
  serializeAnalyze: <T>(work: () => Promise<T>) => Promise<T>;
  /** Where CloudWatch EMF metric documents go (stdout on Lambda; nowhere locally). */
  metrics: (document: Record<string, unknown>) => void;
}

/** Alerts go to EventBridge (AWS) when a bus is configured; the SDK is loaded only then. */
export async function eventBridgeAlertSink(region: string, busName: string): Promise<AlertSink> {
  const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
  const client = new EventBridgeClient({ region });
  return {
    async send(alert) {
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: 'tokenlake',
              DetailType: alert.type,
              Detail: JSON.stringify({ identity: alert.identity, ...alert.detail }),
            },
          ],
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) throw new Error(`PutEvents failed: ${out.Entries?.[0]?.ErrorMessage ?? 'unknown'}`);
    },
  };
}

export function analyzeDeps(rt: Runtime): AnalyzeDeps {
  return {
    store: rt.store,
    pricer: rt.pricer,
    now: rt.now,
    timeZone: rt.config.timeZone,
    log: rt.log,
    alerts: rt.alerts,
    anomalyOptions: { ...defaultAnomalyOptions, k: rt.config.anomalyK },
    serialize: rt.serializeAnalyze,
    reconcileTolerance: rt.config.reconcileTolerance,
  };
}

/**
 * Price tables: the built-in snapshot plus the user's file (one table or a list). A user table
 * with the same valid_from as the built-in one extends it model by model, so an override file can
 * hold just the models to add or correct.
 */
export async function loadPriceTables(pricesFile: string | undefined): Promise<PriceTable[]> {
  if (!pricesFile) return [builtInPriceTable];
  let text: string;
  try {
    text = await readFile(pricesFile, 'utf8');
  } catch (error) {
    throw new ConfigError('TOKENLAKE_PRICES_FILE', `cannot read ${pricesFile}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('TOKENLAKE_PRICES_FILE', `${pricesFile} is not JSON: ${(error as Error).message}`);
  }
  const parsed = z.union([priceTableSchema, z.array(priceTableSchema)]).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError('TOKENLAKE_PRICES_FILE', `${issue?.path.join('.') || 'file'}: ${issue?.message}`);
  }
  const user = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  const merged = user.map((t) => ({ ...t, models: { ...builtInPriceTable.models, ...t.models } }));
  return merged.some((t) => t.valid_from <= builtInPriceTable.valid_from) ? merged : [builtInPriceTable, ...merged];
}

export async function createRuntime(
  config: Config,
  options: {
    store: ObjectStore;
    now?: () => Date;
    log?: Logger;
    sources?: Source[];
    alerts?: AlertSink;
    metrics?: (document: Record<string, unknown>) => void;
  },
): Promise<Runtime> {
  const log = options.log ?? createLogger({ level: config.logLevel, fields: { service: 'tokenlake' } });
  const sinks: AlertSink[] = [logAlertSink(log)];
  if (config.alertWebhook) sinks.push(webhookAlertSink(config.alertWebhook));
  if (config.eventBus && !options.alerts) sinks.push(await eventBridgeAlertSink(config.region, config.eventBus));
  return {
    config,
    alerts: options.alerts ?? combineSinks(...sinks),
    serializeAnalyze: createSerializer(),
    metrics: options.metrics ?? (() => {}),
    store: options.store,
    pricer: createPricer(await loadPriceTables(config.pricesFile)),
    log,
    now: options.now ?? (() => new Date()),
    sources: options.sources ?? createSources(config.sources),
  };
}
