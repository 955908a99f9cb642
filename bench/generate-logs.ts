// Writes a Claude Code log tree the way Claude Code writes one, deterministic for a seed:
// <dir>/projects/<project folder>/<session>.jsonl and <session>/subagents/agent-*.jsonl, with
// user lines carrying tool results (no usage), one assistant line per content block repeating the
// message id + request id, early streaming copies with fewer output tokens, replays of earlier lines
// into resumed sessions and subagent files, `<synthetic>` lines, malformed lines, long-context
// requests (> 200k input) and 5-minute / 1-hour cache writes. The expected daily totals are summed
// here from the final copy of each unique message written, priced with lib/usage/pricing.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addUsage, type DailyTotals, mergeTotals, priceOf, sortedTotals } from './expected-totals.ts';
import { type SeededRandom, seededRandom, textPool } from './seeded-random.ts';

export interface LogTreeOptions {
  /** The Claude config dir to create (the tree goes under <dir>/projects/). */
  dir: string;
  /** Unique messages (API responses) to write. */
  messages: number;
  /** UTC days the sessions spread over, ending at endDay. */
  days: number;
  /** Last UTC day (YYYY-MM-DD). */
  endDay: string;
  seed?: number;
}

export interface LogCounts {
  files: number;
  lines: number;
  bytes: number;
  uniqueMessages: number;
  assistantLines: number;
  /** Extra assistant lines of a message already written (content blocks, streaming, replays). */
  copies: number;
  streamingCopies: number;
  replayedLines: number;
  userLines: number;
  syntheticLines: number;
  malformedLines: number;
  longContext: number;
  partialLines: number;
}

/** What appendLogLines needs to continue the tree (kept small: no line is held for long). */
export interface AppendPlan {
  dir: string;
  endDay: string;
  seed: number;
  /** Files that end in a partial line (Claude Code was still writing it), with the rest of it. */
  partials: Array<{ path: string; rest: string; totals: DailyTotals }>;
  /** Sessions of the last day that new turns can be appended to. */
  tails: SessionTail[];
  /** The last lines of one last-day session, to replay into a resumed session. */
  replay: { projectFolder: string; cwd: string; sessionId: string; lines: string[] } | null;
  /** Lines in the tree, so the append can be sized as a share of it. */
  lines: number;
}

interface SessionTail {
  path: string;
  sessionId: string;
  cwd: string;
  lastMs: number;
  model: string;
}

export interface LogTree {
  dir: string;
  expected: DailyTotals;
  counts: LogCounts;
  plan: AppendPlan;
}

interface Usage {
  input: number;
  output: number;
  cache5m: number;
  cache1h: number;
  cacheRead: number;
  /** Older Claude Code versions wrote no nested cache_creation object (all writes then count as 5-minute). */
  nested: boolean;
}

const MODELS: ReadonlyArray<readonly [string, number]> = [
  ['claude-sonnet-4-5-20250929', 55],
  ['claude-opus-4-5-20251101', 20],
  ['claude-haiku-4-5-20251001', 20],
  ['claude-opus-4-1-20250805', 5],
];
const PROJECTS = [
  'web',
  'api',
  'infra',
  'mobile-app',
  'data-pipeline',
  'docs',
  'billing',
  'search',
  'auth',
  'cli',
  'design.system',
  'ml_models',
];
const TOOLS = ['Bash', 'Read', 'Edit', 'Write', 'Grep', 'Glob', 'TodoWrite', 'WebFetch'];
const DAY_MS = 86_400_000;
/** Main generation stops here on the last day; appended lines come after it. */
const LAST_DAY_CUTOFF_MS = 22 * 3_600_000;

function cwdOf(project: string): string {
  return `/home/dev/src/${project}`;
}
function projectFolderOf(cwd: string): string {
  return cwd.replace(/[^A-Za-z0-9]/g, '-');
}

/** Line builders: the key order and shapes Claude Code writes. */
class LineWriter {
  readonly pool: string;
  constructor(readonly random: SeededRandom) {
    this.pool = textPool(random, 1 << 18);
  }

  text(min: number, max: number): string {
    const n = this.random.int(min, max);
    if (n <= this.pool.length) {
      const at = this.random.int(0, this.pool.length - n);
      return this.pool.slice(at, at + n);
    }
    let out = '';
    while (out.length < n) out += this.pool;
    return out.slice(0, n);
  }

