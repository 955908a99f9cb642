// Configuration, parsed once from an explicit env object (each variable by its parser in
// lib/config/config-env.ts). A bad variable fails fast with a message naming it. Nothing else in lib/
// reads process.env. Every CLI start loads this module: it must not bring in zod.

import { homedir, hostname, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import type { AnonymizableField } from '../usage/anonymizable-fields.ts';
import type { BedrockLogLocation } from './bedrock-log-location.ts';
import { resolveCacheDir } from './cache-dir.ts';
import { parseEnv } from './config-env.ts';

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

export interface Config {
  port: number;
  /** Undefined when not configured; the local stack then generates one. */
  apiKey: string | undefined;
  /** HMAC key for anonymised exports; undefined = a generated key kept in the bucket. */
  hmacKey: string | undefined;
  dataDir: string;
  /** Machine-local caches, never lake data (lib/config/cache-dir.ts). */
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

interface ConfigContext {
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
  const e = parseEnv(env);
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
