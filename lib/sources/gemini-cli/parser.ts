// Turns a Gemini CLI chat into usage records: one per `gemini` message with tokens, keyed by the
// session and the message's own id. A .jsonl chat repeats a message each time it changes (written
// first without tokens, again once they arrive; `$set.messages` checkpoints copy them all), so the
// copies of an id collapse into the largest. Rewound messages ($rewindTo) still count: they were billed.

import { describeIssues } from '../../store/jsonl.ts';
import { makeRecord, preferredCopy, recordId, type UsageRecord } from '../../usage/record.ts';
import { providerOfModel } from '../model-provider.ts';
import type { FileReading } from '../rewritten-files.ts';
import { geminiMessageSchema } from './schema.ts';

/** Counters of Gemini's usageMetadata (Gemini CLI's TokensSummary and Qwen Code's usageMetadata). */
interface GeminiUsage {
  prompt: number;
  candidates: number;
  cached: number;
  thoughts: number;
  tool: number;
  total: number | null;
}

/**
 * The lake's disjoint token kinds from Gemini-style usage. The Gemini API's promptTokenCount
 * INCLUDES the cached part and candidatesTokenCount EXCLUDES thoughts (billed as output), with
 * total = prompt + candidates + thoughts + toolUse. Converters from OpenAI-style APIs (Qwen Code,
 * proxies) sometimes differ, and the total tells which: a total that also counts the cached part
 * means the prompt excluded it; a total without the thoughts means the candidates held them.
 */
export function geminiTokenKinds(u: GeminiUsage): { input: number; cacheRead: number; output: number } {
  const { prompt: p, candidates: c, cached: k, thoughts: r, tool: t, total: T } = u;
  const promptExcludesCache = k > 0 && T !== null && (T === p + k + c + r + t || T === p + k + c + t);
  const thoughtsInCandidates = r > 0 && T !== null && (T === p + c + t || T === p + k + c + t);
  const cacheRead = promptExcludesCache ? k : Math.min(k, p);
  return {
    // Tool-use prompt tokens are input the model read: billed at the input rate.
    input: (promptExcludesCache ? p : p - cacheRead) + t,
    cacheRead,
    output: thoughtsInCandidates ? c : c + r,
  };
}

interface GeminiChatContext {
  relativePath: string;
  project: string | null;
  user: string | null;
  machine: string | null;
  /** Byte length of this file at the previous read: bad lines before it were quarantined then. */
  quarantinedBefore: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a whole chat file (.json: one ConversationRecord; .jsonl: one record per line). */
export function parseGeminiChat(text: string, kind: 'json' | 'jsonl', context: GeminiChatContext): FileReading {
  const out: FileReading = { records: [], quarantine: [], read: 0, skipped: {} };
  const byId = new Map<string, UsageRecord>();
  const skip = (reason: string) => {
    out.skipped[reason] = (out.skipped[reason] ?? 0) + 1;
  };
  // `end`: the byte just past the line; a line that ended within the previous read was quarantined then.
  let end = Number.POSITIVE_INFINITY;
  const reject = (line: number, offset: number, reason: string, raw: string) => {
    if (end <= context.quarantinedBefore) return;
    out.quarantine.push({
      source: 'gemini-cli',
      origin: context.relativePath,
      line,
      reason: `byte ${offset}: ${reason}`,
      raw: raw.slice(0, 2000),
    });
  };
  let session: string | null = null;
  const visit = (message: unknown, line: number, offset: number, raw: string) => {
    out.read++;
    if (!isObject(message) || message.type !== 'gemini') return skip('not-usage');
    if (message.tokens === null || message.tokens === undefined) return skip('no-usage');
    const parsed = geminiMessageSchema.safeParse(message);
    if (!parsed.success) return reject(line, offset, describeIssues(parsed.error.issues), raw);
    const m = parsed.data;
    const kinds = geminiTokenKinds({
      prompt: m.tokens.input,
      candidates: m.tokens.output,
      cached: m.tokens.cached ?? 0,
      thoughts: m.tokens.thoughts ?? 0,
      tool: m.tokens.tool ?? 0,
      total: m.tokens.total ?? null,
    });
    if (kinds.input + kinds.cacheRead + kinds.output === 0) return skip('zero-usage');
    const model = m.model || 'unknown';
    const record = makeRecord({
      id: recordId('gemini-cli', session ?? context.relativePath, m.id),
      ts: new Date(m.timestamp).toISOString(),
      source: 'gemini-cli',
      provider: providerOfModel(model, 'google'),
      model,
      project: context.project,
      user: context.user,
      session,
      machine: context.machine,
      input_tokens: kinds.input,
      output_tokens: kinds.output,
      cache_read_tokens: kinds.cacheRead,
      requests: 1,
    });
    const held = byId.get(record.id);
    byId.set(record.id, held ? preferredCopy(held, record) : record);
  };
  const visitAll = (messages: unknown, line: number, offset: number, raw: string) => {
    if (Array.isArray(messages)) for (const m of messages) visit(m, line, offset, raw);
  };
  const takeSession = (value: unknown) => {
    if (session === null && typeof value === 'string' && value !== '') session = value;
  };

  if (kind === 'json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      reject(0, 0, `invalid JSON: ${(error as Error).message}`, text);
      return out;
    }
    if (!isObject(json)) {
      reject(0, 0, 'chat is not a JSON object', text);
      return out;
    }
    takeSession(json.sessionId);
    if (!Array.isArray(json.messages)) reject(0, 0, 'chat has no messages array', text.slice(0, 2000));
    else visitAll(json.messages, 0, 0, '');
  } else {
    const lines = text.split('\n');
    // A partial last line (Gemini CLI is still writing it) is read when complete.
    if (!text.endsWith('\n')) lines.pop();
    let offset = 0;
    let lineNo = 0;
    for (const raw of lines) {
      const start = offset;
      offset += Buffer.byteLength(raw) + 1;
      end = offset;
      lineNo++;
      const line = raw.trim();
      if (line === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (error) {
        out.read++;
        reject(lineNo, start, `invalid JSON: ${(error as Error).message}`, line);
        continue;
      }
      if (!isObject(json)) {
        out.read++;
        reject(lineNo, start, 'line is not a JSON object', line);
        continue;
      }
      if (typeof json.$rewindTo === 'string') {
        out.read++;
        skip('rewind');
      } else if (isObject(json.$set)) {
        out.read++;
        takeSession(json.$set.sessionId);
        if (Array.isArray(json.$set.messages)) visitAll(json.$set.messages, lineNo, start, line);
        else skip('metadata');
      } else if (typeof json.id === 'string' && 'type' in json) {
        visit(json, lineNo, start, line);
      } else {
        out.read++;
        // The first line: {sessionId, projectHash, startTime, …} (a migrated chat may carry messages).
        takeSession(json.sessionId);
        if (Array.isArray(json.messages)) visitAll(json.messages, lineNo, start, line);
        else skip('metadata');
      }
    }
  }
  out.records = [...byId.values()];
  return out;
}