  usageJson(u: Usage, output: number): string {
    const cc = u.cache5m + u.cache1h;
    const nested = u.nested ? `"cache_creation":{"ephemeral_5m_input_tokens":${u.cache5m},"ephemeral_1h_input_tokens":${u.cache1h}},` : '';
    return `{"input_tokens":${u.input},"cache_creation_input_tokens":${cc},"cache_read_input_tokens":${u.cacheRead},${nested}"output_tokens":${output},"service_tier":"standard"}`;
  }

  block(kind: 'text' | 'thinking' | 'tool_use'): string {
    const r = this.random;
    if (kind === 'thinking') return `{"type":"thinking","thinking":"${this.text(30, 200)}","signature":"${r.base62(48)}"}`;
    if (kind === 'tool_use') {
      return `{"type":"tool_use","id":"toolu_01${r.base62(22)}","name":"${r.pick(TOOLS)}","input":{"command":"${this.text(10, 60)}","description":"${this.text(5, 30)}"}}`;
    }
    return `{"type":"text","text":"${this.text(10, 160)}"}`;
  }

  assistant(a: {
    parent: string;
    uuid: string;
    sidechain: boolean;
    agentId: string | null;
    cwd: string;
    sessionId: string;
    msgId: string;
    requestId: string;
    model: string;
    block: string;
    usage: Usage;
    output: number;
    last: boolean;
    ts: string;
  }): string {
    const agent = a.agentId ? `"agentId":"${a.agentId}",` : '';
    const stop = a.last ? '"end_turn"' : 'null';
    return `{"parentUuid":"${a.parent}","isSidechain":${a.sidechain},"userType":"external","cwd":"${a.cwd}","sessionId":"${a.sessionId}","version":"2.0.42","gitBranch":"main",${agent}"message":{"id":"${a.msgId}","type":"message","role":"assistant","model":"${a.model}","content":[${a.block}],"stop_reason":${stop},"stop_sequence":null,"usage":${this.usageJson(a.usage, a.output)}},"requestId":"${a.requestId}","type":"assistant","uuid":"${a.uuid}","timestamp":"${a.ts}"}`;
  }

  userToolResult(a: {
    parent: string;
    uuid: string;
    sidechain: boolean;
    cwd: string;
    sessionId: string;
    ts: string;
    big: boolean;
  }): string {
    const r = this.random;
    const content = a.big ? this.text(16_000, 60_000) : this.text(20, 300);
    return `{"parentUuid":"${a.parent}","isSidechain":${a.sidechain},"userType":"external","cwd":"${a.cwd}","sessionId":"${a.sessionId}","version":"2.0.42","gitBranch":"main","type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01${r.base62(22)}","type":"tool_result","content":"${content}","is_error":false}]},"uuid":"${a.uuid}","timestamp":"${a.ts}","toolUseResult":{"stdout":"${this.text(0, 60)}","stderr":"","interrupted":false,"isImage":false}}`;
  }

  userPrompt(a: { uuid: string; cwd: string; sessionId: string; ts: string; sidechain: boolean; agentId: string | null }): string {
    const agent = a.agentId ? `"agentId":"${a.agentId}",` : '';
    return `{"parentUuid":null,"isSidechain":${a.sidechain},"userType":"external","cwd":"${a.cwd}","sessionId":"${a.sessionId}","version":"2.0.42","gitBranch":"main",${agent}"type":"user","message":{"role":"user","content":"${this.text(20, 400)}"},"uuid":"${a.uuid}","timestamp":"${a.ts}"}`;
  }

  synthetic(a: { parent: string; uuid: string; cwd: string; sessionId: string; ts: string }): string {
    return `{"parentUuid":"${a.parent}","isSidechain":false,"userType":"external","cwd":"${a.cwd}","sessionId":"${a.sessionId}","version":"2.0.42","gitBranch":"main","message":{"id":"${this.random.uuid()}","container":null,"model":"<synthetic>","role":"assistant","stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":null,"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0}},"content":[{"type":"text","text":"API Error: Request was aborted."}]},"type":"assistant","uuid":"${a.uuid}","timestamp":"${a.ts}","isApiErrorMessage":true}`;
  }

  summary(): string {
    return `{"type":"summary","summary":"${this.text(20, 80)}","leafUuid":"${this.random.uuid()}"}`;
  }

