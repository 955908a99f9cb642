// OTLP/JSON payloads shaped like what each tool exports, built from the tools' documentation
// (nothing here is a copied recording):
// - Claude Code: "Monitoring" (code.claude.com/docs/en/monitoring-usage): the api_request event
//   (body `claude_code.api_request`, attributes event.name/event.timestamp/event.sequence, model,
//   tokens, cost_usd, duration_ms, request_id; standard attributes session.id, user.*,
//   organization.id, terminal.type), the token/cost counters (type, model; delta by default), and
//   the resource (service.name claude-code, service.version, os.type, host.arch). Public collector
//   payloads show Claude Code sending numeric attributes as strings, hence `asStrings`.
// - Codex CLI: openai/codex codex-rs/otel/src/events/session_telemetry.rs (`sse_event_completed`)
//   and events/shared/log.rs (`log_event!` common fields: conversation.id, app.version, model, …).
// - Gemini CLI: google-gemini/gemini-cli docs/cli/telemetry.md ("API": gemini_cli.api_response)
//   and packages/core/src/telemetry/types.ts (ApiResponseEvent.toLogRecord).
// - GenAI spans: open-telemetry/semantic-conventions gen-ai registry (gen_ai.* attributes).

type Scalar = string | number | boolean;

export function anyValue(v: Scalar): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

export function kvs(attrs: Record<string, Scalar | undefined>): Array<{ key: string; value: Record<string, unknown> }> {
  return Object.entries(attrs)
    .filter((e): e is [string, Scalar] => e[1] !== undefined)
    .map(([key, v]) => ({ key, value: anyValue(v) }));
}

export const nanos = (iso: string): string => (BigInt(Date.parse(iso)) * 1_000_000n).toString();

export interface LogItem {
  at: string;
  body?: string;
  attributes: Record<string, Scalar | undefined>;
}

export function logsRequest(resource: Record<string, Scalar>, records: LogItem[], scope = 'events') {
  return {
    resourceLogs: [
      {
        resource: { attributes: kvs(resource) },
        scopeLogs: [
          {
            scope: { name: scope },
            logRecords: records.map((r) => ({
              timeUnixNano: nanos(r.at),
              observedTimeUnixNano: nanos(r.at),
              ...(r.body !== undefined ? { body: { stringValue: r.body } } : {}),
              attributes: kvs(r.attributes),
            })),
          },
        ],
      },
    ],
  };
}

export const CLAUDE_CODE_RESOURCE = {
  'service.name': 'claude-code',
  'service.version': '2.1.90',
  'os.type': 'darwin',
  'host.arch': 'arm64',
};

export interface ClaudeCodeRequest {
  session: string;
  seq: number;
  at: string;
  model: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  costUsd: number;
  durationMs: number;
  requestId?: string;
  user?: string;
  org?: string;
}

/** Claude Code sends its numbers as strings; `asStrings: false` sends them typed (a newer SDK could). */
export function claudeCodeApiRequest(r: ClaudeCodeRequest, asStrings = true): LogItem {
  const n = (v: number) => (asStrings ? String(v) : v);
  return {
    at: r.at,
    body: 'claude_code.api_request',
    attributes: {
      'user.id': 'a3f1c0de',
      'user.email': r.user,
      'user.account_uuid': 'acct-0001',
      'organization.id': r.org ?? 'org-0001',
      'session.id': r.session,
      'terminal.type': 'iTerm.app',
      'event.name': 'api_request',
      'event.timestamp': r.at,
      'event.sequence': n(r.seq),
      model: r.model,
      cost_usd: n(r.costUsd),
      duration_ms: n(r.durationMs),
      input_tokens: n(r.input),
      output_tokens: n(r.output),
      cache_read_tokens: n(r.cacheRead),
      cache_creation_tokens: n(r.cacheCreation),
      request_id: r.requestId,
      query_source: 'repl_main_thread',
      speed: 'normal',
    },
  };
}

export function claudeCodeUserPrompt(session: string, seq: number, at: string): LogItem {
  return {
    at,
    body: 'claude_code.user_prompt',
    attributes: {
      'session.id': session,
      'event.name': 'user_prompt',
      'event.timestamp': at,
      'event.sequence': String(seq),
      prompt_length: '42',
    },
  };
}

