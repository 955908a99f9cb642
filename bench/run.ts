// `npm run bench -- --scale small|full [--profile] [--only parse,sync,report,analyze,api,export] [--data-dir DIR]`
// Measures tokenlake beside its peers on the same generated data in one run: ccusage on the same
// Claude Code logs, DuckDB on the same lake. Every side runs as its own child process (wall time,
// peak RSS); every answer is checked against the generator's expected totals. Prints the table,
// writes bench/results.json (full) or bench/results-small.json, and at full scale refreshes the
// generated part of BENCHMARKS.md. Ratios matter, not absolute times: the machine is shared.

import { execFileSync, spawn } from 'node:child_process';
import { type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { addDays } from '../lib/core/calendar.ts';
import {
  type AnalyticsDailyPoint,
  type CcusageDaily,
  lakeTotalsFromFolder,
  totalsFromAnalyticsDaily,
  totalsFromCcusage,
} from './actual-totals.ts';
import { compareDaily, type DailyTotals, grandTotal, mergeTotals, TOKEN_FIELDS, type TotalsField } from './expected-totals.ts';
import { generateLake, type Lake, lakeObjectBody, verifyLakeServed } from './generate-lake.ts';
import { appendLogLines, generateLogTree, type LogTree } from './generate-logs.ts';
import { lastJsonLine, type Measured, runMeasured } from './measure.ts';
import { largestProfileIn, type ProfileSummary, summarizeCpuProfile } from './profile-summary.ts';
import { seededRandom } from './seeded-random.ts';

// The AWS SDK's Node 22 notice would be printed by every embedded-S3 client; it says nothing here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROOT = resolve(import.meta.dirname, '..');
const NODE = process.execPath;
const CCUSAGE = join(ROOT, 'node_modules', 'ccusage', 'src', 'cli.js');
const AUTOCANNON = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');
const BUCKET = 'tokenlake';
const API_KEY = 'bench-key-0123456789abcdef';
const EXPORT_TIMEOUT_MS = 300_000;

interface Scale {
  logs: { messages: number; days: number; extra: Array<{ messages: number; nothingNew: boolean }> };
  lake: { days: number; recordsPerDay: number; objectsPerDay: number };
  apiSeconds: number;
  connections: number;
  exportDays: number;
  parseMb: number;
}

const SCALES: Record<'small' | 'full', Scale> = {
  small: {
    logs: { messages: 3_000, days: 5, extra: [{ messages: 1_000, nothingNew: true }] },
    lake: { days: 5, recordsPerDay: 4_000, objectsPerDay: 4 },
    apiSeconds: 2,
    connections: 10,
    exportDays: 2,
    parseMb: 64,
  },
  full: {
    // The issue's other sizes: a first sync of 100 k messages, and a sync with nothing new of a 20 k tree.
    logs: {
      messages: 1_000_000,
      days: 28,
      extra: [
        { messages: 100_000, nothingNew: false },
        { messages: 20_000, nothingNew: true },
      ],
    },
    lake: { days: 90, recordsPerDay: 111_112, objectsPerDay: 4 },
    apiSeconds: 10,
    connections: 10,
    exportDays: 9,
    parseMb: 256,
  },
};

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    'records-per-day': { type: 'string' },
    'data-dir': { type: 'string' },
    messages: { type: 'string' },
  },
});
if (args.scale !== 'small' && args.scale !== 'full') throw new Error(`--scale: expected small or full, got ${args.scale}`);
const scaleName = args.scale;
const scale: Scale = structuredClone(SCALES[scaleName]);
if (args.messages) scale.logs.messages = Number(args.messages);
if (args['records-per-day']) scale.lake.recordsPerDay = Number(args['records-per-day']);
const only = new Set((args.only ?? 'parse,sync,report,analyze,api,export').split(','));
// Generated data lives outside the repository by default (GBs at full scale, and out of the linter's way).
const dataRoot = resolve(args['data-dir'] ?? join(tmpdir(), 'tokenlake-bench', scaleName));
const profileRoot = join(dataRoot, 'profiles');
const today = new Date().toISOString().slice(0, 10);

interface Side {
  label: string;
  wallMs: number;
  peakRssMb: number | null;
  cpuS: number | null;
  /** Time measured inside the process around the work itself (no start-up), when the side reports it. */
  workMs?: number;
  /** Work per second (records/s, rows/s, req/s). */
  rate?: number;
  rateUnit?: string;
  p99Ms?: number;
}

interface CaseResult {
  id: string;
  title: string;
  tokenlake: Side | null;
  peer: Side | null;
  /** How the ratio is formed, e.g. "tokenlake wall / ccusage wall". */
  ratioLabel: string;
  ratio: number | null;
  target: string;
  /** null: no target or not measurable. */
  pass: boolean | null;
  correct: boolean;
  problems: string[];
  notes: string[];
  profile?: ProfileSummary;
}

const results: CaseResult[] = [];
const started = performance.now();
const log = (message: string) =>
  process.stdout.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);

function side(label: string, m: Measured, extra: Partial<Side> = {}): Side {
  return { label, wallMs: m.wallMs, peakRssMb: m.peakRssMb, cpuS: m.userS !== null && m.sysS !== null ? m.userS + m.sysS : null, ...extra };
}

function addCase(c: Omit<CaseResult, 'correct' | 'problems' | 'notes'> & { problems?: string[]; notes?: string[] }): CaseResult {
  const full: CaseResult = { ...c, problems: c.problems ?? [], notes: c.notes ?? [], correct: (c.problems ?? []).length === 0 };
  results.push(full);
  const ratio = full.ratio === null ? 'n/a' : full.ratio.toPrecision(3);
  log(
    `${full.title}: ${full.ratioLabel} = ${ratio} (target ${full.target}) ${verdict(full)}${full.correct ? '' : ` — ${full.problems.length} correctness problems`}`,
  );
  for (const p of full.problems.slice(0, 8)) log(`   ✗ ${p}`);
  return full;
}

function verdict(c: CaseResult): string {
  if (c.pass === null) return 'n/a';
  return c.pass ? 'PASS' : 'MISS';
}

