// Turns Codex CLI rollout lines into usage records. A rollout is stateful: the model comes from the
// latest turn_context, and token_count lines carry both the last response's usage and the
// session's cumulative total. The state of a file is carried in its cursor so an appended file
// is read on from where it stopped. One record per model response; never a cumulative total.

import { describeIssues } from '../../store/jsonl.ts';
import { makeRecord, recordId, type UsageRecord } from '../../usage/record.ts';
import { projectFromCwd } from './paths.ts';
import { type CodexTokenUsage, codexSessionMetaSchema, codexTokenCountLineSchema, codexTurnContextSchema } from './schema.ts';

/** A TokenUsage reduced to the four counters that matter (total_tokens is input + output). */
interface CodexTotals {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

interface CodexForkState {
  /** The forked session's own id. */
  child: string;
  /** A copied parent session_meta was seen: the parent's history is being replayed. */
  replaySeen: boolean;
  /** Still inside the replayed parent history (before the child's own first turn). */
  waiting: boolean;
  /** The last cumulative total replayed from the parent; snapshots within it are the parent's. */
  baseline: CodexTotals | null;
}

export interface CodexFileState {
  /** The file's own session id (its first session_meta). */
  session: string | null;
  /** What ids are scoped to: the fork parent for a forked session, else the session. */
  scope: string | null;
  cwd: string | null;
  model: string | null;
  provider: string | null;
  /** The last cumulative total accepted, to recognise repeated and stale snapshots. */
  totals: CodexTotals | null;
  fork: CodexForkState | null;
}

export function initialCodexState(): CodexFileState {
  return { session: null, scope: null, cwd: null, model: null, provider: null, totals: null, fork: null };
}

type CodexSkipReason = 'not-usage' | 'metadata' | 'no-usage' | 'zero-usage' | 'fork-replay' | 'stale-snapshot';

type CodexLineOutcome =
  | { kind: 'record'; record: UsageRecord }
  /** A cumulative snapshot equal to the previous one: Codex re-emits token_count (rate limits). */
  | { kind: 'duplicate' }
  | { kind: 'skip'; reason: CodexSkipReason }
  | { kind: 'reject'; reason: string };

interface CodexLineContext {
  /** Path relative to the Codex home; the id scope of a file without a session id. */
  relativePath: string;
  /** Byte offset of the line in its file: the natural key of a usage without a cumulative total. */
  offset: number;
  user: string | null;
  machine: string | null;
}

function toTotals(u: CodexTokenUsage): CodexTotals {
  return {
    input: u.input_tokens,
    cached: Math.max(u.cached_input_tokens ?? 0, u.cache_read_input_tokens ?? 0),
    output: u.output_tokens,
    reasoning: u.reasoning_output_tokens ?? 0,
  };
}

const sum = (t: CodexTotals) => t.input + t.cached + t.output + t.reasoning;
const same = (a: CodexTotals, b: CodexTotals) =>
  a.input === b.input && a.cached === b.cached && a.output === b.output && a.reasoning === b.reasoning;
const atLeast = (a: CodexTotals, b: CodexTotals) =>
  a.input >= b.input && a.cached >= b.cached && a.output >= b.output && a.reasoning >= b.reasoning;
const minus = (a: CodexTotals, b: CodexTotals): CodexTotals => ({
  input: a.input - b.input,
  cached: a.cached - b.cached,
  output: a.output - b.output,
  reasoning: a.reasoning - b.reasoning,
});
const plus = (a: CodexTotals, b: CodexTotals): CodexTotals => ({
  input: a.input + b.input,
  cached: a.cached + b.cached,
  output: a.output + b.output,
  reasoning: a.reasoning + b.reasoning,
});

/**
 * A total that went down by about one recent response is a snapshot written out of order, not a
 * reset (tokscale's rule): within 2 % of the previous total, or short of it by under two responses.
 */
function isStaleSnapshot(total: CodexTotals, previous: CodexTotals, last: CodexTotals): boolean {
  const p = sum(previous);
  const c = sum(total);
  const l = sum(last);
  if (p <= 0 || c <= 0 || l <= 0) return false;
  return c * 100 >= p * 98 || c + 2 * l >= p;
}

/** Milliseconds of a UUID v7 (Codex session and turn ids), or null for another kind of id. */
function uuidV7Millis(id: string): number | null {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i.exec(id);
  return m ? Number.parseInt(`${m[1]}${m[2]}`, 16) : null;
}

/**
 * Whether a turn_context ends the replayed parent history of a fork. Without a replayed parent
 * session_meta the first turn is the child's; otherwise the child's own turn ids (UUID v7) are
 * minted at or after the child session id, the replayed ones before it.
 */
function startsOwnTurn(fork: CodexForkState, turnId: string | null | undefined): boolean {
  if (!fork.replaySeen || !turnId) return true;
  const child = uuidV7Millis(fork.child);
  const turn = uuidV7Millis(turnId);
  if (child === null || turn === null) return true;
  return turn >= child;
}

function forkParent(meta: { forked_from_id?: string | null | undefined; source?: unknown }): string | null {
  if (meta.forked_from_id) return meta.forked_from_id;
  const spawned = (meta.source as { subagent?: { thread_spawn?: { parent_thread_id?: unknown } } } | null | undefined)?.subagent
    ?.thread_spawn?.parent_thread_id;
  return typeof spawned === 'string' && spawned !== '' ? spawned : null;
}

/** Parses one line, updating the file state. */
export function parseCodexLine(text: string, state: CodexFileState, context: CodexLineContext): CodexLineOutcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'reject', reason: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'reject', reason: 'line is not a JSON object' };
  const line = json as { type?: unknown; payload?: { type?: unknown; info?: unknown } };
  const payload = typeof line.payload === 'object' && line.payload !== null ? line.payload : null;

  if (line.type === 'session_meta') {
    const meta = codexSessionMetaSchema.safeParse(payload ?? {});
    if (!meta.success) return { kind: 'reject', reason: describeIssues(meta.error.issues) };
    const m = meta.data;
    if (state.session === null && state.scope === null) {
      // The file's own metadata (the first session_meta); later ones are copies a fork replays.
      state.session = m.id ?? null;
      state.cwd = m.cwd ?? state.cwd;
      state.provider = m.model_provider ?? null;
      const parent = forkParent(m);
      state.scope = parent ?? m.id ?? context.relativePath;
      if (parent && m.id) state.fork = { child: m.id, replaySeen: false, waiting: true, baseline: null };
    } else if (state.fork?.waiting && m.id && m.id !== state.fork.child) {
      state.fork.replaySeen = true;
    }
    return { kind: 'skip', reason: 'metadata' };
  }

  if (line.type === 'turn_context') {
    const turn = codexTurnContextSchema.safeParse(payload ?? {});
    if (!turn.success) return { kind: 'reject', reason: describeIssues(turn.error.issues) };
    if (state.fork?.waiting) {
      if (!startsOwnTurn(state.fork, turn.data.turn_id)) return { kind: 'skip', reason: 'fork-replay' };
      state.fork.waiting = false;
    }
    if (turn.data.model) state.model = turn.data.model;
    if (turn.data.cwd) state.cwd = turn.data.cwd;
    return { kind: 'skip', reason: 'metadata' };
  }

  if (line.type !== 'event_msg' || payload?.type !== 'token_count') return { kind: 'skip', reason: 'not-usage' };
  // A token_count without info only refreshes rate limits (the first of every session does).
  if (payload.info === null || payload.info === undefined) return { kind: 'skip', reason: 'no-usage' };
  const parsed = codexTokenCountLineSchema.safeParse(json);
  if (!parsed.success) return { kind: 'reject', reason: describeIssues(parsed.error.issues) };
  const info = parsed.data.payload.info;
  const total = info.total_token_usage ? toTotals(info.total_token_usage) : null;
  const last = info.last_token_usage ? toTotals(info.last_token_usage) : null;

  const fork = state.fork;
  if (fork?.waiting) {
    if (total) fork.baseline = total;
    return { kind: 'skip', reason: 'fork-replay' };
  }
  if (fork?.baseline) {
    // The child's first turns can still repeat the parent's last snapshots; they are the parent's usage.
    if (total && atLeast(fork.baseline, total)) return { kind: 'skip', reason: 'fork-replay' };
    fork.baseline = null;
  }

  let delta: CodexTotals;
  let next: CodexTotals | null;
  const previous = state.totals;
  if (total && previous) {
    if (same(total, previous)) return { kind: 'duplicate' };
    if (!atLeast(total, previous)) {
      if (!last || isStaleSnapshot(total, previous, last)) {
        if (!last) state.totals = total;
        return { kind: 'skip', reason: 'stale-snapshot' };
      }
      // A real reset (compaction rewrote the totals): the last response is still usage.
      delta = last;
    } else delta = last ?? minus(total, previous);
    next = total;
  } else if (total) {
    // The first snapshot of a file: a resumed session's total carries earlier files' usage, so
    // only the last response counts when Codex says what it was.
    delta = last ?? total;
    next = total;
  } else if (last) {
    delta = last;
    next = previous ? plus(previous, last) : null;
  } else return { kind: 'skip', reason: 'no-usage' };

  if (delta.input + delta.cached + delta.output + delta.reasoning === 0) return { kind: 'skip', reason: 'zero-usage' };
  state.totals = next;

  // OpenAI bills cached input at the cache-read rate and reasoning as output: input_tokens includes
  // the cached part (so it is taken out), output_tokens already includes reasoning.
  const cached = Math.min(delta.cached, delta.input);
  const scope = state.scope ?? context.relativePath;
  const id = total
    ? recordId('codex', scope, total.input, total.cached, total.output, total.reasoning)
    : recordId('codex-line', state.session ?? context.relativePath, context.offset);
  const record = makeRecord({
    id,
    ts: new Date(parsed.data.timestamp).toISOString(),
    source: 'codex',
    provider: state.provider ?? 'openai',
    model: info.model || info.model_name || state.model || 'unknown',
    project: projectFromCwd(state.cwd),
    user: context.user,
    session: state.session,
    machine: context.machine,
    input_tokens: delta.input - cached,
    output_tokens: delta.output,
    cache_read_tokens: cached,
    requests: 1,
  });
  return { kind: 'record', record };
}
