// Gemini CLI's `gemini_cli.api_response` log event → one usage record per model response.
// Shapes from google-gemini/gemini-cli docs/cli/telemetry.md ("API") and packages/core/src/
// telemetry/types.ts (`ApiResponseEvent`), whose counts are Gemini's usageMetadata: the prompt
// count includes the cached part; thoughts and tool-use prompt tokens are counted apart. Pure.

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

export const GEMINI_API_RESPONSE = 'gemini_cli.api_response';

const TWIN_LABELS = [...RESOURCE_LABELS, 'prompt_id', 'auth_type', 'status_code', 'role', 'active_approval_mode'];

/**
 * | record | from the event |
 * |---|---|
 * | `id` | hash of `session.id`, `event.timestamp`, `prompt_id`, `model` and the token counts |
 * | `provider`, `model` | `google`, `model` |
 * | `input_tokens` (uncached) | `input_token_count − cached_content_token_count + tool_token_count` (tool-use prompt tokens are input, billed as such, and not in the prompt count) |
 * | `cache_read_tokens` | `cached_content_token_count`, at most `input_token_count` |
 * | `output_tokens` | `output_token_count + thoughts_token_count` (thinking is billed as output) |
 * | `latency_ms` | `duration_ms` |
 * | `session`, `user` | `session.id`; `user.email`, else `installation.id` |
 */
export function mapGeminiApiResponse(attrs: Attributes, log: LogRecord, now: Date): ItemOutcome {
  const model = labelOf(attrs, 'model');
  if (!model) return reject('model is missing');
  const when = eventInstant(attrs, log, now);
  if (!when.ok) return reject(when.reason);
  const counts: Record<string, number> = {};
  for (const name of [
    'input_token_count',
    'output_token_count',
    'cached_content_token_count',
    'thoughts_token_count',
    'tool_token_count',
  ]) {
    const n = countOf(attrs.get(name), name);
    if (!n.ok) return reject(n.reason);
    counts[name] = n.value ?? 0;
  }
  const prompt = counts.input_token_count ?? 0;
  const cached = Math.min(counts.cached_content_token_count ?? 0, prompt);
  const duration = amountOf(attrs.get('duration_ms'), 'duration_ms');
  if (!duration.ok) return reject(duration.reason);
  const session = labelOf(attrs, 'session.id');
  const record = otlpRecord({
    id: recordId(
      'otlp',
      GEMINI_API_RESPONSE,
      session,
      labelOf(attrs, 'event.timestamp') ?? log.timeUnixNano,
      labelOf(attrs, 'prompt_id'),
      model,
      prompt,
      counts.output_token_count,
      counts.cached_content_token_count,
      counts.thoughts_token_count,
      counts.tool_token_count,
    ),
    ts: isoOf(when.ms),
    provider: 'google',
    model,
    ...commonLabels(attrs),
    session,
    user: labelOf(attrs, 'user.email', 'installation.id'),
    input_tokens: prompt - cached + (counts.tool_token_count ?? 0),
    cache_read_tokens: cached,
    output_tokens: (counts.output_token_count ?? 0) + (counts.thoughts_token_count ?? 0),
    latency_ms: duration.value,
  });
  if (isEmptyUsage(record)) return IGNORE;
  const metrics = twinMetrics(record);
  metrics.thoughts_tokens = counts.thoughts_token_count ?? 0;
  return {
    kind: 'usage',
    record,
    twin: { event_type: GEMINI_API_RESPONSE, attributes: pickLabels(attrs, TWIN_LABELS), metrics },
    claim: null,
  };
}
