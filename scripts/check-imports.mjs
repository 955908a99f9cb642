#!/usr/bin/env node
// The import graph as lint sees it (`npm run lint:imports`): no circle between files, and no import
// that runs back up the data flow. The folders are layers, lowest first: lib/'s concepts in the
// order data flows through them, then the entry points (the Lambda handlers, the local stack that
// runs those handlers unchanged, the CLI that starts it; web/ reads lib/'s contracts as types). A
// file may import from its own folder and from the layers below it, never from one above.
// Type-only imports count too: a circle of types is still a circle a reader has to hold in mind.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * From the ground up; each may use only those before it and itself (a folder's subfolders, e.g.
 * lib/usage/pricing/, belong to it). Folders in one entry are peers: between them only the
 * file-level circle check applies.
 */
const LAYERS = [
  ['lib/core'],
  ['lib/store'],
  ['lib/usage'],
  ['lib/config'],
  ['lib/events'],
  ['lib/sources'],
  ['lib/export'],
  ['lib/analytics'],
  ['lib/statusline'],
  ['lib/pipeline'],
  ['lib/otlp'],
  ['lib/api'],
  ['functions', 'web'],
  ['local'],
  ['cli'],
];
const layerOf = (folder) => LAYERS.findIndex((peers) => peers.includes(folder));

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.generated.ts')) yield path;
  }
}

// Static imports and re-exports, `import type` included; dynamic import() too (a lazy import is
// still a dependency). Specifiers inside template strings (worker scripts) are not imports.
const IMPORT =
  /^\s*(?:import|export)\s[^'"`;]*?from\s*['"](\.[^'"]+)['"]|^\s*import\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/gm;

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const found = new Set();
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    found.add(resolve(dirname(file), spec));
  }
  return [...found];
}

/** `lib/<concept>` for a file in lib/, else its top folder; a file loose in lib/ has no layer. */
const folderOf = (file) => {
  const rel = relative(root, file).split('/');
  return rel[0] === 'lib' ? (rel.length > 2 ? `lib/${rel[1]}` : 'lib') : rel[0];
};

function graph() {
  const files = [
    ...sourceFiles(join(root, 'lib')),
    ...['functions', 'cli', 'local', 'web'].flatMap((d) => [...sourceFiles(join(root, d))]),
  ];
  return new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(root))]));
}

/** Strongly connected components of more than one file (Tarjan). */
function circles(edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc);
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

function backUp(edges) {
  const wrong = [];
  for (const [from, targets] of edges) {
    const a = folderOf(from);
    for (const to of targets) {
      const b = folderOf(to);
      if (a === b) continue;
      const la = layerOf(a);
      const lb = layerOf(b);
      if (la < 0) wrong.push([from, to, `${a}/ is no layer: give it a folder`]);
      else if (lb < 0) wrong.push([from, to, `${b}/ is no layer`]);
      else if (lb > la) wrong.push([from, to, `${a}/ sits below ${b}/`]);
    }
  }
  return wrong;
}

const edges = graph();
const loops = circles(edges);
const wrong = backUp(edges);
const rel = (f) => relative(root, f);
for (const loop of loops) console.error(`circle: ${loop.map(rel).sort().join(' ⇄ ')}`);
for (const [from, to, why] of wrong) console.error(`runs back up: ${rel(from)} → ${rel(to)} (${why})`);
if (loops.length > 0 || wrong.length > 0) {
  console.error(
    `${loops.length} circle(s), ${wrong.length} import(s) running back up; layers, lowest first: ${LAYERS.map((p) => p.join(' + ')).join(' → ')}`,
  );
  process.exit(1);
}
console.log(
  `imports: ${[...edges.values()].reduce((n, t) => n + t.length, 0)} edges over ${edges.size} files, no circle, none running back up (layers: ${LAYERS.map((p) => p.join(' + ')).join(' → ')})`,
);
