// What every `tokenlake` start loads: the CLI bundled as scripts/build-cli.mjs bundles it, then the
// chunks the main output reaches through static imports (what Node loads before the first dynamic
// import()). Zod (~450 KB minified, ~40 ms to compile and run) must stay out of it: commands that
// validate load it with their own modules, and `--help` or a sync with nothing new never do.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The output files a start loads: the entry output and, transitively, its static imports. */
function staticClosure(metafile: Metafile, entry: string): string[] {
  const outputs = metafile.outputs;
  const main = Object.keys(outputs).find((path) => outputs[path]?.entryPoint === entry);
  if (main === undefined) throw new Error(`no output for ${entry}`);
  const seen = new Set<string>();
  const pending = [main];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      // 'dynamic-import' chunks load when a command asks for them; external node: built-ins have no output.
      if (imported.kind === 'import-statement' && imported.path in outputs) pending.push(imported.path);
    }
  }
  return [...seen];
}

describe('the CLI start graph', () => {
  let outdir: string;
  let metafile: Metafile;
  let loaded: string[];

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'tokenlake-start-graph-'));
    // The options of scripts/build-cli.mjs that shape the chunks (minifying and banners do not).
    const result = await build({
      absWorkingDir: root,
      entryPoints: [join(root, 'cli', 'main.ts')],
      outdir,
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    metafile = result.metafile;
    loaded = staticClosure(metafile, 'cli/main.ts').flatMap((path) => Object.keys(metafile.outputs[path]?.inputs ?? {}));
  });

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('is followed from cli/main.ts through its static imports', () => {
    expect(loaded).toContain('cli/main.ts');
    expect(loaded).toContain('lib/config/config.ts');
    expect(loaded).not.toContain('lib/pipeline/sync.ts');
  });

  it('holds nothing from zod', () => {
    // Inputs are relative to the checkout; node_modules may be a symlink resolved elsewhere.
    const isZod = (input: string) => /(^|\/)node_modules\/zod\//.test(input);
    // Our modules that bring it in, named first: they are what to fix.
    const importers = loaded.filter((input) => !isZod(input) && metafile.inputs[input]?.imports.some((i) => isZod(i.path)));
    expect(importers).toEqual([]);
    expect(loaded.filter(isZod)).toEqual([]);
  });
});
