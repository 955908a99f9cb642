// The environment variables tokenlake reads, each with the function that turns its raw text into a
// value (or refuses it with the reason). Plain functions, not zod: every CLI start parses the
// config, and loading zod for it cost ~45 ms of each (`--help` 0.24 s → 0.19 s without it).
// lib/config/config.ts derives the Config from what this returns.

import { isValidTimeZone } from '../core/calendar.ts';
import { ConfigError } from '../core/errors.ts';
import { type AnonymizableField, anonymizableFields } from '../usage/anonymizable-fields.ts';
import { type BedrockLogLocation, isAwsRegion, parseLogLocation } from './bedrock-log-location.ts';

/** Thrown by a variable's parser with the reason; parseEnv names the variable. */
class InvalidValue extends Error {}

function invalid(reason: string): never {
  throw new InvalidValue(reason);
}

/** Unset, empty or blank → undefined; else the trimmed text. */
const optionalString = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

const positiveInt =
  (fallback: number) =>
  (v: string | undefined): number => {
    if (v === undefined || v.trim() === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) invalid(`expected a positive whole number, got "${v}"`);
    return n;
  };

/** A URL without its trailing slash; unset or blank → undefined. */
const urlString = (v: string | undefined): string | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  try {
    return new URL(v.trim()).toString().replace(/\/$/, '');
  } catch {
    return invalid(`expected a URL, got "${v}"`);
  }
};

/** Kept as given (untrimmed; empty allowed): `check` only accepts or refuses it. */
const checked =
  (check: (v: string) => boolean, reason: string) =>
  (v: string | undefined): string | undefined => {
    if (v !== undefined && v !== '' && !check(v)) invalid(reason);
    return v;
  };

const atLeast16 = checked((v) => v.length >= 16, 'must be at least 16 characters');

/** A comma-separated list: entries trimmed, empty ones dropped. */
const listOf = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const logLevels = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Each variable and its parser, in the order they are checked: when several are bad, the first one
 * here is the one reported. Empty values mostly mean unset; where they do not, the parser says so.
 */
