// Codex CLI's `codex.sse_event` log event of kind `response.completed` → one usage record per
// model response. Shapes from openai/codex codex-rs/otel (session_telemetry.rs:
// `sse_event_completed`, the common fields of `log_event!`), whose counts are the Responses API
// usage: input includes the cached part, output includes reasoning. Pure.

import { recordId } from '../usage/record.ts';
import {
  commonLabels,
  eventInstant,
  IGNORE,
  type ItemOutcome,
  isEmptyUsage,
  isoOf,
  otlpRecord,
  pickLabels,
  RESOURCE_LABELS,
  reject,
  twinMetrics,
} from './mapping.ts';
import { type Attributes, amountOf, countOf, type LogRecord, labelOf } from './schema.ts';

export const CODEX_SSE_EVENT = 'codex.sse_event';

const TWIN_LABELS = [...RESOURCE_LABELS, 'slug', 'originator', 'auth_mode', 'event.kind'];

/**
 * | record | from the event |
 * |---|---|
 * | `id` | hash of `conversation.id`, `event.timestamp` and the four token counts (Codex gives a response no id here) |
 * | `provider`, `model` | `openai`, `model` |
 * | `input_tokens` (uncached) | `input_token_count − cached_token_count` |
 * | `cache_read_tokens` | `cached_token_count`, at most `input_token_count` |
 * | `output_tokens` | `output_token_count` (reasoning is already in it) |
 * | `latency_ms` | `duration_ms` when the version sends it |
 * | `session`, `user` | `conversation.id`; `user.email`, else `user.account_id` |
 * Other kinds (`response.created`, deltas) and other Codex events carry no usage.
 */
export function mapCodexSseEvent(attrs: Attributes, log: LogRecord, now: Date): ItemOutcome {
  if (labelOf(attrs, 'event.kind') !== 'response.completed' || !attrs.has('input_token_count')) return IGNORE;
  const session = labelOf(attrs, 'conversation.id');
  const model = labelOf(attrs, 'model');
  if (!model) return reject('model is missing');
  const when = eventInstant(attrs, log, now);
  if (!when.ok) return reject(when.reason);
  const counts: Record<string, number> = {};
  for (const name of ['input_token_count', 'output_token_count', 'cached_token_count', 'reasoning_token_count']) {
    const n = countOf(attrs.get(name), name);
    if (!n.ok) return reject(n.reason);
    counts[name] = n.value ?? 0;
  }
  const input = counts.input_token_count ?? 0;
  const cached = Math.min(counts.cached_token_count ?? 0, input);
  const duration = amountOf(attrs.get('duration_ms'), 'duration_ms');
  if (!duration.ok) return reject(duration.reason);
  const record = otlpRecord({
    id: recordId(
      'otlp',
      CODEX_SSE_EVENT,
      session,
      labelOf(attrs, 'event.timestamp') ?? log.timeUnixNano,
      input,
      counts.cached_token_count,
      counts.output_token_count,
      counts.reasoning_token_count,
    ),
    ts: isoOf(when.ms),
    provider: 'openai',
    model,
    ...commonLabels(attrs),
    session,
    user: labelOf(attrs, 'user.email', 'user.account_id'),
    input_tokens: input - cached,
    cache_read_tokens: cached,
    output_tokens: counts.output_token_count ?? 0,
    latency_ms: duration.value,
  });
  if (isEmptyUsage(record)) return IGNORE;
  const metrics = twinMetrics(record);
  metrics.reasoning_output_tokens = counts.reasoning_token_count ?? 0;
  return { kind: 'usage', record, twin: { event_type: CODEX_SSE_EVENT, attributes: pickLabels(attrs, TWIN_LABELS), metrics }, claim: null };
}
