// Turns one OpenCode message (a database row's `data`, or a message file) into a usage record, a
// skip or a reject. Keyed by OpenCode's own message id (msg_…), the same in the database and in the
// JSON files a database was migrated from, so a message is counted once wherever it is read.

import { describeIssues } from '../../store/jsonl.ts';
import { makeRecord, recordId, type UsageRecord } from '../../usage/record.ts';
import { projectFromCwd } from '../codex/paths.ts';
import { providerOfModel } from '../model-provider.ts';
import { openCodeAssistantSchema } from './schema.ts';

type OpenCodeOutcome =
  | { kind: 'record'; record: UsageRecord }
  | { kind: 'skip'; reason: 'not-usage' | 'zero-usage' }
  | { kind: 'reject'; reason: string };

interface OpenCodeMessageContext {
  /** The message and session ids (the database keeps them in columns, a file inside the JSON). */
  id: string | null;
  session: string | null;
  /** The session's working directory, when the message itself records no path. */
  sessionDirectory: string | null;
  user: string | null;
  machine: string | null;
}

export function parseOpenCodeMessage(value: unknown, context: OpenCodeMessageContext): OpenCodeOutcome {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'reject', reason: 'message is not a JSON object' };
  const m = value as { role?: unknown; tokens?: unknown; id?: unknown; sessionID?: unknown };
  if (m.role !== 'assistant' || m.tokens === null || m.tokens === undefined) return { kind: 'skip', reason: 'not-usage' };
  const id = context.id ?? (typeof m.id === 'string' && m.id !== '' ? m.id : null);
  if (!id) return { kind: 'reject', reason: 'message has no id' };
  const parsed = openCodeAssistantSchema.safeParse(value);
  if (!parsed.success) return { kind: 'reject', reason: describeIssues(parsed.error.issues) };
  const a = parsed.data;
  const input = a.tokens.input ?? 0;
  const output = a.tokens.output ?? 0;
  const reasoning = a.tokens.reasoning ?? 0;
  const read = a.tokens.cache?.read ?? 0;
  const write = a.tokens.cache?.write ?? 0;
  // Reasoning is billed as output. Current versions store output without it; some older ones kept
  // it inside output as well, which a total equal to input + cache + output (no reasoning) shows.
  const reasoningInsideOutput = reasoning > 0 && a.tokens.total === input + read + write + output;
  const outputTokens = reasoningInsideOutput ? output : output + reasoning;
  if (input + outputTokens + read + write === 0) return { kind: 'skip', reason: 'zero-usage' };
  const session = context.session ?? (typeof m.sessionID === 'string' && m.sessionID !== '' ? m.sessionID : null);
  const record = makeRecord({
    id: recordId('opencode', id),
    ts: new Date(a.time.created).toISOString(),
    source: 'opencode',
    provider: providerOfModel(a.modelID, a.providerID || 'unknown'),
    model: a.modelID,
    project: projectFromCwd(a.path?.root || a.path?.cwd || context.sessionDirectory),
    user: context.user,
    session,
    machine: context.machine,
    input_tokens: input,
    output_tokens: outputTokens,
    cache_creation_tokens: write,
    cache_read_tokens: read,
    requests: 1,
    latency_ms: typeof a.time.completed === 'number' && a.time.completed >= a.time.created ? a.time.completed - a.time.created : null,
  });
  // OpenCode's own estimate (from models.dev prices) is kept like Claude Code's costUSD; a 0 (a
  // subscription or a model it has no price for) is left to the price table.
  if (a.cost !== null && a.cost !== undefined && a.cost > 0) {
    record.cost_usd = a.cost;
    record.cost_source = 'reported';
  }
  return { kind: 'record', record };
}