function tokenlakeArgs(profileDir: string | null, ...rest: string[]): string[] {
  return [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...rest];
}

function childScript(name: string): string {
  return join(ROOT, 'bench', 'children', `${name}.ts`);
}

function profileDirFor(id: string): string {
  const dir = join(profileRoot, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

function attachProfile(c: CaseResult | undefined, dir: string): void {
  const file = largestProfileIn(dir);
  if (!c || !file) return;
  c.profile = summarizeCpuProfile(file);
  log(
    `profile of ${c.id}: ${c.profile.totalMs} ms on CPU; top: ${c.profile.places
      .slice(0, 5)
      .map((p) => `${p.name} ${(p.share * 100).toFixed(0)}%`)
      .join(', ')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Claude Code logs: first sync, incremental sync, report — against ccusage.

const syncEnv = (tree: string, store: string) => ({
  CLAUDE_CONFIG_DIR: tree,
  TOKENLAKE_SOURCES: 'claude-code',
  TOKENLAKE_DATA_DIR: store,
  TOKENLAKE_MACHINE: 'bench',
  TOKENLAKE_USER: 'bench',
  TOKENLAKE_TIMEZONE: 'UTC',
  TOKENLAKE_LOG_LEVEL: undefined,
  NODE_OPTIONS: undefined,
});

function runCcusage(tree: string): Promise<Measured> {
  return runMeasured(NODE, [CCUSAGE, 'claude', 'daily', '--offline', '--json', '-z', 'UTC'], {
    env: { CLAUDE_CONFIG_DIR: tree, NO_COLOR: '1' },
  });
}

function runSync(tree: string, store: string, profileDir: string | null = null): Promise<Measured> {
  return runMeasured(NODE, tokenlakeArgs(profileDir, join(ROOT, 'bin', 'tokenlake.mjs'), 'sync'), { env: syncEnv(tree, store) });
}

interface SyncLine {
  records: number;
  duplicates: number;
  quarantined: number;
  skipped: number;
  read: number;
}

function parseSyncLine(m: Measured): SyncLine {
  if (m.code !== 0) throw new Error(`tokenlake sync failed (exit ${m.code}): ${m.stderr.slice(-2000)}`);
  const match = /claude-code: (\d+) records written, (\d+) duplicates, (\d+) quarantined, (\d+) skipped \((\d+) lines read\)/.exec(
    m.stdout,
  );
  if (!match) throw new Error(`unexpected sync output: ${m.stdout.slice(0, 500)}`);
  const [, records, duplicates, quarantined, skipped, read] = match.map(Number) as number[];
  return { records: records!, duplicates: duplicates!, quarantined: quarantined!, skipped: skipped!, read: read! };
}

const ALL_FIELDS: TotalsField[] = ['messages', ...TOKEN_FIELDS, 'cache_creation_1h_tokens', 'cost_usd'];
const REPORT_FIELDS: TotalsField[] = ['messages', ...TOKEN_FIELDS, 'cost_usd'];

function ccusageProblems(m: Measured, expected: DailyTotals): { problems: string[]; costUsd: number } {
  if (m.code !== 0) return { problems: [`ccusage failed (exit ${m.code}): ${m.stderr.slice(-500)}`], costUsd: 0 };
  const totals = totalsFromCcusage(JSON.parse(m.stdout) as CcusageDaily);
  return { problems: compareDaily(expected, totals, TOKEN_FIELDS).map((p) => `ccusage ${p}`), costUsd: grandTotal(totals).cost_usd };
}

async function logCases(): Promise<{ tree: LogTree; bytes: number } | null> {
  if (!only.has('sync') && !only.has('report') && !only.has('parse')) return null;
  const treeDir = join(dataRoot, 'claude');
  const storeDir = join(dataRoot, 'store');
  rmSync(treeDir, { recursive: true, force: true });
  rmSync(storeDir, { recursive: true, force: true });
  log(`generating ${scale.logs.messages} unique messages over ${scale.logs.days} days into ${treeDir}`);
  const genStarted = performance.now();
  const tree = generateLogTree({ dir: treeDir, messages: scale.logs.messages, days: scale.logs.days, endDay: today, seed: 42 });
  const c = tree.counts;
  log(
    `logs: ${c.files} files, ${c.lines} lines, ${(c.bytes / 1e6).toFixed(0)} MB, ${c.uniqueMessages} unique messages, ${c.copies} copies ` +
      `(${c.streamingCopies} streaming, ${c.replayedLines} replayed lines), ${c.malformedLines} malformed, ${c.syntheticLines} synthetic, ` +
      `${c.longContext} long-context, ${c.partialLines} partial — in ${((performance.now() - genStarted) / 1000).toFixed(1)} s`,
  );

  if (only.has('parse')) await parseCase(treeDir);
  if (!only.has('sync') && !only.has('report')) return { tree, bytes: c.bytes };

  // First sync.
  log('ccusage on the tree');
  const cc1 = await runCcusage(treeDir);
  log('tokenlake sync (first)');
  const tl1 = await runSync(treeDir, storeDir);
  const s1 = parseSyncLine(tl1);
  const lake1 = lakeTotalsFromFolder(storeDir);
  const cc1Check = ccusageProblems(cc1, tree.expected);
  const problems1 = [...compareDaily(tree.expected, lake1.daily, ALL_FIELDS).map((p) => `tokenlake lake ${p}`), ...cc1Check.problems];
  const expectedTotal1 = grandTotal(tree.expected);
  if (s1.records !== expectedTotal1.messages) problems1.push(`sync wrote ${s1.records} records, expected ${expectedTotal1.messages}`);
  if (s1.quarantined !== c.malformedLines) problems1.push(`sync quarantined ${s1.quarantined} lines, ${c.malformedLines} are malformed`);
  if (s1.read !== c.lines - c.partialLines) problems1.push(`sync read ${s1.read} lines, ${c.lines - c.partialLines} are complete`);
  const mbps = c.bytes / 1e6 / (tl1.wallMs / 1000);
  const first = addCase({
    id: 'sync-first',
    title: `first sync of ${fmtInt(c.uniqueMessages)} unique messages (${(c.bytes / 1e9).toFixed(2)} GB)`,
    tokenlake: side('tokenlake sync', tl1, { rate: mbps, rateUnit: 'MB/s' }),
    peer: side('ccusage claude daily', cc1, { rate: c.bytes / 1e6 / (cc1.wallMs / 1000), rateUnit: 'MB/s' }),
    ratioLabel: 'tokenlake wall / ccusage wall',
    ratio: tl1.wallMs / cc1.wallMs,
    target: '≤ 1.0',
    pass: tl1.wallMs <= cc1.wallMs,
    problems: problems1,
    notes: [
      `expected cost $${expectedTotal1.cost_usd.toFixed(2)}; ccusage's own cost $${cc1Check.costUsd.toFixed(2)} (it prices long context per token above 200k)`,
      `sync: ${s1.records} records, ${s1.duplicates} duplicates dropped, ${s1.quarantined} quarantined, ${s1.skipped} skipped of ${s1.read} lines`,
      `throughput ${mbps.toFixed(0)} MB/s of logs (the JSON.parse reference above is one core's ceiling for parsing alone)`,
    ],
  });
  addCase({
    id: 'sync-first-memory',
    title: 'first sync peak memory',
    tokenlake: first.tokenlake,
    peer: first.peer,
    ratioLabel: 'tokenlake peak RSS MB',
    ratio: tl1.peakRssMb,
    target: '≤ 512 MB',
    pass: tl1.peakRssMb === null ? null : tl1.peakRssMb <= 512,
    notes: [`ccusage peak RSS ${fmtMb(cc1.peakRssMb)}`],
  });

  // Incremental: 1 % more lines.
  const append = appendLogLines(tree.plan, 0.01);
  const expected2 = mergeTotals(tree.expected, append.added);
  log(`appended ${append.counts.lines} lines (${(append.counts.bytes / 1e6).toFixed(1)} MB) to ${append.counts.files} files`);
  log('ccusage again');
  const cc2 = await runCcusage(treeDir);
  log('tokenlake sync (incremental)');
  const tl2 = await runSync(treeDir, storeDir);
  const s2 = parseSyncLine(tl2);
  const lake2 = lakeTotalsFromFolder(storeDir);
  const problems2 = [
    ...compareDaily(expected2, lake2.daily, ALL_FIELDS).map((p) => `tokenlake lake ${p}`),
    ...ccusageProblems(cc2, expected2).problems,
  ];
  if (s2.read !== append.counts.lines) problems2.push(`incremental sync read ${s2.read} lines, ${append.counts.lines} were appended`);
  addCase({
    id: 'sync-incremental',
    title: `sync after appending 1 % more lines (${fmtInt(append.counts.lines)})`,
    tokenlake: side('tokenlake sync', tl2),
    peer: side('ccusage claude daily (reads everything)', cc2),
    ratioLabel: 'tokenlake wall / ccusage wall',
    ratio: tl2.wallMs / cc2.wallMs,
    target: '≤ 0.05',
    pass: tl2.wallMs / cc2.wallMs <= 0.05,
    problems: problems2,
    notes: [`incremental sync: ${s2.records} records in this pull (${s2.duplicates} duplicates), ${s2.read} lines read`],
  });

  // Report from the pre-computed analytics vs ccusage from scratch.
  if (only.has('report')) {
    log('tokenlake report --window 30d --by day --json');
    const rep = await runMeasured(
      NODE,
      tokenlakeArgs(null, join(ROOT, 'bin', 'tokenlake.mjs'), 'report', '--window', '30d', '--by', 'day', '--json'),
      {
        env: syncEnv(treeDir, storeDir),
      },
    );
    const problems: string[] = [];
    if (rep.code !== 0) problems.push(`report failed (exit ${rep.code}): ${rep.stderr.slice(-500)}`);
    else {
      // One row per local day with usage, keyed by the day.
      const report = JSON.parse(rep.stdout) as { rows: Array<Omit<AnalyticsDailyPoint, 'day'> & { key: string }> };
      const daily = report.rows.map(({ key, ...r }) => ({ ...r, day: key }));
      problems.push(...compareDaily(expected2, totalsFromAnalyticsDaily(daily), REPORT_FIELDS).map((p) => `report ${p}`));
    }
    addCase({
      id: 'report',
      title: 'report (30d by day) from the rollups vs ccusage from scratch',
      tokenlake: side('tokenlake report --window 30d --by day', rep),
      peer: side('ccusage claude daily', cc2),
      ratioLabel: 'ccusage wall / tokenlake wall (speed-up)',
      ratio: cc2.wallMs / rep.wallMs,
      target: '≥ 50×',
      pass: cc2.wallMs / rep.wallMs >= 50,
      problems,
    });
  }

  if (only.has('sync')) for (const extra of scale.logs.extra) await extraTreeCases(extra.messages, extra.nothingNew);
  if (args.profile) await profileLogCases(tree);
  return { tree, bytes: c.bytes };
}

