// What every OTLP mapper returns and the rules they share: a usage record (with the labels that
// have no column in the lake line, kept for a twin event), a rejection naming the item and the
// reason, or "not usage" (most telemetry: prompts, tool calls, counters of other things).
// Pure; the lake-line contract (usageRecordSchema, with its per-record caps) decides validity.

import { describeIssues } from '../store/jsonl.ts';
import { makeRecord, parseUsageRecordFast, totalTokens, type UsageRecord, usageRecordSchema } from '../usage/record.ts';
import { type Attributes, type AttributeValue, labelOf, nanosToMs } from './schema.ts';

/** Every record the receiver lands has this source (object keys `otlp-…`). */
export const OTLP_SOURCE = 'otlp';

/** A ts further ahead of the receiving clock than this is refused (as for pushed events). */
export const MAX_FUTURE_MS = 24 * 3_600_000;

/** Claude Code reports the same usage as events and as metrics; the one that owns a session lands. */
export type ClaimSignal = 'events' | 'metrics';

/** The telemetry's labels that have no lake column, kept on a twin event under lake/events/. */
interface Twin {
  event_type: string;
  attributes: Record<string, AttributeValue>;
  metrics: Record<string, number>;
}

export interface Candidate {
  /** Where it came from: `resourceLogs[0].scopeLogs[0].logRecords[3]`. */
  path: string;
  record: UsageRecord;
  twin: Twin | null;
  claim: { session: string; signal: ClaimSignal } | null;
  /** The request items it stands for (data points of one metric group), all rejected together. */
  items: number;
  raw: unknown;
}

export interface Rejection {
  path: string;
  /** The event, metric or span name. */
  what: string;
  reason: string;
  items: number;
  raw: unknown;
}

export interface MapResult {
  candidates: Candidate[];
  rejected: Rejection[];
  /** Items that carry no usage (valid telemetry tokenlake does not keep). */
  ignored: number;
}

/** A mapper's answer for one item. */
export type ItemOutcome =
  | { kind: 'usage'; record: UsageRecord; twin: Twin | null; claim: Candidate['claim'] }
  | { kind: 'reject'; reason: string }
  | { kind: 'ignore' };

export const reject = (reason: string): ItemOutcome => ({ kind: 'reject', reason });
export const IGNORE: ItemOutcome = { kind: 'ignore' };

/** A record with the receiver's defaults; the mapper states what the telemetry says. */
export function otlpRecord(fields: Pick<UsageRecord, 'id' | 'ts' | 'provider' | 'model'> & Partial<UsageRecord>): UsageRecord {
  return makeRecord({ source: OTLP_SOURCE, ...fields });
}

/** The lake-line check (with its caps): the record, or why it cannot be trusted. */
export function checkRecord(record: UsageRecord): { ok: true; record: UsageRecord } | { ok: false; reason: string } {
  const fast = parseUsageRecordFast(record);
  if (fast) return { ok: true, record: fast };
  const parsed = usageRecordSchema.safeParse(record);
  return parsed.success ? { ok: true, record: parsed.data } : { ok: false, reason: describeIssues(parsed.error.issues) };
}

/**
 * When an event happened: its `event.timestamp` attribute (ISO 8601, what the tools stamp), else
 * the record's time, else when the SDK observed it. Refused when none is usable or it lies more
 * than a day after the receiving clock.
 */
export function eventInstant(
  attrs: Attributes,
  times: { timeUnixNano?: string | number | undefined; observedTimeUnixNano?: string | number | undefined },
  now: Date,
): { ok: true; ms: number } | { ok: false; reason: string } {
  const stamped = labelOf(attrs, 'event.timestamp');
  let ms: number | null = null;
  if (stamped && /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(stamped) && /(Z|[+-]\d{2}:?\d{2})$/.test(stamped)) {
    const parsed = Date.parse(stamped);
    if (Number.isFinite(parsed)) ms = parsed;
  }
  ms ??= nanosToMs(times.timeUnixNano) ?? nanosToMs(times.observedTimeUnixNano);
  if (ms === null) return { ok: false, reason: 'no timestamp: neither event.timestamp nor timeUnixNano is set' };
  if (ms > now.getTime() + MAX_FUTURE_MS) return { ok: false, reason: `timestamp ${new Date(ms).toISOString()} is more than 24 h ahead` };
  if (ms < Date.UTC(2000, 0, 1)) return { ok: false, reason: `timestamp ${new Date(ms).toISOString()} is before 2000` };
  return { ok: true, ms };
}

/** Labels every mapper takes the same way (see docs/sources.md, "OTLP receiver"). */
export function commonLabels(attrs: Attributes): Pick<UsageRecord, 'project' | 'machine'> {
  return { project: labelOf(attrs, 'tokenlake.project'), machine: labelOf(attrs, 'host.name') };
}

const LABEL_VALUE_CHARS = 256;

/** The twin's attributes: the named keys that are present, values cut to 256 characters. */
export function pickLabels(attrs: Attributes, keys: readonly string[]): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const key of keys) {
    const v = attrs.get(key);
    if (v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) continue;
    out[key] = typeof v === 'string' ? v.slice(0, LABEL_VALUE_CHARS) : v;
  }
  return out;
}

/** Resource labels worth keeping for any tool (never identities: those are record columns). */
export const RESOURCE_LABELS = ['service.name', 'service.version', 'os.type', 'os.version', 'host.arch', 'terminal.type', 'app.version'];

/** The twin's measurements: the record's token counts, its latency and a reported cost. */
export function twinMetrics(r: UsageRecord): Record<string, number> {
  const m: Record<string, number> = {
    input_tokens: r.input_tokens,
    output_tokens: r.output_tokens,
    cache_creation_tokens: r.cache_creation_tokens,
    cache_read_tokens: r.cache_read_tokens,
  };
  if (r.latency_ms !== null) m.duration_ms = r.latency_ms;
  if (r.cost_source === 'reported' && r.cost_usd !== null) m.cost_usd = r.cost_usd;
  return m;
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** True when the item carries nothing to count (a tool's bookkeeping request, an empty response). */
export function isEmptyUsage(
  r: Pick<UsageRecord, 'input_tokens' | 'output_tokens' | 'cache_creation_tokens' | 'cache_read_tokens' | 'cost_usd'>,
): boolean {
  return totalTokens(r) === 0 && !r.cost_usd;
}