  snapshot(ts: string): string {
    return `{"type":"file-history-snapshot","messageId":"${this.random.uuid()}","snapshot":{"messageId":"${this.random.uuid()}","trackedFileBackups":{},"timestamp":"${ts}"},"isSnapshotUpdate":false}`;
  }

  /** A line Claude Code could not finish (crash), a stray binary line, or JSON that is not an object. */
  malformed(copyOf: string): string {
    const r = this.random;
    switch (r.int(0, 3)) {
      case 0: {
        // Never cut right after a '}' (or '} '): a line that looks like a whole object and has no
        // "usage" is (rightly) skipped as a non-usage line instead of quarantined, blurring the count.
        let cut = Math.floor(copyOf.length * (0.3 + 0.6 * r.next()));
        while (cut > 1 && (copyOf[cut - 1] === '}' || copyOf[cut - 1] === ' ' || copyOf[cut - 1] === '\t')) cut--;
        return copyOf.slice(0, cut);
      }
      case 1:
        return '\u0000\u0000\u0000 not json at all';
      case 2:
        return '[1,2,3]';
      default:
        return `{"type":"assistant","message":{"usage":{"input_tokens":1`;
    }
  }
}

/** The usage of one response; long-context requests have more than 200k input tokens in total. */
function makeUsage(r: SeededRandom, longContext: boolean): Usage {
  const nested = !r.chance(0.1);
  let input = r.chance(0.9) ? r.int(1, 12) : r.int(100, 6000);
  let cacheRead = r.chance(0.08) ? 0 : r.int(8_000, 160_000);
  let cache = r.chance(0.4) ? r.int(50, 25_000) : 0;
  if (longContext) {
    input = r.int(1, 3000);
    cacheRead = r.int(190_000, 320_000);
    cache = r.int(1000, 30_000);
  }
  const output = r.chance(0.1) ? r.int(1000, 8000) : r.int(2, 900);
  let cache1h = 0;
  if (nested && cache > 0) {
    const mode = r.weighted([
      ['5m', 70],
      ['1h', 20],
      ['split', 10],
    ] as const);
    cache1h = mode === '1h' ? cache : mode === 'split' ? r.int(1, cache - 1 || 1) : 0;
    if (cache1h > cache) cache1h = cache;
  }
  return { input, output, cache5m: cache - cache1h, cache1h, cacheRead, nested };
}

/** Adds one unique message's final usage to the expected totals. */
function expect(expected: DailyTotals, day: string, ts: string, model: string, u: Usage): void {
  const usage = {
    model,
    provider: 'anthropic',
    ts,
    service_tier: 'standard',
    input_tokens: u.input,
    output_tokens: u.output,
    cache_creation_tokens: u.cache5m + u.cache1h,
    cache_creation_1h_tokens: u.cache1h,
    cache_read_tokens: u.cacheRead,
    requests: 1,
  };
  addUsage(expected, day, usage, priceOf(usage));
}

function emptyCounts(): LogCounts {
  return {
    files: 0,
    lines: 0,
    bytes: 0,
    uniqueMessages: 0,
    assistantLines: 0,
    copies: 0,
    streamingCopies: 0,
    replayedLines: 0,
    userLines: 0,
    syntheticLines: 0,
    malformedLines: 0,
    longContext: 0,
    partialLines: 0,
  };
}

interface Transcript {
  path: string;
  lines: string[];
  /** Set when the file ends in a partial line (no newline). */
  partial: string | null;
}

/** Writes the messages of one conversation; shared by sessions, subagents and appends. */
class ConversationWriter {
  parent: string | null = null;
  constructor(
    readonly w: LineWriter,
    readonly expected: DailyTotals,
    readonly counts: LogCounts,
    readonly out: Transcript,
    readonly a: { cwd: string; sessionId: string; sidechain: boolean; agentId: string | null; model: string },
  ) {}

  push(line: string): void {
    this.out.lines.push(line);
  }

