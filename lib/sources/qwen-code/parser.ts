// Turns one Qwen Code chat line into a usage record, a skip or a reject. One assistant record is
// one model response; its id is the record's own uuid, which /branch copies verbatim into a forked
// session, so a fork's copied history is counted once.

import { describeIssues } from '../../store/jsonl.ts';
import { makeRecord, recordId, type UsageRecord } from '../../usage/record.ts';
import { projectFromCwd } from '../codex/paths.ts';
import { geminiTokenKinds } from '../gemini-cli/parser.ts';
import { providerOfModel } from '../model-provider.ts';
import { qwenAssistantRecordSchema } from './schema.ts';

type QwenLineOutcome =
  | { kind: 'record'; record: UsageRecord }
  | { kind: 'skip'; reason: 'not-usage' | 'zero-usage' }
  | { kind: 'reject'; reason: string };

interface QwenLineContext {
  user: string | null;
  machine: string | null;
}

export function parseQwenLine(text: string, context: QwenLineContext): QwenLineOutcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'reject', reason: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'reject', reason: 'line is not a JSON object' };
  const line = json as { type?: unknown; usageMetadata?: unknown };
  if (line.type !== 'assistant' || line.usageMetadata === null || line.usageMetadata === undefined)
    return { kind: 'skip', reason: 'not-usage' };
  const parsed = qwenAssistantRecordSchema.safeParse(json);
  if (!parsed.success) return { kind: 'reject', reason: describeIssues(parsed.error.issues) };
  const r = parsed.data;
  const u = r.usageMetadata;
  const kinds = geminiTokenKinds({
    prompt: u.promptTokenCount ?? 0,
    candidates: u.candidatesTokenCount ?? 0,
    cached: u.cachedContentTokenCount ?? 0,
    thoughts: u.thoughtsTokenCount ?? 0,
    tool: u.toolUsePromptTokenCount ?? 0,
    total: u.totalTokenCount ?? null,
  });
  if (kinds.input + kinds.cacheRead + kinds.output === 0) return { kind: 'skip', reason: 'zero-usage' };
  const model = r.model || 'unknown';
  const record = makeRecord({
    id: recordId('qwen-code', r.uuid),
    ts: new Date(r.timestamp).toISOString(),
    source: 'qwen-code',
    provider: providerOfModel(model, 'alibaba'),
    model,
    project: projectFromCwd(r.cwd ?? null),
    user: context.user,
    session: r.sessionId || null,
    machine: context.machine,
    input_tokens: kinds.input,
    output_tokens: kinds.output,
    cache_read_tokens: kinds.cacheRead,
    requests: 1,
  });
  return { kind: 'record', record };
}