/** Another tree size: a first sync against ccusage, and (nothingNew) a second sync with nothing new. */
async function extraTreeCases(messages: number, nothingNew: boolean): Promise<void> {
  const treeDir = join(dataRoot, `claude-${messages}`);
  const storeDir = join(dataRoot, `store-${messages}`);
  rmSync(treeDir, { recursive: true, force: true });
  rmSync(storeDir, { recursive: true, force: true });
  const tree = generateLogTree({ dir: treeDir, messages, days: scale.logs.days, endDay: today, seed: 42 });
  const c = tree.counts;
  log(`logs: ${fmtInt(c.uniqueMessages)} unique messages, ${(c.bytes / 1e6).toFixed(0)} MB in ${c.files} files`);
  log('ccusage on the tree');
  const cc = await runCcusage(treeDir);
  log('tokenlake sync (first)');
  const tl = await runSync(treeDir, storeDir);
  const s1 = parseSyncLine(tl);
  const problems = [
    ...compareDaily(tree.expected, lakeTotalsFromFolder(storeDir).daily, ALL_FIELDS).map((p) => `tokenlake lake ${p}`),
    ...ccusageProblems(cc, tree.expected).problems,
  ];
  if (s1.records !== grandTotal(tree.expected).messages)
    problems.push(`sync wrote ${s1.records} records, expected ${grandTotal(tree.expected).messages}`);
  addCase({
    id: `sync-first-${messages}`,
    title: `first sync of ${fmtInt(c.uniqueMessages)} unique messages (${(c.bytes / 1e6).toFixed(0)} MB)`,
    tokenlake: side('tokenlake sync', tl, { rate: c.bytes / 1e6 / (tl.wallMs / 1000), rateUnit: 'MB/s' }),
    peer: side('ccusage claude daily', cc, { rate: c.bytes / 1e6 / (cc.wallMs / 1000), rateUnit: 'MB/s' }),
    ratioLabel: 'tokenlake wall / ccusage wall',
    ratio: tl.wallMs / cc.wallMs,
    target: '≤ 1.0',
    pass: tl.wallMs <= cc.wallMs,
    problems,
  });
  if (!nothingNew) return;
  log('tokenlake sync (nothing new)');
  const again = await runSync(treeDir, storeDir);
  const s2 = parseSyncLine(again);
  const idle: string[] = [];
  if (s2.records !== 0 || s2.read !== 0) idle.push(`a sync with nothing new read ${s2.read} lines and wrote ${s2.records} records`);
  addCase({
    id: `sync-nothing-new-${messages}`,
    title: `sync with nothing new, ${fmtInt(c.uniqueMessages)}-message tree, vs ccusage's whole run`,
    tokenlake: side('tokenlake sync (nothing new)', again),
    peer: side('ccusage claude daily (the whole tree)', cc),
    ratioLabel: 'tokenlake wall / ccusage wall',
    ratio: again.wallMs / cc.wallMs,
    target: '≤ 0.3',
    pass: again.wallMs / cc.wallMs <= 0.3,
    problems: idle,
  });
}

