#!/usr/bin/env node

// Bundles the CLI (cli/main.ts and everything it imports from lib/, local/, functions/) into one
// ESM file, so `tokenlake` starts without compiling TypeScript on every run (tsx stays the
// fallback while the bundle is missing or older than a source). Runs on `npm install` (prepare).

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  // quick-report answers `tokenlake report` from the local analytics.json without the full CLI.
  entryPoints: [join(root, 'cli', 'main.ts'), join(root, 'cli', 'quick-report.ts')],
  outdir: join(root, 'dist-cli'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Dependencies load from node_modules as they are (s3rver and the AWS SDK are large and CJS).
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
