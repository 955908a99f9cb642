#!/usr/bin/env node

// Dead exports: lists every `export` in lib/, functions/, local/ and cli/ that no other file of the
// repo imports by name, and exits 1 when it finds one. An export only its own file uses should not
// be exported; one nobody uses should go. Parsed with the TypeScript compiler already in
// devDependencies (no new tool): static imports and re-exports name what they take; a namespace
// import or `export *` takes everything; a dynamic import() takes every export whose name appears
// in the importing file (commands destructure what they load, so that is what they use).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where exports are checked. */
const CHECKED = ['lib', 'functions', 'local', 'cli'];
/** Where imports are looked for: the checked folders and everything else that may use them. */
const CONSUMERS = [...CHECKED, 'web', 'tests', 'bench', 'scripts', 'infra', 'bin', 'serverless.ts', 'vitest.config.ts'];
const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;

/**
 * Entry points: names the runtime looks up, not an import. Lambda calls each function's `handler`
 * (infra/serverless/functions.ts names them as strings). Worker scripts, started by path, export
 * nothing, so they need no entry here.
 */
const ALLOWED = [{ file: /^functions\/[^/]+\.ts$/, name: 'handler' }];

function walk(path, out) {
  if (!existsSync(path)) return out;
  if (statSync(path).isFile()) {
    if (SOURCE.test(path) && !path.endsWith('.d.ts')) out.push(path);
    return out;
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'dist' || entry.name === 'dist-cli') continue;
    walk(join(path, entry.name), out);
  }
  return out;
}

const parsed = new Map();
function parse(file) {
  let sf = parsed.get(file);
  if (!sf) {
    sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    parsed.set(file, sf);
  }
  return sf;
}

/** A relative specifier as the file it names (`.js` written for `.ts` included), or null. */
function resolveSpecifier(from, specifier) {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    `${base}.ts`,
    `${base}.tsx`,
    join(base, 'index.ts'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

const hasExport = (node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
const hasDefault = (node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);

/** The names a file exports, with their line. */
function exportsOf(file) {
  const sf = parse(file);
  const names = new Map();
  const add = (name, node) => names.set(name, sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1);
  for (const node of sf.statements) {
    if (ts.isExportDeclaration(node)) {
      if (node.exportClause && ts.isNamedExports(node.exportClause)) for (const e of node.exportClause.elements) add(e.name.text, e);
      continue;
    }
    if (ts.isExportAssignment(node)) {
      add('default', node);
      continue;
    }
    if (!hasExport(node)) continue;
    if (hasDefault(node)) add('default', node);
    else if (ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) if (ts.isIdentifier(d.name)) add(d.name.text, d);
    } else if (node.name && ts.isIdentifier(node.name)) add(node.name.text, node);
  }
  return names;
}

/** file → names other files take from it ('*' = all of them). */
const used = new Map();
const use = (file, name) => {
  if (!used.has(file)) used.set(file, new Set());
  used.get(file).add(name);
};

function collectUses(file) {
  const sf = parse(file);
  const identifiers = new Set();
  const dynamicTargets = [];
  const visit = (node) => {
    if (ts.isIdentifier(node)) identifiers.add(node.text);
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const target = resolveSpecifier(file, node.moduleSpecifier.text);
      if (target && target !== file) {
        if (ts.isImportDeclaration(node)) {
          const clause = node.importClause;
          if (clause?.name) use(target, 'default');
          const bindings = clause?.namedBindings;
          if (bindings && ts.isNamespaceImport(bindings)) use(target, '*');
          if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) use(target, (e.propertyName ?? e.name).text);
        } else if (!node.exportClause || ts.isNamespaceExport(node.exportClause)) use(target, '*');
        else for (const e of node.exportClause.elements) use(target, (e.propertyName ?? e.name).text);
      }
    }
    // import('./x.ts'), vi.mock('./x.ts', …) and vi.importActual('./x.ts'): by the names in the file.
    if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isMock = ts.isPropertyAccessExpression(node.expression) && /^(mock|doMock|importActual)$/.test(node.expression.name.text);
      if (isImport || isMock) {
        const target = resolveSpecifier(file, node.arguments[0].text);
        if (target && target !== file) dynamicTargets.push(target);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  for (const target of dynamicTargets) for (const name of exportsOf(target).keys()) if (identifiers.has(name)) use(target, name);
}

const consumers = CONSUMERS.flatMap((p) => walk(join(root, p), []));
for (const file of consumers) collectUses(file);

const dead = [];
for (const file of CHECKED.flatMap((p) => walk(join(root, p), []))) {
  if (!/\.tsx?$/.test(file)) continue;
  const rel = relative(root, file);
  const taken = used.get(file) ?? new Set();
  if (taken.has('*')) continue;
  for (const [name, line] of exportsOf(file)) {
    if (taken.has(name)) continue;
    if (ALLOWED.some((a) => a.file.test(rel) && a.name === name)) continue;
    dead.push(`${rel}:${line}  ${name}`);
  }
}

if (dead.length > 0) {
  process.stderr.write(`${dead.length} export(s) no other file imports (remove them, or drop \`export\` if the file uses them):\n`);
  for (const line of dead) process.stderr.write(`  ${line}\n`);
  process.exit(1);
}
process.stdout.write('check-exports: every export is imported somewhere\n');