export interface CodexCompleted {
  conversation: string;
  at: string;
  model: string;
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

export const CODEX_RESOURCE = { 'service.name': 'codex_cli_rs', 'service.version': '0.60.0', env: 'dev' };

export function codexSseCompleted(r: CodexCompleted): LogItem {
  return {
    at: r.at,
    attributes: {
      'event.name': 'codex.sse_event',
      'event.kind': 'response.completed',
      input_token_count: String(r.input),
      output_token_count: String(r.output),
      cached_token_count: r.cached,
      reasoning_token_count: r.reasoning,
      tool_token_count: String(r.input + r.output),
      'event.timestamp': r.at,
      'conversation.id': r.conversation,
      'app.version': '0.60.0',
      auth_mode: 'ChatGPT',
      originator: 'codex_cli_rs',
      'user.account_id': 'acct-codex-1',
      'user.email': 'dev@example.com',
      'terminal.type': 'tmux',
      model: r.model,
      slug: r.model,
    },
  };
}

export interface GeminiResponse {
  session: string;
  at: string;
  model: string;
  prompt: number;
  cached: number;
  output: number;
  thoughts: number;
  tool: number;
  durationMs: number;
  promptId: string;
}

export const GEMINI_RESOURCE = { 'service.name': 'gemini-cli', 'service.version': '0.20.0' };

export function geminiApiResponse(r: GeminiResponse): LogItem {
  return {
    at: r.at,
    body: `API response from ${r.model}. Status: 200. Duration: ${r.durationMs}ms.`,
    attributes: {
      'session.id': r.session,
      'installation.id': 'inst-1',
      'user.email': 'gem@example.com',
      'event.name': 'gemini_cli.api_response',
      'event.timestamp': r.at,
      model: r.model,
      duration_ms: r.durationMs,
      input_token_count: r.prompt,
      output_token_count: r.output,
      cached_content_token_count: r.cached,
      thoughts_token_count: r.thoughts,
      tool_token_count: r.tool,
      total_token_count: r.prompt + r.output + r.thoughts + r.tool,
      prompt_id: r.promptId,
      auth_type: 'oauth-personal',
      status_code: 200,
    },
  };
}

export interface CounterPoint {
  attributes: Record<string, Scalar | undefined>;
  start: string;
  end: string;
  value: number | string;
  asInt?: boolean;
}

export function metricsRequest(
  resource: Record<string, Scalar>,
  metrics: Array<{ name: string; unit: string; temporality: number; points: CounterPoint[] }>,
) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: kvs(resource) },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code' },
            metrics: metrics.map((m) => ({
              name: m.name,
              unit: m.unit,
              sum: {
                aggregationTemporality: m.temporality,
                isMonotonic: true,
                dataPoints: m.points.map((p) => ({
                  attributes: kvs(p.attributes),
                  startTimeUnixNano: nanos(p.start),
                  timeUnixNano: nanos(p.end),
                  ...(p.asInt ? { asInt: String(p.value) } : { asDouble: p.value }),
                })),
              },
            })),
          },
        ],
      },
    ],
  };
}

/** Claude Code's two counters for one session and model over one interval. */
export function claudeCodeCounters(o: {
  session: string;
  model: string;
  start: string;
  end: string;
  temporality: 1 | 2;
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number };
  cost: number;
}) {
  const standard = { 'session.id': o.session, 'user.id': 'a3f1c0de', 'organization.id': 'org-0001', model: o.model, query_source: 'main' };
  return metricsRequest(CLAUDE_CODE_RESOURCE, [
    {
      name: 'claude_code.token.usage',
      unit: 'tokens',
      temporality: o.temporality,
      points: (Object.entries(o.tokens) as Array<[string, number]>).map(([type, value]) => ({
        attributes: { ...standard, type },
        start: o.start,
        end: o.end,
        value,
      })),
    },
    {
      name: 'claude_code.cost.usage',
      unit: 'USD',
      temporality: o.temporality,
      points: [{ attributes: standard, start: o.start, end: o.end, value: o.cost }],
    },
  ]);
}

export interface GenAiSpan {
  traceId: string;
  spanId: string;
  name: string;
  start: string;
  end: string;
  attributes: Record<string, Scalar | undefined>;
}

export function tracesRequest(resource: Record<string, Scalar>, spans: GenAiSpan[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: kvs(resource) },
        scopeSpans: [
          {
            scope: { name: 'app' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              name: s.name,
              kind: 3,
              startTimeUnixNano: nanos(s.start),
              endTimeUnixNano: nanos(s.end),
              attributes: kvs(s.attributes),
            })),
          },
        ],
      },
    ],
  };
}
