// Claude Code's `claude_code.api_request` log event → one usage record per API request. Shapes
// from Claude Code's "Monitoring" documentation (API request event, standard attributes, service
// information); every numeric attribute may arrive as a number or a decimal string.
// Pure: the session claim it asks for is settled by lib/otlp/session-claims.ts.

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

export const CLAUDE_CODE_API_REQUEST = 'claude_code.api_request';

/** Labels kept on the twin event (what the request was for; no identities). */
const TWIN_LABELS = [
  ...RESOURCE_LABELS,
  'app.entrypoint',
  'request_id',
  'query_source',
  'speed',
  'effort',
  'agent.name',
  'skill.name',
  'plugin.name',
  'event.sequence',
];

/**
 * | record | from the event |
 * |---|---|
 * | `id` | hash of `request_id` (the Anthropic request id); without one, of `session.id` + `event.sequence` + `event.timestamp` |
 * | `provider`, `model` | `anthropic`, `model` |
 * | tokens | `input_tokens` (already uncached), `output_tokens`, `cache_read_tokens`, `cache_creation_tokens` |
 * | `cost_usd` | `cost_usd_micros` / 10^6, else `cost_usd`: `cost_source: "reported"` (rollups price it next to it) |
 * | `latency_ms` | `duration_ms` |
 * | `session`, `user`, `workspace` | `session.id`; `user.email`, else `user.account_uuid`, else `user.id`; `organization.id` |
 */
export function mapClaudeCodeApiRequest(attrs: Attributes, log: LogRecord, now: Date): ItemOutcome {
  const session = labelOf(attrs, 'session.id');
  // Without a session the event cannot be matched against the metrics of the same requests.
  if (!session) return reject('session.id is missing (Claude Code sends it on every event)');
  const model = labelOf(attrs, 'model');
  if (!model) return reject('model is missing');
  const when = eventInstant(attrs, log, now);
  if (!when.ok) return reject(when.reason);

  const tokens: Record<string, number> = {};
  for (const [attr, column] of [
    ['input_tokens', 'input_tokens'],
    ['output_tokens', 'output_tokens'],
    ['cache_read_tokens', 'cache_read_tokens'],
    ['cache_creation_tokens', 'cache_creation_tokens'],
  ] as const) {
    const n = countOf(attrs.get(attr), attr);
    if (!n.ok) return reject(n.reason);
    tokens[column] = n.value ?? 0;
  }
  // The integer micro-dollar attribute is exact; the float is the fallback for older versions.
  const micros = countOf(attrs.get('cost_usd_micros'), 'cost_usd_micros');
  if (!micros.ok) return reject(micros.reason);
  const usd = amountOf(attrs.get('cost_usd'), 'cost_usd');
  if (!usd.ok) return reject(usd.reason);
  const cost = micros.value !== null ? micros.value / 1e6 : usd.value;
  const duration = amountOf(attrs.get('duration_ms'), 'duration_ms');
  if (!duration.ok) return reject(duration.reason);

  const requestId = labelOf(attrs, 'request_id');
  const id = requestId
    ? recordId('otlp', CLAUDE_CODE_API_REQUEST, requestId)
    : recordId(
        'otlp',
        CLAUDE_CODE_API_REQUEST,
        session,
        labelOf(attrs, 'event.sequence'),
        labelOf(attrs, 'event.timestamp') ?? log.timeUnixNano,
      );
  const record = otlpRecord({
    id,
    ts: isoOf(when.ms),
    provider: 'anthropic',
    model,
    ...commonLabels(attrs),
    session,
    user: labelOf(attrs, 'user.email', 'user.account_uuid', 'user.id'),
    workspace: labelOf(attrs, 'organization.id'),
    input_tokens: tokens.input_tokens ?? 0,
    output_tokens: tokens.output_tokens ?? 0,
    cache_read_tokens: tokens.cache_read_tokens ?? 0,
    cache_creation_tokens: tokens.cache_creation_tokens ?? 0,
    cost_usd: cost,
    cost_source: cost !== null ? 'reported' : 'unpriced',
    latency_ms: duration.value,
  });
  if (isEmptyUsage(record)) return IGNORE;
  return {
    kind: 'usage',
    record,
    twin: { event_type: CLAUDE_CODE_API_REQUEST, attributes: pickLabels(attrs, TWIN_LABELS), metrics: twinMetrics(record) },
    claim: { session, signal: 'events' },
  };
}