/** Re-runs the tokenlake side of missed log cases under --cpu-prof (the data is the appended tree). */
async function profileLogCases(tree: LogTree): Promise<void> {
  const treeDir = tree.dir;
  const missed = (id: string) => results.find((r) => r.id === id && r.pass === false);
  const firstMissed = missed('sync-first') ?? missed('sync-first-memory');
  if (firstMissed) {
    const store = join(dataRoot, 'store-profile');
    rmSync(store, { recursive: true, force: true });
    const dir = profileDirFor('sync-first');
    log('profiling the first sync (fresh store, same tree)');
    await runSync(treeDir, store, dir);
    attachProfile(
      results.find((r) => r.id === 'sync-first'),
      dir,
    );
    rmSync(store, { recursive: true, force: true });
  }
  if (missed('sync-incremental')) {
    // The same work as the incremental case: another 1 % appended (new messages, no partial lines).
    appendLogLines({ ...tree.plan, seed: tree.plan.seed + 10, partials: [] }, 0.01);
    log('profiling an incremental sync (another 1 % appended)');
    const dir = profileDirFor('sync-incremental');
    await runSync(treeDir, join(dataRoot, 'store'), dir);
    attachProfile(
      results.find((r) => r.id === 'sync-incremental'),
      dir,
    );
  }
  if (missed('report')) {
    const dir = profileDirFor('report');
    log('profiling the report');
    await runMeasured(NODE, tokenlakeArgs(dir, join(ROOT, 'bin', 'tokenlake.mjs'), 'report', '--window', '30d', '--by', 'day', '--json'), {
      env: syncEnv(treeDir, join(dataRoot, 'store')),
    });
    attachProfile(
      results.find((r) => r.id === 'report'),
      dir,
    );
  }
}

async function parseCase(treeDir: string): Promise<void> {
  const files = listJsonl(join(treeDir, 'projects'));
  log(`JSON.parse reference over up to ${scale.parseMb} MB of the same lines (one core)`);
  const m = await runMeasured(
    NODE,
    ['--import', 'tsx', childScript('json-parse'), '--max-mb', String(scale.parseMb), ...files.slice(0, 20_000)],
    {},
  );
  const r = lastJsonLine<{ bytes: number; lines: number; failed: number; parseMBps: number; splitAndParseMBps: number }>(m);
  addCase({
    id: 'json-parse',
    title: `JSON.parse of ${(r.bytes / 1e6).toFixed(0)} MB of the log lines, one core (physical reference)`,
    tokenlake: null,
    peer: { label: 'JSON.parse', wallMs: m.wallMs, peakRssMb: m.peakRssMb, cpuS: null, rate: r.parseMBps, rateUnit: 'MB/s' },
    ratioLabel: 'MB/s (parse only; split + decode + parse)',
    ratio: r.parseMBps,
    target: '—',
    pass: null,
    notes: [`split + decode + parse ${r.splitAndParseMBps.toFixed(0)} MB/s; ${r.lines} lines, ${r.failed} malformed`],
  });
}

