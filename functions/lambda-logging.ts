// On Lambda, logs go through Powertools' logger (JSON with the request id, cold start and function
// name added from the invocation context) behind lib/'s Logger interface, and metrics are written
// as CloudWatch EMF lines on stdout. The local stack and CLI keep lib/core/log.ts' plain JSON logger,
// and never load Powertools: it is imported on the first Lambda invocation.

import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { Logger, LogLevel } from '../lib/core/log.ts';

let loaded: Promise<PowertoolsLogger> | undefined;

function powertoolsLogger(): Promise<PowertoolsLogger> {
  loaded ??= import('@aws-lambda-powertools/logger').then(({ Logger }) => new Logger({ serviceName: 'tokenlake' }));
  return loaded;
}

function adapt(powertools: PowertoolsLogger, fields: Record<string, unknown>): Logger {
  const merge = (extra?: Record<string, unknown>) => {
    const all = { ...fields, ...extra };
    if (all.error instanceof Error) all.error = { name: all.error.name, message: all.error.message };
    return all;
  };
  return {
    debug: (m, f) => powertools.debug(m, merge(f)),
    info: (m, f) => powertools.info(m, merge(f)),
    warn: (m, f) => powertools.warn(m, merge(f)),
    error: (m, f) => powertools.error(m, merge(f)),
    child: (more) => adapt(powertools, { ...fields, ...more }),
  };
}

export async function lambdaLogger(level: LogLevel): Promise<Logger> {
  const powertools = await powertoolsLogger();
  powertools.setLogLevel(level.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR');
  return adapt(powertools, {});
}

/** EMF documents are picked up by CloudWatch Logs from the function's stdout. */
export function writeMetrics(document: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(document)}\n`);
}

/** Adds the invocation context (request id, cold start) to every log line of the invocation. */
export function withLambdaContext<E, R>(handler: (event: E) => Promise<R>) {
  return async (event: E, context?: Context): Promise<R> => {
    if (context) (await powertoolsLogger()).addContext(context);
    return handler(event);
  };
}
