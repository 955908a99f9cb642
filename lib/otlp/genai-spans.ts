// Spans of any application instrumented with the OpenTelemetry GenAI semantic conventions
// (open-telemetry/semantic-conventions, gen-ai registry and spans: `gen_ai.*` attributes) → one
// usage record per model call. Spans of the coding agents whose log events are mapped already
// (Claude Code, Codex, Gemini CLI) are left out, so enabling their traces never counts twice. Pure.

import { recordId } from '../usage/record.ts';
import {
  checkRecord,
  commonLabels,
  IGNORE,
  type ItemOutcome,
  isEmptyUsage,
  isoOf,
  type MapResult,
  otlpRecord,
  pickLabels,
  RESOURCE_LABELS,
  reject,
  twinMetrics,
} from './mapping.ts';
import {
  type Attributes,
  attributeMap,
  countOf,
  labelOf,
  mergeAttributes,
  nanosToMs,
  type Span,
  spanSchema,
  type TracesRequest,
} from './schema.ts';

/** service.name prefixes of tools whose usage comes from their log events (docs/sources.md). */
const AGENT_SERVICES = /^(claude-code|codex|gemini-cli|gemini_cli)/;
/** Operations that wrap model calls (their usage, when set, repeats their children's). */
const WRAPPER_OPERATIONS = new Set(['invoke_agent', 'create_agent', 'execute_tool', 'invoke_workflow']);

/** Provider names as the conventions spell them → the name the lake uses. */
const PROVIDER_ALIASES: Record<string, string> = {
  'gcp.gen_ai': 'google',
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  vertex_ai: 'google',
  gemini: 'google',
  'az.ai.openai': 'azure.ai.openai',
};

const TWIN_LABELS = [...RESOURCE_LABELS, 'gen_ai.operation.name', 'gen_ai.agent.name', 'gen_ai.response.id', 'server.address'];

/**
 * | record | from the span |
 * |---|---|
 * | `id` | hash of trace id + span id |
 * | `provider` | `gen_ai.provider.name`, else the deprecated `gen_ai.system` (Google's `gcp.*` → `google`) |
 * | `model` | `gen_ai.response.model`, else `gen_ai.request.model` |
 * | `input_tokens` (uncached) | `gen_ai.usage.input_tokens` (else `…prompt_tokens`) minus the cache parts, which the conventions put inside it; kept whole when it is smaller than them (an instrumentation that reports them apart) |
 * | `cache_read_tokens`, `cache_creation_tokens` | `gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens` |
 * | `output_tokens` | `gen_ai.usage.output_tokens` (else `…completion_tokens`), reasoning included |
 * | `ts`, `latency_ms` | span start; end − start |
 * | `project` | resource `tokenlake.project`, else `service.name` |
 * | `session`, `user` | `gen_ai.conversation.id`, else `session.id`; `user.id`, else `enduser.id` |
 */
function mapGenAiSpan(attrs: Attributes, span: Span): ItemOutcome {
  const input = countOf(attrs.get('gen_ai.usage.input_tokens') ?? attrs.get('gen_ai.usage.prompt_tokens'), 'gen_ai.usage.input_tokens');
  const output = countOf(
    attrs.get('gen_ai.usage.output_tokens') ?? attrs.get('gen_ai.usage.completion_tokens'),
    'gen_ai.usage.output_tokens',
  );
  const cacheRead = countOf(attrs.get('gen_ai.usage.cache_read.input_tokens'), 'gen_ai.usage.cache_read.input_tokens');
  const cacheWrite = countOf(attrs.get('gen_ai.usage.cache_creation.input_tokens'), 'gen_ai.usage.cache_creation.input_tokens');
  if (input.ok && output.ok && cacheRead.ok && cacheWrite.ok && [input, output, cacheRead, cacheWrite].every((c) => c.value === null))
    return IGNORE;
  const operation = labelOf(attrs, 'gen_ai.operation.name');
  if (operation && WRAPPER_OPERATIONS.has(operation)) return IGNORE;
  for (const c of [input, output, cacheRead, cacheWrite]) if (!c.ok) return reject(c.reason);
  const rawProvider = labelOf(attrs, 'gen_ai.provider.name', 'gen_ai.system')?.toLowerCase();
  if (!rawProvider) return reject('a span with token usage needs gen_ai.provider.name (or gen_ai.system)');
  const model = labelOf(attrs, 'gen_ai.response.model', 'gen_ai.request.model');
  if (!model) return reject('a span with token usage needs gen_ai.request.model or gen_ai.response.model');
  const start = nanosToMs(span.startTimeUnixNano);
  const end = nanosToMs(span.endTimeUnixNano);
  if (start === null) return reject('startTimeUnixNano is not set');
  const read = cacheRead.ok ? (cacheRead.value ?? 0) : 0;
  const write = cacheWrite.ok ? (cacheWrite.value ?? 0) : 0;
  const totalInput = input.ok ? (input.value ?? 0) : 0;
  const record = otlpRecord({
    id: recordId('otlp', 'span', span.traceId.toLowerCase(), span.spanId.toLowerCase()),
    ts: isoOf(start),
    provider: PROVIDER_ALIASES[rawProvider] ?? rawProvider,
    model,
    ...commonLabels(attrs),
    project: labelOf(attrs, 'tokenlake.project', 'service.name'),
    session: labelOf(attrs, 'gen_ai.conversation.id', 'session.id'),
    user: labelOf(attrs, 'user.id', 'enduser.id'),
    input_tokens: totalInput >= read + write ? totalInput - read - write : totalInput,
    cache_read_tokens: read,
    cache_creation_tokens: write,
    output_tokens: output.ok ? (output.value ?? 0) : 0,
    latency_ms: end !== null && end >= start ? end - start : null,
  });
  if (isEmptyUsage(record)) return IGNORE;
  const eventType = `gen_ai.${(operation ?? 'call').toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
  return {
    kind: 'usage',
    record,
    twin: { event_type: eventType, attributes: pickLabels(attrs, TWIN_LABELS), metrics: twinMetrics(record) },
    claim: null,
  };
}

export function mapSpans(request: TracesRequest): MapResult {
  const out: MapResult = { candidates: [], rejected: [], ignored: 0 };
  (request.resourceSpans ?? []).forEach((rs, r) => {
    const resource = attributeMap(rs.resource?.attributes);
    const fromAgent = AGENT_SERVICES.test(labelOf(resource, 'service.name') ?? '');
    (rs.scopeSpans ?? []).forEach((ss, s) => {
      (ss.spans ?? []).forEach((raw, i) => {
        const path = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
        if (fromAgent) {
          out.ignored++;
          return;
        }
        const parsed = spanSchema.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          out.rejected.push({ path, what: 'span', reason: `${issue?.path.join('.') || 'span'}: ${issue?.message}`, items: 1, raw });
          return;
        }
        const what = parsed.data.name || 'span';
        const outcome = mapGenAiSpan(mergeAttributes(resource, attributeMap(parsed.data.attributes)), parsed.data);
        if (outcome.kind === 'ignore') out.ignored++;
        else if (outcome.kind === 'reject') out.rejected.push({ path, what, reason: outcome.reason, items: 1, raw });
        else {
          const checked = checkRecord(outcome.record);
          if (!checked.ok) out.rejected.push({ path, what, reason: checked.reason, items: 1, raw });
          else out.candidates.push({ path, record: checked.record, twin: outcome.twin, claim: null, items: 1, raw });
        }
      });
    });
  });
  return out;
}