function listJsonl(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSafe(d)) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.jsonl')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function readdirSafe(d: string): Dirent[] {
  try {
    return readdirSync(d, { withFileTypes: true });
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// The lake: full rebuild vs DuckDB, incremental analyze, API, export.

const LAKE_VERSION = 3;

async function lakeFor(): Promise<Lake> {
  const lakeDir = join(dataRoot, 'lake');
  const manifestFile = join(dataRoot, 'lake-manifest.json');
  const params = { version: LAKE_VERSION, endDay: today, ...scale.lake };
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { params: typeof params; lake: Lake };
    if (JSON.stringify(manifest.params) === JSON.stringify(params) && existsSync(join(lakeDir, BUCKET, 'lake'))) {
      // Reuse: drop everything but the generated lake objects (rollups, analytics, exports, new objects).
      for (const d of ['rollups', 'analytics', 'exports', 'state', 'quarantine'])
        rmSync(join(lakeDir, BUCKET, d), { recursive: true, force: true });
      for (const day of manifest.lake.days) {
        const dir = join(lakeDir, BUCKET, 'lake', 'usage', `dt=${day}`);
        for (const f of readdirSafe(dir)) if (f.name.includes('bench-new-object')) rmSync(join(dir, f.name), { force: true });
      }
      log(`reusing the generated lake (${fmtInt(manifest.lake.records)} records, ${(manifest.lake.bytes / 1e9).toFixed(2)} GB)`);
      return manifest.lake;
    }
  }
  rmSync(lakeDir, { recursive: true, force: true });
  log(`generating a lake of ${scale.lake.days} days × ${fmtInt(scale.lake.recordsPerDay)} records`);
  const t = performance.now();
  const lake = await generateLake({ dataDir: lakeDir, bucket: BUCKET, ...scale.lake, endDay: today, seed: 7 });
  log(
    `lake: ${lake.objects.length} objects, ${fmtInt(lake.records)} records, ${(lake.bytes / 1e9).toFixed(2)} GB in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  writeFileSync(manifestFile, JSON.stringify({ params, lake }));
  return lake;
}

interface AnalyzeOut {
  ms: number;
  rebuilt: number;
  lakeObjectsRead: number;
  records: number;
  daily: Record<string, Record<string, number>>;
}

async function lakeCases(): Promise<void> {
  if (!only.has('analyze') && !only.has('api') && !only.has('export')) return;
  const lake = await lakeFor();
  const served = await verifyLakeServed(lake, 3);
  if (served.length > 0) throw new Error(`the local store does not serve the generated lake as written: ${served.slice(0, 5).join('; ')}`);
  log('the local store lists and serves the generated objects as written (keys, ETags, sizes, bytes)');
  const lakeDir = lake.dataDir;
  let expected = lake.expected;

  if (only.has('analyze')) {
    log('tokenlake analyze: full rebuild (2 rollup threads)');
    const full = await runMeasured(NODE, ['--import', 'tsx', childScript('analyze-lake'), '--data-dir', lakeDir, '--threads', '2'], {});
    const fullOut = lastJsonLine<AnalyzeOut>(full);
    log('DuckDB: GROUP BY day, model (2 threads)');
    const glob = join(lakeDir, BUCKET, 'lake', 'usage', '*', '*.jsonl');
    const duck = await runMeasured(NODE, ['--import', 'tsx', childScript('duckdb-lake'), '--glob', glob, '--threads', '2'], {});
    const duckOut = lastJsonLine<{ ms: number; records: number; daily: DailyTotals }>(duck);
    const tlRate = lake.records / (fullOut.ms / 1000);
    const duckRate = duckOut.records / (duckOut.ms / 1000);
    addCase({
      id: 'analyze-full',
      title: `full rebuild of rollups + analytics, ${lake.days.length}-day lake of ${fmtInt(lake.records)} records (${(lake.bytes / 1e9).toFixed(2)} GB)`,
      tokenlake: side('analyze (force, all days, 2 rollup threads)', full, { workMs: fullOut.ms, rate: tlRate, rateUnit: 'records/s' }),
      peer: side('DuckDB read_json GROUP BY day, model', duck, { workMs: duckOut.ms, rate: duckRate, rateUnit: 'records/s' }),
      ratioLabel: 'tokenlake records/s ÷ DuckDB records/s',
      ratio: tlRate / duckRate,
      target: '≥ 0.4',
      pass: tlRate / duckRate >= 0.4,
      problems: [
        ...compareDaily(expected, fullOut.daily, REPORT_FIELDS).map((p) => `analyze ${p}`),
        ...compareDaily(expected, duckOut.daily, ALL_FIELDS).map((p) => `duckdb ${p}`),
      ],
    });

    // One new object (as one sync batch writes it) on the last day.
    const random = seededRandom(99);
    const added: DailyTotals = {};
    const records = Math.floor(scale.lake.recordsPerDay / scale.lake.objectsPerDay);
    const body = lakeObjectBody(random, today, records, 'claude-code', added);
    const file = join(dataRoot, 'new-object.jsonl');
    writeFileSync(file, body);
    const key = `lake/usage/dt=${today}/claude-code-bench-new-object.jsonl`;
    log(`tokenlake analyze: one new object (${fmtInt(records)} records) on ${today}`);
    const inc = await runMeasured(
      NODE,
      [
        '--import',
        'tsx',
        childScript('analyze-lake'),
        '--data-dir',
        lakeDir,
        '--mode',
        'incremental',
        '--new-object',
        file,
        '--new-key',
        key,
      ],
      {},
    );
    const incOut = lastJsonLine<AnalyzeOut>(inc);
    expected = mergeTotals(expected, added);
    addCase({
      id: 'analyze-incremental',
      title: 'analyze after one new object',
      tokenlake: side('analyze (one touched day)', inc, { workMs: incOut.ms }),
      peer: side('analyze full rebuild', full, { workMs: fullOut.ms }),
      ratioLabel: 'incremental ÷ full rebuild (analyze time)',
      ratio: incOut.ms / fullOut.ms,
      target: '≤ 0.02',
      pass: incOut.ms / fullOut.ms <= 0.02,
      problems: compareDaily(expected, incOut.daily, REPORT_FIELDS).map((p) => `incremental analyze ${p}`),
      notes: [`rebuilt ${incOut.rebuilt} day(s), read ${incOut.lakeObjectsRead} lake objects`],
    });
    if (args.profile) {
      // The full rebuild is profiled over the last tenth of the days: the same per-record path.
      const profileDays = String(Math.max(1, Math.round(lake.days.length / 10)));
      for (const [id, extra] of [
        ['analyze-full', ['--last-days', profileDays]],
        ['analyze-incremental', ['--mode', 'incremental', '--new-object', file, '--new-key', key.replace('.jsonl', '-2.jsonl')]],
      ] as const) {
        const c = results.find((r) => r.id === id);
        if (c?.pass !== false) continue;
        const dir = profileDirFor(id);
        log(`profiling ${id}${id === 'analyze-full' ? ` (last ${profileDays} days)` : ''}`);
        await runMeasured(
          NODE,
          ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', childScript('analyze-lake'), '--data-dir', lakeDir, ...extra],
          {},
        );
        attachProfile(c, dir);
      }
      // The profiling run put a second copy of the new object: remove it from the expected state.
      rmSync(join(lakeDir, BUCKET, 'lake', 'usage', `dt=${today}`, 'claude-code-bench-new-object-2.jsonl'), { force: true });
    }
  }

  if (only.has('api') || only.has('export')) await serveCases(lake, expected);
}

function startServer(
  lakeDir: string,
  profileDir: string | null,
): Promise<{ url: string; pid: number; stop: () => Promise<number | null> }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      NODE,
      [
        ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        '--import',
        'tsx',
        childScript('serve'),
        '--data-dir',
        lakeDir,
        '--api-key',
        API_KEY,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: undefined } },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && child.pid) {
        const { url } = JSON.parse(line) as { url: string };
        const pid = child.pid;
        resolvePromise({
          url,
          pid,
          stop: () =>
            new Promise((done) => {
              const hwm = vmHwmMb(pid);
              child.on('exit', () => done(hwm));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${err.slice(-1000)}`)));
  });
}

function vmHwmMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

interface CannonOut {
  requests: { average: number; total: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Median latency of a few requests one after another (no concurrency), in ms. */
async function sequentialLatencyMs(url: string, n = 3): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${API_KEY}` } });
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

async function cannon(url: string, seconds: number): Promise<{ m: Measured; out: CannonOut }> {
  const m = await runMeasured(
    NODE,
    [
      AUTOCANNON,
      '-c',
      String(scale.connections),
      '-d',
      String(seconds),
      '-t',
      '30',
      '-j',
      '-n',
      '-H',
      `authorization=Bearer ${API_KEY}`,
      url,
    ],
    {},
  );
  return { m, out: lastJsonLine<CannonOut>(m) };
}

async function serveCases(lake: Lake, expected: DailyTotals): Promise<void> {
  log('starting the local stack over the lake');
  const server = await startServer(lake.dataDir, null);
  let serverHwm: number | null = null;
  try {
    if (only.has('api')) {
      const first = await fetch(`${server.url}/v1/analytics`, { headers: { authorization: `Bearer ${API_KEY}` } });
      const problems: string[] = [];
      let analyticsBytes = 0;
      if (first.status !== 200) problems.push(`GET /v1/analytics answered ${first.status}`);
      else {
        const text = await first.text();
        analyticsBytes = Buffer.byteLength(text);
        const doc = JSON.parse(text) as { windows: { '90d': { daily: AnalyticsDailyPoint[] } } };
        problems.push(
          ...compareDaily(expected, totalsFromAnalyticsDaily(doc.windows['90d'].daily), REPORT_FIELDS).map((p) => `/v1/analytics ${p}`),
        );
      }
      const analyticsAlone = await sequentialLatencyMs(`${server.url}/v1/analytics`);
      log(`autocannon GET /v1/analytics, ${scale.connections} connections, ${scale.apiSeconds} s`);
      const a = await cannon(`${server.url}/v1/analytics`, scale.apiSeconds);
      if (a.out.non2xx > 0 || a.out.errors > 0) problems.push(`${a.out.non2xx} non-2xx answers, ${a.out.errors} errors`);
      addCase({
        id: 'api-analytics',
        title: `GET /v1/analytics (${(analyticsBytes / 1024).toFixed(0)} KiB), ${scale.connections} connections, ${scale.apiSeconds} s`,
        tokenlake: {
          label: 'local stack',
          wallMs: scale.apiSeconds * 1000,
          peakRssMb: null,
          cpuS: null,
          rate: a.out.requests.average,
          rateUnit: 'req/s',
          p99Ms: a.out.latency.p99,
        },
        peer: null,
        ratioLabel: 'req/s; p99 ms',
        ratio: a.out.requests.average,
        target: '≥ 5,000 req/s, p99 ≤ 20 ms',
        pass: a.out.requests.average >= 5000 && a.out.latency.p99 <= 20,
        problems,
        notes: [
          `p99 ${a.out.latency.p99} ms, mean ${a.out.latency.average} ms, ${a.out.requests.total} requests; one request alone ${analyticsAlone.toFixed(0)} ms`,
        ],
      });
      const probe = await fetch(`${server.url}/v1/summary?metric=cost&window=30d`, { headers: { authorization: `Bearer ${API_KEY}` } });
      const probeText = await probe.text();
      if (probe.status === 200) {
        const summaryProblems: string[] = [];
        let expectedCost = 0;
        for (const [day, t] of Object.entries(expected)) if (day >= addDays(today, -29)) expectedCost += t.cost_usd;
        const total = (JSON.parse(probeText) as { total: number }).total;
        if (Math.abs(total - expectedCost) >= 0.005) summaryProblems.push(`/v1/summary 30d cost ${total}, expected ${expectedCost}`);
        const summaryAlone = await sequentialLatencyMs(`${server.url}/v1/summary?metric=cost&window=30d`);
        log(`autocannon GET /v1/summary?metric=cost&window=30d`);
        const s = await cannon(`${server.url}/v1/summary?metric=cost&window=30d`, scale.apiSeconds);
        addCase({
          id: 'api-summary',
          title: `GET /v1/summary?metric=cost&window=30d, ${scale.connections} connections, ${scale.apiSeconds} s`,
          tokenlake: {
            label: 'local stack',
            wallMs: scale.apiSeconds * 1000,
            peakRssMb: null,
            cpuS: null,
            rate: s.out.requests.average,
            rateUnit: 'req/s',
            p99Ms: s.out.latency.p99,
          },
          peer: null,
          ratioLabel: 'req/s; p99 ms',
          ratio: s.out.requests.average,
          target: '— (measured)',
          pass: null,
          problems: [...summaryProblems, ...(s.out.non2xx > 0 ? [`${s.out.non2xx} non-2xx answers`] : [])],
          notes: [
            `${s.out.requests.total} requests completed in ${scale.apiSeconds} s (${s.out.errors} errors, ${s.out.timeouts} timeouts); ` +
              `p99 ${s.out.latency.p99} ms, mean ${s.out.latency.average} ms; one request alone ${summaryAlone.toFixed(0)} ms`,
          ],
        });
      } else {
        addCase({
          id: 'api-summary',
          title: 'GET /v1/summary',
          tokenlake: null,
          peer: null,
          ratioLabel: 'not available',
          ratio: null,
          target: '—',
          pass: null,
          notes: [`answered ${probe.status}`],
        });
      }
    }
    // The API's peak memory, read before the exports (which hold a whole period in memory).
    const apiHwm = vmHwmMb(server.pid);
    for (const r of results) if (r.id.startsWith('api-') && r.tokenlake) r.tokenlake.peakRssMb = apiHwm;
    if (only.has('export')) await exportCases(server.url, lake, expected);
  } finally {
    serverHwm = await server.stop();
    log(`local stack stopped (peak RSS ${fmtMb(serverHwm)})`);
  }
  for (const r of results) if (r.id.startsWith('export-') && r.tokenlake) r.tokenlake.peakRssMb = serverHwm;

  if (args.profile && only.has('api') && results.find((r) => r.id === 'api-analytics')?.pass === false) {
    const dir = profileDirFor('api-analytics');
    log('profiling the API under load');
    const s = await startServer(lake.dataDir, dir);
    await cannon(`${s.url}/v1/analytics`, Math.min(5, scale.apiSeconds));
    await s.stop();
    attachProfile(
      results.find((r) => r.id === 'api-analytics'),
      dir,
    );
  }
  const exportMissed = results.find((r) => r.id.startsWith('export-') && r.pass === false);
  if (args.profile && only.has('export') && exportMissed) {
    // One export of the same period in a fresh server under --cpu-prof (the format that missed first).
    const dir = profileDirFor(exportMissed.id);
    const format = exportMissed.id.slice('export-'.length);
    const to = addDays(today, -1);
    log(`profiling one ${format} export`);
    const s = await startServer(lake.dataDir, dir);
    // A large export answers 303 to its download URL, which fetch follows (without the key).
    const res = await fetch(`${s.url}/v1/export?format=${format}&from=${addDays(to, -(scale.exportDays - 1))}&to=${to}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
      signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    await s.stop();
    rmSync(join(lake.dataDir, BUCKET, 'exports'), { recursive: true, force: true });
    attachProfile(exportMissed, dir);
  }
}

