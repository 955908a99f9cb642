// Configuration, parsed once from an explicit env object with zod. A bad variable fails fast
// with a message naming it. Nothing else in lib/ reads process.env.

import { homedir, hostname, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { resolveCacheDir } from './cache-dir.ts';
import { isValidTimeZone } from './calendar.ts';
import { ConfigError } from './errors.ts';
import { type AnonymizableField, anonymizableFields } from './export/anonymize.ts';
import { type BedrockLogLocation, isAwsRegion, parseLogLocation } from './sources/bedrock/paths.ts';

export const knownSources = [
  'claude-code',
  'codex',
  'gemini-cli',
  'qwen-code',
  'opencode',
  'amp',
  'demo',
  'anthropic',
  'openai',
  'bedrock',
  'bedrock-metrics',
] as const;
export type SourceName = (typeof knownSources)[number];

/** The sources that read coding-agent logs on this machine (found by themselves, pushed per machine). */
export const logSources = ['claude-code', 'codex', 'gemini-cli', 'qwen-code', 'opencode', 'amp'] as const satisfies readonly SourceName[];
export type LogSourceName = (typeof logSources)[number];

/** Where each coding agent keeps its logs on this machine, resolved from its own variables. */
export interface AgentPaths {
  claudeConfigDirs: string[];
  codexHome: string;
  /** Gemini CLI's global dir: `$GEMINI_CLI_HOME/.gemini`, else `~/.gemini` (its chats are under tmp/). */
  geminiDir: string;
  /** Qwen Code's runtime dir: `QWEN_RUNTIME_DIR`, else `QWEN_HOME`, else `~/.qwen` (chats under projects/). */
  qwenDir: string;
  /** OpenCode's data dir: `$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode`. */
  opencodeDataDir: string;
  /** OpenCode's database when `OPENCODE_DB` names one; else opencode*.db in the data dir. */
  opencodeDb: string | undefined;
  /** Amp's data dir: `$XDG_DATA_HOME/amp`, else `~/.local/share/amp` (threads/ under it). */
  ampDataDir: string;
}

/** One agent whose logs were found, and the folders (or files) that hold them. */
export interface FoundAgent {
  source: LogSourceName;
  where: string[];
}

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
  /** Machine-local caches (recent Claude Code usage for blocks and the status line). */
  TOKENLAKE_CACHE_DIR: optionalString,
  XDG_CACHE_HOME: optionalString,
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
  /** The agents' own variables for where they keep data (each agent reads the same one). */
  GEMINI_CLI_HOME: optionalString,
  QWEN_HOME: optionalString,
  QWEN_RUNTIME_DIR: optionalString,
  OPENCODE_DB: optionalString,
  XDG_DATA_HOME: optionalString,
  TOKENLAKE_TIMEZONE: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || isValidTimeZone(v), 'not an IANA time zone'),
  TOKENLAKE_SYNC_MINUTES: positiveInt(5),
  /** Unset = keep the raw lake forever (retention is opt-in: the lake is the source of truth). */
  TOKENLAKE_RETENTION_DAYS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return null;
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a positive whole number of days (unset keeps everything), got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
  TOKENLAKE_REFETCH_HOURS: positiveInt(48),
  TOKENLAKE_BACKFILL_DAYS: positiveInt(90),
  TOKENLAKE_S3_ENDPOINT: urlString,
  /** Where commands run: the local plain-file lake (default) or the bucket TOKENLAKE_BUCKET on S3. */
  TOKENLAKE_STORE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '' || v.trim() === 'local') return 'local' as const;
      if (v.trim() === 's3') return 's3' as const;
      ctx.addIssue({ code: 'custom', message: `expected "local" or "s3", got "${v}"` });
      return z.NEVER;
    }),
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
  /** Where Bedrock model invocation logging delivers: s3://bucket/prefix (the prefix above AWSLogs/), comma-separated. */
  TOKENLAKE_BEDROCK_LOGS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const out: BedrockLogLocation[] = [];
      for (const entry of (v ?? '').split(',').map((s) => s.trim())) {
        if (entry === '') continue;
        try {
          const location = parseLogLocation(entry);
          if (!out.some((l) => l.url === location.url)) out.push(location);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }
      return out;
    }),
  /** Regions whose AWS/Bedrock CloudWatch metrics the bedrock-metrics source reads (default: AWS_REGION). */
  TOKENLAKE_BEDROCK_METRICS_REGIONS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const regions = [
        ...new Set(
          (v ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ];
      const bad = regions.find((r) => !isAwsRegion(r));
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not an AWS region (e.g. us-east-1)` });
        return z.NEVER;
      }
      return regions;
    }),
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
  /** Machine-local caches, never lake data (lib/cache-dir.ts). */
  cacheDir: string;
  bucket: string;
  sources: SourceName[];
  claudeConfigDirs: string[];
  /** Codex CLI home: its transcripts are sessions/YYYY/MM/DD/rollout-*.jsonl under it. */
  codexHome: string;
  geminiDir: string;
  qwenDir: string;
  opencodeDataDir: string;
  opencodeDb: string | undefined;
  ampDataDir: string;
  /**
   * The coding agents whose logs were found on this machine (empty when no detector was given).
   * `tokenlake sync` and `push` print them; without TOKENLAKE_SOURCES they are the sources.
   */
  foundAgents: FoundAgent[];
  /**
   * True when no TOKENLAKE_SOURCES was set and no agent's logs were found, so `demo` stands in:
   * the demo source then refuses to write into a lake that already holds real usage.
   */
  demoFallback: boolean;
  timeZone: string;
  syncMinutes: number;
  /** Days the raw lake is kept; null (the default) keeps it forever. */
  retentionDays: number | null;
  refetchHours: number;
  backfillDays: number;
  s3Endpoint: string | undefined;
  /** The store commands run against: the local plain-file lake, or S3. */
  store: 'local' | 's3';
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
  /** Amazon Bedrock invocation-log locations read by the `bedrock` source (TOKENLAKE_BEDROCK_LOGS). */
  bedrockLogs: BedrockLogLocation[];
  /** Regions whose AWS/Bedrock CloudWatch metrics `bedrock-metrics` reads. */
  bedrockMetricsRegions: string[];
}

export interface ConfigContext {
  /** Home directory for default log locations. */
  home?: string;
  cwd?: string;
  /** Whether a Claude Code projects/ folder holds any transcript (used when no detectAgents is given). */
  hasTranscripts?: (projectsDir: string) => boolean;
  /**
   * Finds which coding agents have logs here (lib/sources/detect.ts touches the file system; this
   * module does not). Without TOKENLAKE_SOURCES, the agents it finds are the sources.
   */
  detectAgents?: (paths: AgentPaths) => FoundAgent[];
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
  const expand = (p: string) => resolve(cwd, p.replace(/^~(?=$|[\\/])/, home));

  const claudeConfigDirs = e.CLAUDE_CONFIG_DIR
    ? e.CLAUDE_CONFIG_DIR.split(',')
        .map((d) => d.trim())
        .filter(Boolean)
        .map((d) => resolve(cwd, d.replace(/^~(?=$|\/)/, home)))
    : [join(home, '.claude'), join(home, '.config', 'claude')];

  const codexHome = e.CODEX_HOME ? resolve(cwd, e.CODEX_HOME.replace(/^~(?=$|\/)/, home)) : join(home, '.codex');
  // XDG_DATA_HOME must be absolute to count (the XDG spec); OpenCode and Amp both follow it.
  const dataHome = e.XDG_DATA_HOME && isAbsolute(e.XDG_DATA_HOME) ? e.XDG_DATA_HOME : join(home, '.local', 'share');
  const opencodeDataDir = join(dataHome, 'opencode');
  const paths: AgentPaths = {
    claudeConfigDirs,
    codexHome,
    // GEMINI_CLI_HOME replaces the home directory: Gemini CLI still appends .gemini to it.
    geminiDir: join(e.GEMINI_CLI_HOME ? expand(e.GEMINI_CLI_HOME) : home, '.gemini'),
    qwenDir: e.QWEN_RUNTIME_DIR ? expand(e.QWEN_RUNTIME_DIR) : e.QWEN_HOME ? expand(e.QWEN_HOME) : join(home, '.qwen'),
    opencodeDataDir,
    // OpenCode resolves a relative OPENCODE_DB against its data dir.
    opencodeDb: e.OPENCODE_DB ? (isAbsolute(e.OPENCODE_DB) ? e.OPENCODE_DB : join(opencodeDataDir, e.OPENCODE_DB)) : undefined,
    ampDataDir: join(dataHome, 'amp'),
  };
  const detect =
    context.detectAgents ??
    ((p: AgentPaths): FoundAgent[] => {
      const projects = p.claudeConfigDirs.map((d) => join(d, 'projects')).filter((d) => context.hasTranscripts?.(d) ?? false);
      return projects.length > 0 ? [{ source: 'claude-code', where: projects }] : [];
    });
  const foundAgents = detect(paths);

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
    // Every agent with logs here; an installed agent with no log yet would show an empty
    // dashboard, so only when none is found does the demo stand in.
    // A configured Bedrock location is read too, like an agent found here: setting the variable
    // says where the usage is, and the demo must not stand in beside real data.
    const configured: SourceName[] = [
      ...(e.TOKENLAKE_BEDROCK_LOGS.length > 0 ? (['bedrock'] as const) : []),
      ...(e.TOKENLAKE_BEDROCK_METRICS_REGIONS.length > 0 ? (['bedrock-metrics'] as const) : []),
    ];
    const found: SourceName[] = [...foundAgents.map((a) => a.source), ...configured];
    sources = found.length > 0 ? found : ['demo'];
  }
  const demoFallback = !e.TOKENLAKE_SOURCES && sources.length === 1 && sources[0] === 'demo';
  if (sources.includes('bedrock') && e.TOKENLAKE_BEDROCK_LOGS.length === 0) {
    throw new ConfigError(
      'TOKENLAKE_BEDROCK_LOGS',
      'the bedrock source needs the log location: s3://bucket/prefix (the prefix that holds AWSLogs/)',
    );
  }
  const region = e.AWS_REGION ?? 'us-east-1';

  return {
    port: e.PORT,
    apiKey: e.TOKENLAKE_API_KEY || undefined,
    hmacKey: e.TOKENLAKE_HMAC_KEY || undefined,
    dataDir: resolve(cwd, e.TOKENLAKE_DATA_DIR ?? '.tokenlake'),
    cacheDir: resolveCacheDir({ TOKENLAKE_CACHE_DIR: e.TOKENLAKE_CACHE_DIR, XDG_CACHE_HOME: e.XDG_CACHE_HOME }, home, cwd),
    bucket: e.TOKENLAKE_BUCKET || 'tokenlake',
    sources,
    ...paths,
    foundAgents,
    demoFallback,
    timeZone: e.TOKENLAKE_TIMEZONE || 'UTC',
    syncMinutes: e.TOKENLAKE_SYNC_MINUTES,
    retentionDays: e.TOKENLAKE_RETENTION_DAYS,
    refetchHours: e.TOKENLAKE_REFETCH_HOURS,
    backfillDays: e.TOKENLAKE_BACKFILL_DAYS,
    s3Endpoint: e.TOKENLAKE_S3_ENDPOINT,
    store: e.TOKENLAKE_STORE,
    region,
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
    bedrockLogs: e.TOKENLAKE_BEDROCK_LOGS,
    // Without a list the metrics fallback reads the region the process runs in.
    bedrockMetricsRegions: e.TOKENLAKE_BEDROCK_METRICS_REGIONS.length > 0 ? e.TOKENLAKE_BEDROCK_METRICS_REGIONS : [region],
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