  /** One API response: a line per content block; earlier lines may carry streaming usage. Returns the last line. */
  message(ms: number, options: { longContext?: boolean; blocks?: 1 | 2 | 3 } = {}): string {
    const r = this.w.random;
    const longContext = options.longContext ?? r.chance(0.02);
    const model = longContext ? 'claude-sonnet-4-5-20250929' : r.chance(0.85) ? this.a.model : r.weighted(MODELS);
    const usage = makeUsage(r, longContext);
    const msgId = `msg_01${r.base62(22)}`;
    const requestId = `req_011C${r.base62(18)}`;
    const blocks =
      options.blocks ??
      r.weighted([
        [1, 74],
        [2, 18],
        [3, 8],
      ] as const);
    const streaming = blocks > 1 && r.chance(0.5);
    const kinds = (['thinking', 'text', 'tool_use'] as const).slice(3 - blocks);
    let t = ms;
    let last = '';
    let ts = '';
    for (let i = 0; i < blocks; i++) {
      const final = i === blocks - 1;
      const output = final || !streaming ? usage.output : Math.max(1, Math.floor(usage.output * r.next() * 0.5));
      const uuid = r.uuid();
      ts = new Date(t).toISOString();
      last = this.w.assistant({
        parent: this.parent ?? uuid,
        uuid,
        sidechain: this.a.sidechain,
        agentId: this.a.agentId,
        cwd: this.a.cwd,
        sessionId: this.a.sessionId,
        msgId,
        requestId,
        model,
        block: this.w.block(kinds[i]!),
        usage,
        output,
        last: final,
        ts,
      });
      this.push(last);
      this.parent = uuid;
      this.counts.assistantLines++;
      if (i > 0) this.counts.copies++;
      if (!final && streaming) this.counts.streamingCopies++;
      t += r.int(40, 700);
    }
    expect(this.expected, ts.slice(0, 10), ts, model, usage);
    this.counts.uniqueMessages++;
    if (longContext) this.counts.longContext++;
    return last;
  }

  userToolResult(ms: number): void {
    const r = this.w.random;
    const uuid = r.uuid();
    this.push(
      this.w.userToolResult({
        parent: this.parent ?? uuid,
        uuid,
        sidechain: this.a.sidechain,
        cwd: this.a.cwd,
        sessionId: this.a.sessionId,
        ts: new Date(ms).toISOString(),
        big: r.chance(0.003),
      }),
    );
    this.parent = uuid;
    this.counts.userLines++;
  }

  /** A line of another transcript copied as Claude Code copies it (same ids and usage, this session's id). */
  replay(line: string, fromSession: string): void {
    this.push(line.replaceAll(fromSession, this.a.sessionId));
    this.counts.replayedLines++;
    // A replayed malformed line is quarantined again, so it counts as malformed again.
    if (!isJsonObjectLine(line)) this.counts.malformedLines++;
    if (line.includes('"type":"assistant"') && line.includes('"usage"')) this.counts.copies++;
  }
}