async function exportCases(url: string, lake: Lake, expected: DailyTotals): Promise<void> {
  const probe = await fetch(`${url}/v1/export?format=ndjson&from=${today}&to=${today}&fields=id`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  await probe.arrayBuffer();
  if (probe.status === 404) {
    addCase({
      id: 'export',
      title: 'export',
      tokenlake: null,
      peer: null,
      ratioLabel: 'not available',
      ratio: null,
      target: '≥ 0.5',
      pass: null,
      notes: ['GET /v1/export answered 404'],
    });
    return;
  }
  // Whole days before the last one (the incremental case added an object there).
  const to = addDays(today, -1);
  const from = addDays(to, -(scale.exportDays - 1));
  let rowsExpected = 0;
  for (const [day, t] of Object.entries(expected)) if (day >= from && day <= to) rowsExpected += t.messages;
  const outDir = join(dataRoot, 'export-out');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const glob = join(lake.dataDir, BUCKET, 'lake', 'usage', '*', '*.jsonl');
  for (const format of ['ndjson', 'csv', 'parquet'] as const) {
    log(`export ${format} ${from}..${to} (${fmtInt(rowsExpected)} records) through the API`);
    const problems: string[] = [];
    const t0 = performance.now();
    let bytes = 0;
    let rows = -1;
    let counted = -1;
    try {
      const res = await fetch(`${url}/v1/export?format=${format}&from=${from}&to=${to}`, {
        headers: { authorization: `Bearer ${API_KEY}` },
        signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
        // A large export answers 303 See Other to its download URL: followed here, to read x-row-count first.
        redirect: 'manual',
      });
      let body = Buffer.from(await res.arrayBuffer());
      rows = Number(res.headers.get('x-row-count') ?? -1);
      const location = res.headers.get('location');
      if (res.status === 303 && location) {
        const dl = await fetch(location, { signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS) });
        body = Buffer.from(await dl.arrayBuffer());
        if (dl.status !== 200) problems.push(`export download answered ${dl.status}`);
      } else if (res.status !== 200) problems.push(`export answered ${res.status}: ${body.toString('utf8').slice(0, 300)}`);
      bytes = body.byteLength;
      if (format === 'ndjson') counted = countLines(body);
      if (format === 'csv') counted = countLines(body) - 1;
      if (format === 'parquet' && body.subarray(0, 4).toString() !== 'PAR1') problems.push('parquet body does not start with PAR1');
    } catch (error) {
      problems.push(`export failed: ${(error as Error).message}`);
    }
    const ms = performance.now() - t0;
    if (rows !== rowsExpected) problems.push(`export reported ${rows} rows, expected ${rowsExpected}`);
    if (counted !== -1 && counted !== rowsExpected) problems.push(`export body has ${counted} rows, expected ${rowsExpected}`);
    const duck = await runMeasured(
      NODE,
      [
        '--import',
        'tsx',
        childScript('duckdb-lake'),
        '--glob',
        glob,
        '--copy',
        format,
        '--out',
        join(outDir, `duck.${format}`),
        '--from',
        from,
        '--to',
        to,
      ],
      {},
    );
    const duckOut = lastJsonLine<{ ms: number; rows: number }>(duck);
    if (duckOut.rows !== rowsExpected) problems.push(`DuckDB copied ${duckOut.rows} rows, expected ${rowsExpected}`);
    const tlRate = rowsExpected / (ms / 1000);
    const duckRate = duckOut.rows / (duckOut.ms / 1000);
    addCase({
      id: `export-${format}`,
      title: `export ${fmtInt(rowsExpected)} records as ${format} (${(bytes / 1e6).toFixed(0)} MB)`,
      tokenlake: { label: 'GET /v1/export', wallMs: ms, peakRssMb: null, cpuS: null, rate: tlRate, rateUnit: 'rows/s' },
      peer: side(`DuckDB COPY TO ${format}`, duck, { workMs: duckOut.ms, rate: duckRate, rateUnit: 'rows/s' }),
      ratioLabel: 'tokenlake rows/s ÷ DuckDB rows/s',
      ratio: tlRate / duckRate,
      target: '≥ 0.4',
      pass: tlRate / duckRate >= 0.4,
      problems,
    });
  }
  rmSync(outDir, { recursive: true, force: true });
  rmSync(join(lake.dataDir, BUCKET, 'exports'), { recursive: true, force: true });
}

