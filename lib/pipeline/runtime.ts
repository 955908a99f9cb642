// Builds the parts a handler needs (pricer, sources, logger, alert sinks) from a parsed Config and
// the store it is given: functions/ pass the S3 store, the local stack and the CLI the plain-file
// one. The EventBridge client is loaded only when an event bus is configured.

import { defaultAnomalyOptions } from '../analytics/anomalies.ts';
import type { Config } from '../config/config.ts';
import { createLogger, type Logger, withRedaction } from '../core/log.ts';
import { configSecrets, createRedactor } from '../core/redact.ts';
import { createSources } from '../sources/registry.ts';
import type { Source } from '../sources/source.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { createPricer, type Pricer } from '../usage/pricing/price.ts';
import { loadPriceTables } from '../usage/pricing/price-file.ts';
import { loadBaseTables } from '../usage/pricing/stored-tables.ts';
import { type AlertSink, combineSinks, logAlertSink, webhookAlertSink } from './alerts.ts';
import { createSerializer } from './analyze.ts';
import type { AnalyzeDeps } from './analyze-deps.ts';

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
async function eventBridgeAlertSink(region: string, busName: string): Promise<AlertSink> {
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

export { loadPriceTables } from '../usage/pricing/price-file.ts';

export async function createRuntime(
  config: Config,
  options: {
    store: ObjectStore;
    now?: () => Date;
    log?: Logger;
    sources?: Source[];
    alerts?: AlertSink;
    metrics?: (document: Record<string, unknown>) => void;
    /** For the price refresh (TOKENLAKE_PRICES_URL); the global fetch when not given. */
    fetch?: typeof fetch;
  },
): Promise<Runtime> {
  // Every log line of every handler passes the redaction step with this configuration's secrets.
  const log = withRedaction(
    options.log ?? createLogger({ level: config.logLevel, fields: { service: 'tokenlake' } }),
    createRedactor(configSecrets(config)),
  );
  const sinks: AlertSink[] = [logAlertSink(log)];
  if (config.alertWebhook) sinks.push(webhookAlertSink(config.alertWebhook));
  if (config.eventBus && !options.alerts) sinks.push(await eventBridgeAlertSink(config.region, config.eventBus));
  const store = options.store;
  const now = options.now ?? (() => new Date());
  // Prices: the bundled table and those kept in the bucket (refreshed first when
  // TOKENLAKE_PRICES_URL is set; never fatal), with the user's TOKENLAKE_PRICES_FILE laid over them.
  const baseTables = await loadBaseTables({
    store,
    now: now(),
    log,
    pricesUrl: config.pricesUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const pricer = createPricer(await loadPriceTables(config.pricesFile, baseTables));
  return {
    config,
    alerts: options.alerts ?? combineSinks(...sinks),
    serializeAnalyze: createSerializer(),
    metrics: options.metrics ?? (() => {}),
    store,
    pricer,
    log,
    now,
    sources: options.sources ?? createSources(config.sources),
  };
}
