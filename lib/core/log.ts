// Structured JSON logs, one object per line on stdout/stderr. Secrets never go in here:
// callers log names and counts, not keys or payloads, and the runtime's logger passes every
// message and field through the redaction step (lib/core/redact.ts) as a backstop.

import { type Redact, redactValue } from './redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  options: { level?: LogLevel; fields?: Record<string, unknown>; write?: (line: string, level: LogLevel) => void } = {},
): Logger {
  const min = levelRank[options.level ?? 'info'];
  const base = options.fields ?? {};
  const write =
    options.write ??
    ((line: string, level: LogLevel) => {
      (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
    });
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (levelRank[level] < min) return;
    const entry: Record<string, unknown> = { level, time: new Date().toISOString(), message, ...base, ...fields };
    if (fields?.error instanceof Error) {
      entry.error = { name: fields.error.name, message: fields.error.message };
    }
    write(JSON.stringify(entry), level);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

export const silentLogger: Logger = createLogger({ write: () => {} });

/** The same logger with every message and field value redacted before it is written. */
export function withRedaction(log: Logger, redact: Redact): Logger {
  const clean = (fields?: Record<string, unknown>) => (fields ? (redactValue(fields, redact) as Record<string, unknown>) : undefined);
  return {
    debug: (m, f) => log.debug(redact(m), clean(f)),
    info: (m, f) => log.info(redact(m), clean(f)),
    warn: (m, f) => log.warn(redact(m), clean(f)),
    error: (m, f) => log.error(redact(m), clean(f)),
    child: (fields) => withRedaction(log.child(clean(fields) ?? {}), redact),
  };
}
