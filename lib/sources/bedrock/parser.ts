// Turns one Bedrock invocation log line into a usage record, a skip or a reject, and names the
// model and the principal the way both Bedrock sources (logs and CloudWatch metrics) label them.
// Pure. Message bodies are parsed with the line (JSON has no partial parse) and dropped at once:
// only the counts, the ids and two latency figures are read out of them.

import { describeIssues, MAX_RAW_CHARS } from '../../store/jsonl.ts';
import { makeRecord, recordId, type UsageRecord, usageRecordSchema } from '../../usage/record.ts';
import { type InvocationLog, invocationLogSchema } from './schema.ts';

export const SOURCE = 'bedrock';

type InvocationOutcome =
  | { kind: 'record'; record: UsageRecord; region: string }
  | { kind: 'skip'; reason: 'not-an-invocation-log' }
  | { kind: 'reject'; reason: string; raw: string };

/** The stream a line came from: its account and region stand in when the record omits them. */
interface StreamContext {
  account: string;
  region: string;
}

/**
 * The model label of an invocation: `bedrock/<region>/<model id>`, LiteLLM's spelling of "this model
 * in this region", which the price resolver reads as the regional Bedrock rate (and falls back to
 * the profile's or the model's own rate where no regional one is listed). An inference-profile or
 * foundation-model ARN gives its id and region; any other ARN (an application inference profile,
 * a provisioned or custom model) names no model and is kept whole (it stays unpriced).
 */
export function bedrockModelLabel(region: string | null, modelId: string): string {
  const id = modelId.trim();
  const arn = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]*):\d*:(inference-profile|foundation-model)\/(.+)$/.exec(id);
  if (arn) return arn[1] ? `bedrock/${arn[1]}/${arn[3]}` : arn[3]!;
  if (id.startsWith('arn:') || id.startsWith('bedrock/')) return id;
  return region ? `bedrock/${region}/${id}` : id;
}

/**
 * Who called, from `identity.arn`: the user is the role session name (an SSO or federated session
 * is the person) or the IAM user name; the principal (role or user, without the session) goes in
 * `api_key`, the credential-like label. Anything else is kept whole as the user.
 */
export function principalOf(arn: string | undefined): { user: string | null; principal: string | null } {
  if (!arn) return { user: null, principal: null };
  const assumed = /^arn:aws[a-z-]*:sts::\d*:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (assumed) return { user: assumed[2]!, principal: `role/${assumed[1]}` };
  const iamUser = /^arn:aws[a-z-]*:iam::\d*:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (iamUser) return { user: iamUser[1]!, principal: `user/${iamUser[1]}` };
  const federated = /^arn:aws[a-z-]*:sts::\d*:federated-user\/(.+)$/.exec(arn);
  if (federated) return { user: federated[1]!, principal: 'federated-user' };
  if (/^arn:aws[a-z-]*:iam::\d*:root$/.test(arn)) return { user: 'root', principal: 'root' };
  return { user: arn, principal: null };
}

/** Request-metadata keys read as labels, in order of preference (case-insensitive). */
const PROJECT_KEYS = ['project', 'tokenlake.project', 'tokenlake_project', 'application', 'application_name', 'app'];
const USER_KEYS = ['user', 'user_id', 'userid'];
const SESSION_KEYS = ['session', 'session_id', 'sessionid'];

function metadataLabel(metadata: Record<string, unknown> | undefined, keys: readonly string[]): string | null {
  if (!metadata) return null;
  const lowered = new Map(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v]));
  for (const key of keys) {
    const v = lowered.get(key);
    if (typeof v === 'string' && v.trim() !== '') return v.trim().slice(0, 512);
  }
  return null;
}

/**
 * The latency Bedrock measured, when the log has it: Converse bodies carry `metrics.latencyMs`; a
 * streamed InvokeModel response's last chunk carries `amazon-bedrock-invocationMetrics`
 * (`invocationLatency`). Only these numbers are read from the output body.
 */
