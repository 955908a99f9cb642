// Turns one Amp thread into usage records: one per assistant message with usage, keyed by the
// thread id and the message's own messageId; a ledger event for a message whose usage is not (yet)
// in the thread gives the same id, so the two never count twice (the larger copy is kept). Ledger
// events tied to no message are keyed by their own id.

import { describeIssues } from '../../store/jsonl.ts';
import { makeRecord, preferredCopy, recordId, type UsageRecord } from '../../usage/record.ts';
import { providerOfModel } from '../model-provider.ts';
import type { FileReading } from '../rewritten-files.ts';
import { ampLedgerEventSchema, ampMessageUsageSchema } from './schema.ts';

interface AmpThreadContext {
  relativePath: string;
  /** Parts of this thread quarantined by an earlier read (not quarantined again). */
  rejectedBefore?: ReadonlySet<string>;
  user: string | null;
  machine: string | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first workspace tree's name (`env.initial.trees[0].displayName`), when the thread records one. */
function projectOf(thread: Json): string | null {
  const env = isObject(thread.env) ? thread.env : null;
  const initial = env && isObject(env.initial) ? env.initial : null;
  const trees = initial && Array.isArray(initial.trees) ? initial.trees : [];
  const first = trees[0];
  return isObject(first) && typeof first.displayName === 'string' && first.displayName !== '' ? first.displayName : null;
}

export function parseAmpThread(text: string, context: AmpThreadContext): FileReading {
  const out: FileReading = { records: [], quarantine: [], read: 0, skipped: {}, rejectedKeys: [] };
  const skip = (reason: string) => {
    out.skipped[reason] = (out.skipped[reason] ?? 0) + 1;
  };
  const reject = (what: string, reason: string, raw: unknown) => {
    out.rejectedKeys?.push(what);
    if (context.rejectedBefore?.has(what)) return;
    out.quarantine.push({
      source: 'amp',
      origin: context.relativePath,
      line: 0,
      reason: `${what}: ${reason}`,
      raw: JSON.stringify(raw ?? null).slice(0, 2000),
    });
  };
  let thread: unknown;
  try {
    thread = JSON.parse(text);
  } catch (error) {
    reject('thread', `invalid JSON: ${(error as Error).message}`, text.slice(0, 2000));
    return out;
  }
  if (!isObject(thread) || typeof thread.id !== 'string' || thread.id === '') {
    reject('thread', 'not an Amp thread (no id)', isObject(thread) ? { id: thread.id } : thread);
    return out;
  }
  const threadId = thread.id;
  const project = projectOf(thread);
  const created = typeof thread.created === 'number' && Number.isFinite(thread.created) ? new Date(thread.created) : null;
  const byId = new Map<string, UsageRecord>();
  const keep = (r: UsageRecord) => {
    const held = byId.get(r.id);
    byId.set(r.id, held ? preferredCopy(held, r) : r);
  };
  const build = (
    id: string,
    ts: string,
    model: string,
    t: { input: number; output: number; cacheWrite: number; cacheRead: number },
  ): UsageRecord | null => {
    if (t.input + t.output + t.cacheWrite + t.cacheRead === 0) {
      skip('zero-usage');
      return null;
    }
    return makeRecord({
      id,
      ts: new Date(ts).toISOString(),
      source: 'amp',
      provider: providerOfModel(model, 'anthropic'),
      model,
      project,
      user: context.user,
      session: threadId,
      machine: context.machine,
      input_tokens: t.input,
      output_tokens: t.output,
      cache_creation_tokens: t.cacheWrite,
      cache_read_tokens: t.cacheRead,
      requests: 1,
    });
  };

  // Ledger events first: their timestamps date a message whose usage carries none.
  const ledger = isObject(thread.usageLedger) && Array.isArray(thread.usageLedger.events) ? thread.usageLedger.events : [];
  const ledgerTime = new Map<number, string>();
  const ledgerRecords: UsageRecord[] = [];
  for (const [index, event] of ledger.entries()) {
    out.read++;
    const parsed = ampLedgerEventSchema.safeParse(event);
    if (!parsed.success) {
      const key =
        isObject(event) && (typeof event.id === 'string' || typeof event.id === 'number')
          ? `ledger event ${event.id}`
          : `usageLedger.events.${index}`;
      reject(key, describeIssues(parsed.error.issues), event);
      continue;
    }
    const e = parsed.data;
    if (e.toMessageId !== null && e.toMessageId !== undefined) ledgerTime.set(e.toMessageId, e.timestamp);
    const id =
      e.toMessageId !== null && e.toMessageId !== undefined
        ? recordId('amp', threadId, e.toMessageId)
        : recordId('amp-ledger', threadId, e.id ?? `${e.timestamp}|${e.model}|${index}`);
    const r = build(id, e.timestamp, e.model, {
      input: e.tokens?.input ?? 0,
      output: e.tokens?.output ?? 0,
      cacheWrite: e.tokens?.cacheCreationInputTokens ?? 0,
      cacheRead: e.tokens?.cacheReadInputTokens ?? 0,
    });
    if (r) ledgerRecords.push(r);
  }

  const messages = Array.isArray(thread.messages) ? thread.messages : [];
  for (const [index, message] of messages.entries()) {
    out.read++;
    if (!isObject(message) || message.role !== 'assistant') {
      skip('not-usage');
      continue;
    }
    if (message.usage === null || message.usage === undefined) {
      skip('no-usage');
      continue;
    }
    const messageId = typeof message.messageId === 'number' ? message.messageId : null;
    // Keyed by Amp's messageId, which stays when the thread is rewritten (an index may not).
    const what = messageId !== null ? `message ${messageId} usage` : `messages.${index}.usage`;
    const parsed = ampMessageUsageSchema.safeParse(message.usage);
    if (!parsed.success) {
      reject(what, describeIssues(parsed.error.issues), message.usage);
      continue;
    }
    const u = parsed.data;
    const ts = u.timestamp ?? (messageId !== null ? ledgerTime.get(messageId) : undefined) ?? created?.toISOString();
    if (!ts) {
      reject(what, 'no timestamp (usage, ledger or thread created)', message.usage);
      continue;
    }
    const id = messageId !== null ? recordId('amp', threadId, messageId) : recordId('amp-index', threadId, index);
    const r = build(id, ts, u.model, {
      input: u.inputTokens ?? 0,
      output: u.outputTokens ?? 0,
      cacheWrite: u.cacheCreationInputTokens ?? 0,
      cacheRead: u.cacheReadInputTokens ?? 0,
    });
    if (r) keep(r);
  }
  for (const r of ledgerRecords) keep(r);
  out.records = [...byId.values()];
  return out;
}
