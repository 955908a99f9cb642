#!/usr/bin/env node
// Launcher: runs the CLI from the bundle built at install (dist-cli/: one file with its
// dependencies, so a start resolves nothing in node_modules), or through tsx when a source is newer.
import v8 from 'node:v8';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// A larger young generation cuts the scavenger's share when a sync parses millions of lines
// (measured: 1 M parsed lines kept in a Map, 3.7 s → 2.4 s). Settable at run time.
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) v8.setFlagsFromString('--max-semi-space-size=32');
// V8 lets the old generation grow to up to 4× what survived the last full GC before collecting it
// again; a sync drops tens of MB of round buffers per round, so the heap swelled with garbage. A
// 1.5× step collects it sooner without capping the heap (measured on a 1M-message first sync:
// peak RSS 1.13–1.34 GB → 0.78–0.80 GB, wall time about 35 s → 37 s; a 1.2× step saved 50 MB
// more for 3–4 s more). Settable at run time.
if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent'))) v8.setFlagsFromString('--heap-growing-percent=50');

/** Newest modification time of the TypeScript sources the bundle is built from. */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['cli', 'lib', 'local', 'functions']) walk(join(root, dir));
  return newest;
}

/**
 * The bundle built at install (fast start), unless a source changed since; else tsx. Either way,
 * where the worker threads' scripts are (Claude Code parser, day rollups): a thread does not inherit tsx's loader.
 */
async function loadCli() {
  if (bundleIsFresh('main.mjs')) {
    const cli = await import(join(root, 'dist-cli', 'main.mjs'));
    const script = (name) => ({ script: pathToFileURL(join(root, 'dist-cli', name)) });
    return { cli, parserThreads: script('claude-code-parser.mjs'), rollupThreads: script('rollup-builder.mjs') };
  }
  const { register } = await import('tsx/esm/api');
  register();
  const cli = await import('../cli/main.ts');
  const { sourceParserThreads } = await import('../lib/sources/claude-code/parsers.ts');
  const { sourceRollupThreads } = await import('../lib/pipeline/rollup-threads.ts');
  return { cli, parserThreads: sourceParserThreads(), rollupThreads: sourceRollupThreads() };
}

/**
 * The bundle is used only while it is at least as new as every source — checked in a checkout
 * (where sources change); an installed package's bundle is its sources.
 */
function bundleIsFresh(name) {
  try {
    const built = statSync(join(root, 'dist-cli', name)).mtimeMs;
    return !existsSync(join(root, '.git')) || built >= newestSource();
  } catch {
    return false;
  }
}

// `report` from a current local analytics.json needs no runtime, so it skips the full CLI.
if (process.argv[2] === 'report' && !process.env.TOKENLAKE_NO_QUICK_REPORT && bundleIsFresh('quick-report.mjs')) {
  const { quickReport } = await import(join(root, 'dist-cli', 'quick-report.mjs'));
  const out = await quickReport(process.argv.slice(3), process.env, new Date());
  if (out !== null) {
    process.stdout.write(out);
    process.exit(0);
  }
}

// The status line runs after every Claude Code message: its own small bundle (no zod, no runtime),
// checked against its own three sources only (walking every source costs ~20 ms of its 50).
const statusline =
  process.argv[2] === 'statusline' &&
  process.argv.length === 3 &&
  ['cli/statusline.ts', 'lib/statusline/statusline.ts', 'lib/config/cache-dir.ts'].every((f) => {
    try {
      return statSync(join(root, 'dist-cli', 'statusline.mjs')).mtimeMs >= statSync(join(root, f)).mtimeMs;
    } catch {
      return false;
    }
  });
// A reader that goes away early (`tokenlake report --json | head`) closes our stdout: that is the
// reader's choice, not a failure worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error?.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

if (statusline) {
  const { runStatusline } = await import(join(root, 'dist-cli', 'statusline.mjs'));
  process.exitCode = await runStatusline({ env: process.env, stdin: process.stdin, stdout: (t) => process.stdout.write(t), now: Date.now });
}

// The AWS SDK (loaded only for S3 and push) warns on every start that it will need Node 22 from
// 2027; tokenlake deploys on nodejs22.x and says so in the README, so the notice is dropped here.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};
if (!statusline) {
  const { cli, parserThreads, rollupThreads } = await loadCli();
  process.exitCode = await cli.main(process.argv.slice(2), { parserThreads, rollupThreads });
}