function isJsonObjectLine(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Keeps all lines of a response on one UTC day, so "which day" never depends on which copy wins. */
function sameDay(ms: number): number {
  const dayEnd = Math.floor(ms / DAY_MS) * DAY_MS + DAY_MS;
  return dayEnd - ms < 5_000 ? dayEnd + 1_000 : ms;
}

function flush(t: Transcript, counts: LogCounts): void {
  mkdirSync(dirname(t.path), { recursive: true });
  const body = t.lines.length > 0 ? `${t.lines.join('\n')}\n` : '';
  const text = t.partial !== null ? body + t.partial : body;
  writeFileSync(t.path, text);
  counts.files++;
  counts.lines += t.lines.length + (t.partial !== null ? 1 : 0);
  counts.bytes += Buffer.byteLength(text);
}

export function generateLogTree(options: LogTreeOptions): LogTree {
  const seed = options.seed ?? 42;
  const r = seededRandom(seed);
  const w = new LineWriter(r);
  const expected: DailyTotals = {};
  const counts = emptyCounts();
  const firstDayMs = Date.parse(`${options.endDay}T00:00:00.000Z`) - (options.days - 1) * DAY_MS;
  const endMs = Date.parse(`${options.endDay}T00:00:00.000Z`) + LAST_DAY_CUTOFF_MS;
  const projectsDir = join(options.dir, 'projects');
  mkdirSync(projectsDir, { recursive: true });

  const lastSessionByProject = new Map<string, { sessionId: string; lines: string[] }>();
  const tails: SessionTail[] = [];
  const partials: AppendPlan['partials'] = [];
  let replay: AppendPlan['replay'] = null;
  const wantPartials = options.messages >= 2000 ? 6 : 2;

  let remaining = options.messages;
  while (remaining > 0) {
    const project = r.pick(PROJECTS);
    const cwd = cwdOf(project);
    const folder = projectFolderOf(cwd);
    const sessionId = r.uuid();
    const model = r.weighted(MODELS);
    // Later sessions lean towards the last days, so the last day has enough sessions to append to.
    const dayIndex = Math.min(options.days - 1, Math.floor(options.days * Math.sqrt(r.next())));
    let ms = firstDayMs + dayIndex * DAY_MS + r.int(0, DAY_MS - 1);
    if (ms >= endMs) ms = endMs - r.int(3_600_000, 12 * 3_600_000);
    const transcript: Transcript = { path: join(projectsDir, folder, `${sessionId}.jsonl`), lines: [], partial: null };
    const conv = new ConversationWriter(w, expected, counts, transcript, { cwd, sessionId, sidechain: false, agentId: null, model });
    if (r.chance(0.15)) conv.push(w.summary());
    // A resumed session starts by replaying the end of the project's previous session.
    const previous = lastSessionByProject.get(project);
    if (previous && r.chance(0.12)) {
      for (const line of previous.lines.slice(-r.int(4, 24))) conv.replay(line, previous.sessionId);
    }
    conv.push(w.userPrompt({ uuid: r.uuid(), cwd, sessionId, ts: new Date(ms).toISOString(), sidechain: false, agentId: null }));
    counts.userLines++;
    const turns = Math.min(remaining, r.int(20, Math.max(40, Math.min(280, Math.floor(options.messages / (options.days * 8))))));
    let done = 0;
    while (done < turns && remaining > 0) {
      ms = sameDay(ms + r.int(3_000, 90_000));
      if (ms + 5_000 >= endMs) break;
      if (r.chance(0.2)) {
        conv.userToolResult(ms);
        ms = sameDay(ms + r.int(500, 20_000));
        if (ms + 5_000 >= endMs) break;
      }
      const last = conv.message(ms);
      done++;
      remaining--;
      if (r.chance(0.003)) {
        conv.push(w.synthetic({ parent: conv.parent ?? '', uuid: r.uuid(), cwd, sessionId, ts: new Date(ms + 900).toISOString() }));
        counts.syntheticLines++;
      }
      if (r.chance(0.0015)) {
        conv.push(w.malformed(last));
        counts.malformedLines++;
      }
      if (r.chance(0.01)) conv.push(w.snapshot(new Date(ms).toISOString()));
      // A subagent: its own transcript, opening with a copy of the parent's last response.
      if (remaining > 0 && r.chance(0.01)) {
        const agentId = r.hex(8);
        const sub: Transcript = {
          path: join(projectsDir, folder, sessionId, 'subagents', `agent-${agentId}.jsonl`),
          lines: [],
          partial: null,
        };
        const subConv = new ConversationWriter(w, expected, counts, sub, {
          cwd,
          sessionId,
          sidechain: true,
          agentId,
          model: 'claude-haiku-4-5-20251001',
        });
        subConv.push(w.userPrompt({ uuid: r.uuid(), cwd, sessionId, ts: new Date(ms).toISOString(), sidechain: true, agentId }));
        counts.userLines++;
        subConv.replay(last.replace('"isSidechain":false', '"isSidechain":true'), sessionId);
        let subMs = ms;
        const subTurns = Math.min(remaining, r.int(3, 40));
        for (let i = 0; i < subTurns; i++) {
          subMs = sameDay(subMs + r.int(1_000, 20_000));
          if (subMs + 5_000 >= endMs) break;
          if (r.chance(0.5)) subConv.userToolResult(subMs);
          subConv.message(subMs + 300);
          remaining--;
        }
        flush(sub, counts);
        ms = Math.max(ms, subMs);
      }
    }
    lastSessionByProject.set(project, { sessionId, lines: transcript.lines.slice(-24) });
    const lastDay = ms >= endMs - LAST_DAY_CUTOFF_MS;
    if (lastDay && remaining > 0 && partials.length < wantPartials && tails.length > partials.length) {
      // Claude Code was writing this line when the sync ran: only its first part is on disk. Its
      // totals count only once the append finishes the line.
      const totals: DailyTotals = {};
      const scratch: Transcript = { path: transcript.path, lines: [], partial: null };
      const pConv = new ConversationWriter(w, totals, emptyCounts(), scratch, { cwd, sessionId, sidechain: false, agentId: null, model });
      pConv.parent = conv.parent;
      const line = pConv.message(Math.min(ms + 2_000, endMs - 2_000), { longContext: false, blocks: 1 });
      const cut = Math.floor(line.length * 0.6);
      transcript.partial = line.slice(0, cut);
      partials.push({ path: transcript.path, rest: line.slice(cut), totals });
      counts.partialLines++;
      remaining--;
    } else if (lastDay && tails.length < 64) {
      tails.push({ path: transcript.path, sessionId, cwd, lastMs: ms, model });
      if (!replay && transcript.lines.length >= 12) replay = { projectFolder: folder, cwd, sessionId, lines: transcript.lines.slice(-12) };
    }
    flush(transcript, counts);
  }
  return {
    dir: options.dir,
    expected: sortedTotals(expected),
    counts,
    plan: { dir: options.dir, endDay: options.endDay, seed, partials, tails, replay, lines: counts.lines },
  };
}

export interface AppendResult {
  /** Totals of what the append added (to merge with the tree's). */
  added: DailyTotals;
  counts: LogCounts;
}

/**
 * Appends about `share` × the tree's lines, as a live Claude Code would: the partial lines are
 * finished, open sessions of the last day get new turns, and one session is resumed (its file
 * opens by replaying the end of an earlier one). New turns come after the main generation's cutoff.
 */
export function appendLogLines(plan: AppendPlan, share = 0.01): AppendResult {
  const r = seededRandom(plan.seed + 1);
  const w = new LineWriter(r);
  const added: DailyTotals = {};
  const counts = emptyCounts();
  const target = Math.max(10, Math.round(plan.lines * share));
  const dayStart = Date.parse(`${plan.endDay}T00:00:00.000Z`);
  let ms = dayStart + LAST_DAY_CUTOFF_MS + 60_000;
  const nextMs = () => {
    ms += r.int(200, 3_000);
    return Math.min(ms, dayStart + DAY_MS - 10_000);
  };

  const finished: DailyTotals[] = [];
  for (const p of plan.partials) {
    appendFileSync(p.path, `${p.rest}\n`);
    finished.push(p.totals);
    counts.uniqueMessages++;
    counts.lines++;
    counts.bytes += Buffer.byteLength(p.rest) + 1;
  }

  const writers: Array<{ t: Transcript; conv: ConversationWriter }> = [];
  for (const tail of plan.tails) {
    const t: Transcript = { path: tail.path, lines: [], partial: null };
    writers.push({
      t,
      conv: new ConversationWriter(w, added, counts, t, {
        cwd: tail.cwd,
        sessionId: tail.sessionId,
        sidechain: false,
        agentId: null,
        model: tail.model,
      }),
    });
  }
  if (plan.replay) {
    const sessionId = r.uuid();
    const t: Transcript = { path: join(plan.dir, 'projects', plan.replay.projectFolder, `${sessionId}.jsonl`), lines: [], partial: null };
    const conv = new ConversationWriter(w, added, counts, t, {
      cwd: plan.replay.cwd,
      sessionId,
      sidechain: false,
      agentId: null,
      model: 'claude-sonnet-4-5-20250929',
    });
    conv.push(w.summary());
    for (const line of plan.replay.lines) conv.replay(line, plan.replay.sessionId);
    writers.push({ t, conv });
  }
  if (writers.length === 0) throw new Error('bench: the log tree has no session on its last day to append to');

  let written = 0;
  while (written < target) {
    const { conv, t } = writers[written % writers.length]!;
    const before = t.lines.length;
    if (r.chance(0.3)) conv.userToolResult(nextMs());
    conv.message(nextMs(), { longContext: r.chance(0.02) });
    written += t.lines.length - before;
  }
  for (const { t } of writers) {
    if (t.lines.length === 0) continue;
    const text = `${t.lines.join('\n')}\n`;
    mkdirSync(dirname(t.path), { recursive: true });
    appendFileSync(t.path, text);
    counts.files++;
    counts.lines += t.lines.length;
    counts.bytes += Buffer.byteLength(text);
  }
  return { added: mergeTotals(added, ...finished), counts };
}
