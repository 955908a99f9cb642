#!/usr/bin/env node
// Bundles each Lambda handler on its own: functions/<name>.ts → dist/<name>/index.mjs (ESM, Node 22,
// minified, with a source map), the same esbuild settings serverless.ts gives serverless-esbuild (infra/serverless/provider.ts).
// A handler is any functions/*.ts that exports `handler` (functions/runtime.ts is shared wiring).
// Prints each bundle's size. `npm run build`; `npm run package` builds its own copies for the zips.
//
// Usage: node scripts/build.mjs [--quiet]

import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { quiet: { type: 'boolean', default: false } } });

/** ESM bundles have no `require`; CommonJS code inside (parts of the AWS SDK) needs one. */
const banner =
  "import { createRequire as __tokenlakeCreateRequire } from 'node:module'; const require = __tokenlakeCreateRequire(import.meta.url);";

async function handlerNames() {
  const names = [];
  for (const file of (await readdir(join(root, 'functions'))).sort()) {
    if (!file.endsWith('.ts')) continue;
    const source = await readFile(join(root, 'functions', file), 'utf8');
    if (/^export const handler\b/m.test(source)) names.push(file.slice(0, -'.ts'.length));
  }
  return names;
}

function formatBytes(n) {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

const names = await handlerNames();
if (names.length === 0) throw new Error('no handler found in functions/');
await rm(join(root, 'dist'), { recursive: true, force: true });
const rows = [];
for (const name of names) {
  const outfile = join(root, 'dist', name, 'index.mjs');
  await build({
    entryPoints: [join(root, 'functions', `${name}.ts`)],
    absWorkingDir: root,
    outfile,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: banner },
    legalComments: 'none',
    logLevel: 'warning',
  });
  rows.push({ name, code: (await stat(outfile)).size, map: (await stat(`${outfile}.map`)).size });
}
if (!values.quiet) {
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows)
    console.log(`dist/${r.name}/index.mjs`.padEnd(width + 16), formatBytes(r.code).padStart(10), `  (map ${formatBytes(r.map)})`);
}