function countLines(b: Buffer): number {
  let n = 0;
  let at = b.indexOf(0x0a);
  while (at !== -1) {
    n++;
    at = b.indexOf(0x0a, at + 1);
  }
  if (b.length > 0 && b[b.length - 1] !== 0x0a) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Output.

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}
function fmtMb(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : `${n.toFixed(0)} MB`;
}
function fmtSide(s: Side | null): string {
  if (!s) return '—';
  const parts: string[] = [];
  if (s.rateUnit === 'req/s') parts.push(`${fmtInt(Math.round(s.rate ?? 0))} req/s, p99 ${s.p99Ms} ms`);
  else {
    parts.push(`${(s.wallMs / 1000).toFixed(2)} s`);
    if (s.workMs !== undefined) parts.push(`work ${(s.workMs / 1000).toFixed(2)} s`);
    if (s.rate !== undefined) parts.push(`${fmtInt(Math.round(s.rate))} ${s.rateUnit}`);
  }
  if (s.peakRssMb !== null) parts.push(`peak ${fmtMb(s.peakRssMb)}`);
  return parts.join(', ');
}

function table(): string {
  const rows = [
    '| case | tokenlake | peer | ratio | target | result | totals |',
    '|---|---|---|---|---|---|---|',
    ...results.map((c) => {
      const ratio =
        c.ratio === null
          ? 'n/a'
          : c.ratioLabel.startsWith('req/s') || c.id === 'json-parse' || c.ratioLabel.includes(' MB')
            ? fmtInt(Math.round(c.ratio))
            : c.ratio.toPrecision(3);
      return `| ${c.title} | ${fmtSide(c.tokenlake)} | ${fmtSide(c.peer)} | ${c.ratioLabel}: **${ratio}** | ${c.target} | ${verdict(c) === 'MISS' ? '**MISS**' : verdict(c)} | ${c.correct ? 'equal' : `**${c.problems.length} differences**`} |`;
    }),
  ];
  return rows.join('\n');
}

/** The commit measured, and whether lib/, local/ or cli/ had uncommitted changes (read-only git). */
function codeVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'local', 'cli', 'functions'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

const codeAtStart = codeVersion();

function machine() {
  return {
    code: codeAtStart,
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    ccusage: JSON.parse(readFileSync(join(ROOT, 'node_modules', 'ccusage', 'package.json'), 'utf8')).version as string,
    duckdb: JSON.parse(readFileSync(join(ROOT, 'node_modules', '@duckdb', 'node-api', 'package.json'), 'utf8')).version as string,
    loadavg_at_start: loadAtStart,
    loadavg_at_end: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function writeBenchmarksMd(markdown: string): void {
  const file = join(ROOT, 'BENCHMARKS.md');
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${start}\n${end}\n`;
  const a = current.indexOf(start);
  const b = current.indexOf(end);
  const next =
    a >= 0 && b > a
      ? `${current.slice(0, a + start.length)}\n${markdown}\n${current.slice(b)}`
      : `${current}\n${start}\n${markdown}\n${end}\n`;
  writeFileSync(file, next);
}

// ---------------------------------------------------------------------------------------------

const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
mkdirSync(dataRoot, { recursive: true });
// The CLI runs from its bundle (as after npm install); a stale one would fall back to tsx.
execFileSync(NODE, [join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, stdio: 'inherit' });
log(`scale ${scaleName}; cases: ${[...only].join(', ')}; ${availableParallelism()} cores, load ${loadAtStart.join(' ')}`);
const logsInfo = await logCases();
await lakeCases();

const m = machine();
const totalS = (performance.now() - started) / 1000;
const md = [
  `Run: \`npm run bench -- --scale ${scaleName}${args.profile ? ' --profile' : ''}\` on ${new Date().toISOString().slice(0, 16)}Z, ${totalS.toFixed(0)} s in all.`,
  `Machine: ${m.nproc} cores (${m.cpu}), ${m.memory_gb} GB RAM, Node ${m.node}, ccusage ${m.ccusage}, DuckDB node-api ${m.duckdb}; ` +
    `load average ${m.loadavg_at_start.join(' / ')} at start, ${m.loadavg_at_end.join(' / ')} at end (other jobs share the cores). Code: ${m.code}.`,
  '',
  table(),
].join('\n');
process.stdout.write(`\n${md}\n\n`);
for (const c of results) {
  for (const n of c.notes) process.stdout.write(`- ${c.id}: ${n}\n`);
  if (c.profile) {
    process.stdout.write(
      `- ${c.id} profile (${c.profile.totalMs} ms CPU): ${c.profile.places
        .slice(0, 6)
        .map((p) => `${p.name} ${(p.share * 100).toFixed(0)}%`)
        .join(', ')}\n`,
    );
    process.stdout.write(
      `  top functions: ${c.profile.functions
        .slice(0, 8)
        .map((p) => `${p.name} ${(p.share * 100).toFixed(0)}%`)
        .join('; ')}\n`,
    );
  }
}
const out = {
  scale: scaleName,
  sizes: { ...scale, log_bytes: logsInfo?.bytes ?? null, log_counts: logsInfo?.tree.counts ?? null },
  machine: m,
  total_seconds: totalS,
  cases: results,
};
const resultsFile = join(ROOT, 'bench', scaleName === 'full' ? 'results.json' : 'results-small.json');
writeFileSync(resultsFile, `${JSON.stringify(out, null, 2)}\n`);
try {
  // In the repository's JSON style, so `npm run lint` stays clean when the file is committed.
  execFileSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', resultsFile], { cwd: ROOT, stdio: 'ignore' });
} catch {
  // Formatting is cosmetic; the results are written either way.
}
if (scaleName === 'full') writeBenchmarksMd(md);
const wrong = results.filter((r) => !r.correct);
if (wrong.length > 0) {
  process.stdout.write(`\n${wrong.length} case(s) gave totals that differ from the generator's: ${wrong.map((w) => w.id).join(', ')}\n`);
  process.exitCode = 1;
}
