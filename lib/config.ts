// Configuration, parsed once from an explicit env object with zod. A bad variable fails fast
// with a message naming it. Nothing else in lib/ reads process.env.

import { homedir, hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { isValidTimeZone } from './calendar.ts';
import { ConfigError } from './errors.ts';
import { type AnonymizableField, anonymizableFields } from './export/anonymize.ts';

export const knownSources = ['claude-code', 'codex', 'demo', 'anthropic', 'openai'] as const;
export type SourceName = (typeof knownSources)[number];

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a positive whole number, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const urlString = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    try {
      return new URL(v.trim()).toString().replace(/\/$/, '');
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected a URL, got "${v}"` });
      return z.NEVER;
    }
  });

const envSchema = z.object({
  PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 3000;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: `expected a port 0-65535, got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
  TOKENLAKE_API_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v.length >= 16, 'must be at least 16 characters'),
  TOKENLAKE_DATA_DIR: optionalString,
  /** Key of the HMAC that pseudonymises anonymised exports; without it one is kept in the bucket. */
  TOKENLAKE_HMAC_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v.length >= 16, 'must be at least 16 characters'),
  TOKENLAKE_BUCKET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v), 'not a valid S3 bucket name'),
  TOKENLAKE_SOURCES: optionalString,
  CLAUDE_CONFIG_DIR: optionalString,
  /** Codex CLI's home (sessions/ under it); Codex itself reads the same variable. */
  CODEX_HOME: optionalString,
  TOKENLAKE_TIMEZONE: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || isValidTimeZone(v), 'not an IANA time zone'),
  TOKENLAKE_SYNC_MINUTES: positiveInt(5),
  TOKENLAKE_RETENTION_DAYS: positiveInt(180),
  TOKENLAKE_REFETCH_HOURS: positiveInt(48),
  TOKENLAKE_BACKFILL_DAYS: positiveInt(90),
  TOKENLAKE_S3_ENDPOINT: urlString,
  AWS_REGION: optionalString,
  TOKENLAKE_PRICES_FILE: optionalString,
  /** LiteLLM's price file, fetched at most once a day into config/prices/ (off by default: no egress needed). */
  TOKENLAKE_PRICES_URL: urlString,
  TOKENLAKE_USER: optionalString,
  TOKENLAKE_MACHINE: optionalString,
  ANTHROPIC_ADMIN_API_KEY: optionalString,
  OPENAI_ADMIN_KEY: optionalString,
  TOKENLAKE_ANTHROPIC_BASE_URL: urlString,
  TOKENLAKE_OPENAI_BASE_URL: urlString,
  TOKENLAKE_RECONCILE_TOLERANCE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 0.02;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > 1) {
        ctx.addIssue({ code: 'custom', message: `expected a fraction 0-1, got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
  TOKENLAKE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  TOKENLAKE_ALERT_WEBHOOK: urlString,
  TOKENLAKE_ANONYMIZE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const names = (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = names.filter((n) => !(anonymizableFields as readonly string[]).includes(n));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `cannot anonymise "${unknown[0]}" (fields: ${anonymizableFields.join(', ')})` });
        return z.NEVER;
      }
      return [...new Set(names)] as AnonymizableField[];
    }),
  TOKENLAKE_EVENT_BUS: optionalString,
  TOKENLAKE_ANOMALY_K: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 5;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a positive number, got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
});

export interface Config {
  port: number;
  /** Undefined when not configured; the local stack then generates one. */
  apiKey: string | undefined;
  /** HMAC key for anonymised exports; undefined = a generated key kept in the bucket. */
  hmacKey: string | undefined;
  dataDir: string;
  bucket: string;
  sources: SourceName[];
  claudeConfigDirs: string[];
  /** Codex CLI home: its transcripts are sessions/YYYY/MM/DD/rollout-*.jsonl under it. */
  codexHome: string;
  timeZone: string;
  syncMinutes: number;
  retentionDays: number;
  refetchHours: number;
  backfillDays: number;
  s3Endpoint: string | undefined;
  region: string;
  pricesFile: string | undefined;
  /** Where to refresh prices from (a LiteLLM model_prices_and_context_window.json URL); undefined = never. */
  pricesUrl: string | undefined;
  user: string;
  machine: string;
  anthropicAdminKey: string | undefined;
  openaiAdminKey: string | undefined;
  anthropicBaseUrl: string;
  openaiBaseUrl: string;
  reconcileTolerance: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  alertWebhook: string | undefined;
  /** Labels replaced at ingestion by a keyed HMAC (stable, so breakdowns still work). */
  anonymize: AnonymizableField[];
  /** EventBridge bus for alerts (budget.threshold_crossed, anomaly.detected) on AWS. */
  eventBus: string | undefined;
  anomalyK: number;
}

export interface ConfigContext {
  /** Home directory for default log locations. */
  home?: string;
  cwd?: string;
  /** Whether a directory exists; decides the default source. */
  /** Whether a Claude Code projects/ folder holds any transcript; decides the default source. */
  hasTranscripts?: (projectsDir: string) => boolean;
}

export function parseConfig(env: Record<string, string | undefined>, context: ConfigContext = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  const home = context.home ?? homedir();
  const cwd = context.cwd ?? process.cwd();
  const hasTranscripts = context.hasTranscripts ?? (() => false);

  const claudeConfigDirs = e.CLAUDE_CONFIG_DIR
    ? e.CLAUDE_CONFIG_DIR.split(',')
        .map((d) => d.trim())
        .filter(Boolean)
        .map((d) => resolve(cwd, d.replace(/^~(?=$|\/)/, home)))
    : [join(home, '.claude'), join(home, '.config', 'claude')];

  const codexHome = e.CODEX_HOME ? resolve(cwd, e.CODEX_HOME.replace(/^~(?=$|\/)/, home)) : join(home, '.codex');

  let sources: SourceName[];
  if (e.TOKENLAKE_SOURCES) {
    const names = e.TOKENLAKE_SOURCES.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(knownSources as readonly string[]).includes(n));
    if (unknown.length > 0) {
      throw new ConfigError('TOKENLAKE_SOURCES', `unknown source "${unknown[0]}" (known: ${knownSources.join(', ')})`);
    }
    sources = [...new Set(names)] as SourceName[];
  } else {
    // An installed Claude Code with no transcript yet would show an empty dashboard: demo instead.
    sources = claudeConfigDirs.some((d) => hasTranscripts(join(d, 'projects'))) ? ['claude-code'] : ['demo'];
  }

  return {
    port: e.PORT,
    apiKey: e.TOKENLAKE_API_KEY || undefined,
    hmacKey: e.TOKENLAKE_HMAC_KEY || undefined,
    dataDir: resolve(cwd, e.TOKENLAKE_DATA_DIR ?? '.tokenlake'),
    bucket: e.TOKENLAKE_BUCKET || 'tokenlake',
    sources,
    claudeConfigDirs,
    codexHome,
    timeZone: e.TOKENLAKE_TIMEZONE || 'UTC',
    syncMinutes: e.TOKENLAKE_SYNC_MINUTES,
    retentionDays: e.TOKENLAKE_RETENTION_DAYS,
    refetchHours: e.TOKENLAKE_REFETCH_HOURS,
    backfillDays: e.TOKENLAKE_BACKFILL_DAYS,
    s3Endpoint: e.TOKENLAKE_S3_ENDPOINT,
    region: e.AWS_REGION ?? 'us-east-1',
    pricesFile: e.TOKENLAKE_PRICES_FILE,
    pricesUrl: e.TOKENLAKE_PRICES_URL,
    user: e.TOKENLAKE_USER ?? safeUserName(),
    machine: e.TOKENLAKE_MACHINE ?? hostname(),
    anthropicAdminKey: e.ANTHROPIC_ADMIN_API_KEY,
    openaiAdminKey: e.OPENAI_ADMIN_KEY,
    anthropicBaseUrl: e.TOKENLAKE_ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com',
    openaiBaseUrl: e.TOKENLAKE_OPENAI_BASE_URL ?? 'https://api.openai.com',
    reconcileTolerance: e.TOKENLAKE_RECONCILE_TOLERANCE,
    logLevel: e.TOKENLAKE_LOG_LEVEL ?? 'info',
    alertWebhook: e.TOKENLAKE_ALERT_WEBHOOK,
    anonymize: e.TOKENLAKE_ANONYMIZE,
    eventBus: e.TOKENLAKE_EVENT_BUS,
    anomalyK: e.TOKENLAKE_ANOMALY_K,
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
