// Mutations of a contract document for property tests that hold a hand-written fast check to its
// zod schema: every path is read off the document itself (every key, nested objects and array
// items too), so a field added to the contract is mutated without touching the test.

import fc from 'fast-check';

export type Path = ReadonlyArray<string | number>;

/** Every path in a JSON value: each object key and array index, at every depth (not the root). */
export function allPaths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...allPaths(child, [...prefix, key])]);
}

/** One change to a document: a path set to a value, or a path deleted. */
export type Mutation = { path: Path; set: unknown } | { path: Path; delete: true };

/** Mutations over the document's own paths (plus an unknown key beside each), with the given values. */
export function mutation(doc: unknown, values: fc.Arbitrary<unknown>): fc.Arbitrary<Mutation> {
  const paths = allPaths(doc);
  const extra = paths.map((p) => [...p.slice(0, -1), 'extra_key']);
  const path = fc.constantFrom(...paths, ...extra);
  return fc.oneof(fc.record({ path, set: values }), fc.record({ path: fc.constantFrom(...paths), delete: fc.constant(true as const) }));
}

/** A deep copy of the document with the mutations applied (a path whose parent is gone is skipped). */
export function applyMutations<T>(doc: T, mutations: readonly Mutation[]): T {
  const out = structuredClone(doc);
  for (const m of mutations) {
    let target: unknown = out;
    for (const key of m.path.slice(0, -1))
      target = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[key] : undefined;
    if (typeof target !== 'object' || target === null) continue;
    const last = m.path[m.path.length - 1]!;
    if ('delete' in m) {
      if (Array.isArray(target) && typeof last === 'number') target.splice(last, 1);
      else delete (target as Record<string | number, unknown>)[last];
    }
    // A copy: fast-check marks the values it generates with symbol keys, which zod does not copy.
    else (target as Record<string | number, unknown>)[last] = structuredClone(m.set);
  }
  return out;
}