const envParsers = {
  /** Empty = 3000; blank is Number(' ') = 0, an ephemeral port. */
  PORT: (v: string | undefined): number => {
    if (v === undefined || v === '') return 3000;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) invalid(`expected a port 0-65535, got "${v}"`);
    return n;
  },
  TOKENLAKE_API_KEY: atLeast16,
  TOKENLAKE_DATA_DIR: optionalString,
  /** Machine-local caches (recent Claude Code usage for blocks and the status line). */
  TOKENLAKE_CACHE_DIR: optionalString,
  XDG_CACHE_HOME: optionalString,
  /** Key of the HMAC that pseudonymises anonymised exports; without it one is kept in the bucket. */
  TOKENLAKE_HMAC_KEY: atLeast16,
  TOKENLAKE_BUCKET: checked((v) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v), 'not a valid S3 bucket name'),
  TOKENLAKE_SOURCES: optionalString,
  CLAUDE_CONFIG_DIR: optionalString,
  /** Codex CLI's home (sessions/ under it); Codex itself reads the same variable. */
  CODEX_HOME: optionalString,
  /** The agents' own variables for where they keep data (each agent reads the same one). */
  GEMINI_CLI_HOME: optionalString,
  QWEN_HOME: optionalString,
  QWEN_RUNTIME_DIR: optionalString,
  OPENCODE_DB: optionalString,
  XDG_DATA_HOME: optionalString,
  TOKENLAKE_TIMEZONE: checked(isValidTimeZone, 'not an IANA time zone'),
  TOKENLAKE_SYNC_MINUTES: positiveInt(5),
  /** Unset = keep the raw lake forever (retention is opt-in: the lake is the source of truth). */
  TOKENLAKE_RETENTION_DAYS: (v: string | undefined): number | null => {
    if (v === undefined || v.trim() === '') return null;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) invalid(`expected a positive whole number of days (unset keeps everything), got "${v}"`);
    return n;
  },
  TOKENLAKE_REFETCH_HOURS: positiveInt(48),
  TOKENLAKE_BACKFILL_DAYS: positiveInt(90),
  TOKENLAKE_S3_ENDPOINT: urlString,
  /** Where commands run: the local plain-file lake (default) or the bucket TOKENLAKE_BUCKET on S3. */
  TOKENLAKE_STORE: (v: string | undefined): 'local' | 's3' => {
    const store = v?.trim() ?? '';
    if (store === '' || store === 'local') return 'local';
    if (store === 's3') return 's3';
    return invalid(`expected "local" or "s3", got "${v}"`);
  },
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
  /** A fraction 0-1; empty = 0.02 (blank is Number(' ') = 0). */
  TOKENLAKE_RECONCILE_TOLERANCE: (v: string | undefined): number => {
    if (v === undefined || v === '') return 0.02;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1) invalid(`expected a fraction 0-1, got "${v}"`);
    return n;
  },
  /** Exactly one of the levels when set: empty is refused, not read as unset (the message is zod's, kept). */
  TOKENLAKE_LOG_LEVEL: (v: string | undefined): (typeof logLevels)[number] | undefined => {
    if (v === undefined) return undefined;
    const level = logLevels.find((l) => l === v);
    return level ?? invalid(`Invalid option: expected one of ${logLevels.map((l) => `"${l}"`).join('|')}`);
  },
  TOKENLAKE_ALERT_WEBHOOK: urlString,
  TOKENLAKE_ANONYMIZE: (v: string | undefined): AnonymizableField[] => {
    const names = listOf(v);
    const unknown = names.find((n) => !(anonymizableFields as readonly string[]).includes(n));
    if (unknown !== undefined) invalid(`cannot anonymise "${unknown}" (fields: ${anonymizableFields.join(', ')})`);
    return [...new Set(names)] as AnonymizableField[];
  },
  TOKENLAKE_EVENT_BUS: optionalString,
  /** Where Bedrock model invocation logging delivers: s3://bucket/prefix (the prefix above AWSLogs/), comma-separated. */
  TOKENLAKE_BEDROCK_LOGS: (v: string | undefined): BedrockLogLocation[] => {
    const out: BedrockLogLocation[] = [];
    for (const entry of listOf(v)) {
      let location: BedrockLogLocation;
      try {
        location = parseLogLocation(entry);
      } catch (error) {
        return invalid((error as Error).message);
      }
      if (!out.some((l) => l.url === location.url)) out.push(location);
    }
    return out;
  },
  /** Regions whose AWS/Bedrock CloudWatch metrics the bedrock-metrics source reads (default: AWS_REGION). */
  TOKENLAKE_BEDROCK_METRICS_REGIONS: (v: string | undefined): string[] => {
    const regions = [...new Set(listOf(v))];
    const bad = regions.find((r) => !isAwsRegion(r));
    if (bad !== undefined) invalid(`"${bad}" is not an AWS region (e.g. us-east-1)`);
    return regions;
  },
  /** Empty = 5; blank is Number(' ') = 0, refused. */
  TOKENLAKE_ANOMALY_K: (v: string | undefined): number => {
    if (v === undefined || v === '') return 5;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) invalid(`expected a positive number, got "${v}"`);
    return n;
  },
};

type EnvParsers = typeof envParsers;
/** Every variable tokenlake reads, parsed. */
type Env = { [Name in keyof EnvParsers]: ReturnType<EnvParsers[Name]> };

/** Parses every variable in table order; the first bad one throws a ConfigError naming it. */
export function parseEnv(env: Record<string, string | undefined>): Env {
  const out: Partial<Record<keyof EnvParsers, unknown>> = {};
  for (const name of Object.keys(envParsers) as (keyof EnvParsers)[]) {
    try {
      out[name] = envParsers[name](env[name]);
    } catch (error) {
      if (error instanceof InvalidValue) throw new ConfigError(name, error.message);
      throw error;
    }
  }
  return out as Env;
}
