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
import { createLogger, type Logger, withRedaction } from './log.ts';
import { composePriceTables, createPricer, type Pricer } from './pricing/price.ts';
import { builtInPriceTable, type PriceTable, priceTableSchema } from './pricing/price-table.ts';
import { loadBaseTables } from './pricing/stored-tables.ts';
import { configSecrets, createRedactor } from './redact.ts';
import { createSources } from './sources/registry.ts';
import type { Source } from './sources/source.ts';
import type { ObjectStore } from './store/object-store.ts';

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
 * Price tables: the base tables (bundled, then those fetched into the bucket) with the user's file
 * (one table or a list) laid over them model by model, so an override file can hold just the
 * models to add or correct. A bad file is a ConfigError naming the file, the model and the field.
 */
export async function loadPriceTables(pricesFile: string | undefined, base: PriceTable[] = [builtInPriceTable]): Promise<PriceTable[]> {
  if (!pricesFile) return base;
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
  if (!parsed.success)
    throw new ConfigError('TOKENLAKE_PRICES_FILE', `${pricesFile}: ${describePriceFileIssue(json, parsed.error.issues)}`);
  return composePriceTables(base, Array.isArray(parsed.data) ? parsed.data : [parsed.data]);
}

/** "model \"gpt-9\", field input: expected number" — the deepest issue, located the way a person edits the file. */
function describePriceFileIssue(json: unknown, issues: readonly z.core.$ZodIssue[]): string {
  // A union reports each branch; the branch matching the file's shape (object or list) is the one to show.
  const flat: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union') {
      const branch = issue.errors[Array.isArray(json) ? 1 : 0];
      for (const i of branch ?? []) flat.push({ ...i, path: [...issue.path, ...i.path] });
    } else flat.push(issue);
  }
  const issue = flat[0];
  if (!issue) return 'does not match the price table format';
  const path = issue.path.map(String);
  const at = Array.isArray(json) ? `table ${Number(path.shift()) + 1}, ` : '';
  if (path[0] === 'models' && path.length >= 2) {
    const field = path.slice(2).join('.') || '(the model entry)';
    return `${at}model "${path[1]}", field ${field}: ${issue.message}`;
  }
  return `${at}field ${path.join('.') || '(file)'}: ${issue.message}`;
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
