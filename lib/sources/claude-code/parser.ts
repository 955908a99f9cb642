// Turns one Claude Code transcript line into a usage record, a skip (a line that carries no usage
// by design) or a reject (a line that should carry usage but cannot be trusted).

import { describeIssues } from '../../store/jsonl.ts';
import { resolveModel } from '../../usage/pricing/price.ts';
import { recordId, type UsageRecord } from '../../usage/record.ts';
import { projectName } from './paths.ts';
import { claudeAssistantLineSchema, parseAssistantLineFast } from './schema.ts';

/**
 * Who bills a Claude Code response: Anthropic, unless the model id names Bedrock (a profile such
 * as us.anthropic.claude-…-v1:0, an ARN) or Vertex AI (claude-…@date), as Claude Code on those
 * platforms logs it. Cached per id by the resolver.
 */
const billedByModel = new Map<string, string>();

function billedBy(model: string): string {
  let provider = billedByModel.get(model);
  if (provider === undefined) {
    const family = resolveModel(model).provider;
    provider = family === 'bedrock' || family === 'vertex_ai' ? family : 'anthropic';
    if (billedByModel.size > 10_000) billedByModel.clear();
    billedByModel.set(model, provider);
  }
  return provider;
}

/** A timestamp already in the lake's form (UTC, milliseconds): kept as it is, not re-formatted. */
const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Sessions repeat their cwd on every line: the project name is worked out once per cwd. */
const projects = new Map<string, string>();

function projectOf(cwd: string | null | undefined, projectFolder: string): string {
  const key = `${cwd ?? ''}\u0000${projectFolder}`;
  let name = projects.get(key);
  if (name === undefined) {
    name = projectName(cwd, projectFolder);
    if (projects.size > 10_000) projects.clear();
    projects.set(key, name);
  }
  return name;
}

type LineOutcome =
  | { kind: 'record'; record: UsageRecord }
  | { kind: 'skip'; reason: 'not-usage' | 'synthetic' | 'zero-usage' }
  | { kind: 'reject'; reason: string };

interface LineContext {
  projectFolder: string;
  relativePath: string;
  /** Byte offset of the line in its file: the natural key of a line without ids. */
  offset: number;
  user: string | null;
  machine: string | null;
  /**
   * Returns one shared copy of a repeated label (model, project, session, tier): a sync keeps
   * every record of a pull in memory until it is written, and JSON.parse gives each line its own.
   */
  intern?: (value: string) => string;
}

const asIs = (value: string) => value;

export function parseClaudeLine(text: string, context: LineContext): LineOutcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'reject', reason: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { kind: 'reject', reason: 'line is not a JSON object' };
  }
  const line = json as { type?: unknown; message?: { usage?: unknown; model?: unknown } };
  if (line.type !== 'assistant' || typeof line.message !== 'object' || line.message === null || line.message.usage == null) {
    return { kind: 'skip', reason: 'not-usage' };
  }
  if (line.message.model === '<synthetic>') return { kind: 'skip', reason: 'synthetic' };

  let l = parseAssistantLineFast(json);
  if (l === null) {
    const parsed = claudeAssistantLineSchema.safeParse(json);
    if (!parsed.success) return { kind: 'reject', reason: describeIssues(parsed.error.issues) };
    l = parsed.data;
  }
  const u = l.message.usage;
  const nested5m = u.cache_creation?.ephemeral_5m_input_tokens ?? 0;
  const nested1h = u.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const cacheCreation = u.cache_creation_input_tokens ?? nested5m + nested1h;
  const cacheRead = u.cache_read_input_tokens ?? 0;
  if (u.input_tokens + u.output_tokens + cacheCreation + cacheRead === 0) return { kind: 'skip', reason: 'zero-usage' };

  // One API response is written as several lines (one per content block) and replayed into
  // resumed sessions and subagent files: message id + request id identify it across all of them.
  const msgId = l.message.id ?? null;
  const id = msgId
    ? recordId('claude-code', msgId, l.requestId ?? '')
    : l.uuid
      ? recordId('claude-code-uuid', l.sessionId ?? '', l.uuid)
      : recordId('claude-code-line', context.relativePath, context.offset);

  const intern = context.intern ?? asIs;
  // Older Claude Code versions wrote their own cost estimate; like ccusage's "auto" mode it wins.
  const reported = l.costUSD !== undefined && l.costUSD !== null;
  // Every field in the lake's key order, in one literal: a first sync makes one per line.
  const record: UsageRecord = {
    id,
    ts: CANONICAL_TS.test(l.timestamp) ? l.timestamp : new Date(l.timestamp).toISOString(),
    source: 'claude-code',
    provider: billedBy(l.message.model),
    model: intern(l.message.model),
    project: intern(projectOf(l.cwd, context.projectFolder)),
    user: context.user,
    session: l.sessionId ? intern(l.sessionId) : null,
    machine: context.machine,
    api_key: null,
    workspace: null,
    service_tier: u.service_tier ? intern(u.service_tier) : null,
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    cache_creation_tokens: cacheCreation,
    cache_creation_1h_tokens: Math.min(nested1h, cacheCreation),
    cache_read_tokens: cacheRead,
    requests: 1,
    cost_usd: reported ? (l.costUSD as number) : null,
    cost_source: reported ? 'reported' : 'unpriced',
    latency_ms: null,
    bucket_seconds: null,
  };
  return { kind: 'record', record };
}
