// An OTLP logs export → usage candidates: each log record is named (LogRecord.event_name, else an
// `event.name` attribute with a dot, else a dotted string body: Claude Code puts
// `claude_code.api_request` in the body) and handed to the mapper of that event. Records of other
// events are telemetry tokenlake does not keep. Pure.

import { CLAUDE_CODE_API_REQUEST, mapClaudeCodeApiRequest } from './claude-code-events.ts';
import { CODEX_SSE_EVENT, mapCodexSseEvent } from './codex-events.ts';
import { GEMINI_API_RESPONSE, mapGeminiApiResponse } from './gemini-cli-events.ts';
import { checkRecord, type ItemOutcome, type MapResult } from './mapping.ts';
import {
  type Attributes,
  attributeMap,
  type LogRecord,
  type LogsRequest,
  labelOf,
  logRecordSchema,
  mergeAttributes,
  stringOf,
} from './schema.ts';

type EventMapper = (attrs: Attributes, log: LogRecord, now: Date) => ItemOutcome;

const MAPPERS: Record<string, EventMapper> = {
  [CLAUDE_CODE_API_REQUEST]: mapClaudeCodeApiRequest,
  [CODEX_SSE_EVENT]: mapCodexSseEvent,
  [GEMINI_API_RESPONSE]: mapGeminiApiResponse,
};

const DOTTED = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** The event a log record reports, or null for plain log lines. */
function eventNameOf(log: LogRecord, attrs: Attributes): string | null {
  if (log.eventName) return log.eventName;
  const attr = labelOf(attrs, 'event.name');
  if (attr?.includes('.')) return attr;
  const body = stringOf(log.body);
  if (body && DOTTED.test(body)) return body;
  return attr;
}

export function mapLogs(request: LogsRequest, now: Date): MapResult {
  const out: MapResult = { candidates: [], rejected: [], ignored: 0 };
  (request.resourceLogs ?? []).forEach((rl, r) => {
    const resource = attributeMap(rl.resource?.attributes);
    (rl.scopeLogs ?? []).forEach((sl, s) => {
      (sl.logRecords ?? []).forEach((raw, i) => {
        const path = `resourceLogs[${r}].scopeLogs[${s}].logRecords[${i}]`;
        const parsed = logRecordSchema.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          out.rejected.push({ path, what: 'log record', reason: `${issue?.path.join('.') || 'record'}: ${issue?.message}`, items: 1, raw });
          return;
        }
        const attrs = mergeAttributes(resource, attributeMap(parsed.data.attributes));
        const name = eventNameOf(parsed.data, attrs);
        const mapper = name ? MAPPERS[name] : undefined;
        if (!name || !mapper) {
          out.ignored++;
          return;
        }
        const outcome = mapper(attrs, parsed.data, now);
        if (outcome.kind === 'ignore') out.ignored++;
        else if (outcome.kind === 'reject') out.rejected.push({ path, what: name, reason: outcome.reason, items: 1, raw });
        else {
          const checked = checkRecord(outcome.record);
          if (!checked.ok) out.rejected.push({ path, what: name, reason: checked.reason, items: 1, raw });
          else out.candidates.push({ path, record: checked.record, twin: outcome.twin, claim: outcome.claim, items: 1, raw });
        }
      });
    });
  });
  return out;
}