function latencyOf(json: unknown): number | null {
  const body = (json as { output?: { outputBodyJson?: unknown } }).output?.outputBodyJson;
  let ms: unknown;
  if (Array.isArray(body)) {
    const last = body.at(-1) as Record<string, unknown> | undefined;
    ms = (last?.['amazon-bedrock-invocationMetrics'] as { invocationLatency?: unknown } | undefined)?.invocationLatency;
  } else if (body !== null && typeof body === 'object') {
    ms = ((body as { metrics?: unknown }).metrics as { latencyMs?: unknown } | undefined)?.latencyMs;
  }
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/** What a rejected line is quarantined as: its metadata and counts, never a body, identity or tag. */
function redacted(json: unknown): string {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return '';
  const j = json as Record<string, unknown>;
  const pick = (o: unknown, keys: string[]) =>
    o !== null && typeof o === 'object'
      ? Object.fromEntries(keys.filter((k) => k in (o as object)).map((k) => [k, (o as Record<string, unknown>)[k]]))
      : o;
  const kept = {
    schemaType: j.schemaType,
    timestamp: j.timestamp,
    accountId: j.accountId,
    region: j.region,
    requestId: j.requestId,
    operation: j.operation,
    modelId: j.modelId,
    input: pick(j.input, ['inputTokenCount', 'cacheReadInputTokenCount', 'cacheWriteInputTokenCount']),
    output: pick(j.output, ['outputTokenCount']),
  };
  return JSON.stringify(kept).slice(0, MAX_RAW_CHARS);
}

export function parseInvocationLine(text: string, stream: StreamContext): InvocationOutcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // The raw line may hold a prompt: only its length is kept.
    return { kind: 'reject', reason: `invalid JSON: ${(error as Error).message}`, raw: `(${text.length} characters)` };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { kind: 'reject', reason: 'line is not a JSON object', raw: `(${text.length} characters)` };
  }
  if ((json as { schemaType?: unknown }).schemaType !== 'ModelInvocationLog') return { kind: 'skip', reason: 'not-an-invocation-log' };
  const parsed = invocationLogSchema.safeParse(json);
  if (!parsed.success) return { kind: 'reject', reason: describeIssues(parsed.error.issues), raw: redacted(json) };
  const log: InvocationLog = parsed.data;
  const region = log.region ?? stream.region;
  const caller = principalOf(log.identity?.arn);
  const record = makeRecord({
    // The request id is Bedrock's own, unique per invocation: a batch delivered twice, or read
    // again after its ETag changed, gives the same ids, and readers keep one copy.
    id: recordId(SOURCE, log.requestId),
    ts: new Date(log.timestamp).toISOString(),
    source: SOURCE,
    provider: 'bedrock',
    model: bedrockModelLabel(region, log.modelId),
    project: metadataLabel(log.requestMetadata, PROJECT_KEYS),
    user: metadataLabel(log.requestMetadata, USER_KEYS) ?? caller.user?.slice(0, 512) ?? null,
    session: metadataLabel(log.requestMetadata, SESSION_KEYS),
    api_key: caller.principal?.slice(0, 512) ?? null,
    workspace: log.accountId ?? stream.account,
    input_tokens: log.input.inputTokenCount,
    output_tokens: log.output.outputTokenCount,
    // The log has one cache-write count and no TTL split: all of it is priced as 5-minute writes.
    cache_creation_tokens: log.input.cacheWriteInputTokenCount ?? 0,
    cache_read_tokens: log.input.cacheReadInputTokenCount ?? 0,
    requests: 1,
    latency_ms: latencyOf(json),
  });
  const checked = usageRecordSchema.safeParse(record);
  if (!checked.success) return { kind: 'reject', reason: describeIssues(checked.error.issues), raw: redacted(json) };
  return { kind: 'record', record: checked.data, region };
}
