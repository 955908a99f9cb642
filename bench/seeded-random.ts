// A small seeded PRNG (mulberry32) so every generated file is byte-identical for a seed, plus the
// id shapes Claude Code and the lake use. Not for anything secret.

export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: [[item, weight], …]. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T;
  hex(chars: number): string;
  base62(chars: number): string;
  uuid(): string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const word = (): string => ((next() * 4294967296) >>> 0).toString(16).padStart(8, '0');
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    weighted(items) {
      let total = 0;
      for (const [, w] of items) total += w;
      let x = next() * total;
      for (const [item, w] of items) {
        x -= w;
        if (x < 0) return item;
      }
      return items[items.length - 1]![0];
    },
    hex(chars) {
      let out = '';
      while (out.length < chars) out += word();
      return out.slice(0, chars);
    },
    base62(chars) {
      let out = '';
      for (let i = 0; i < chars; i++) out += BASE62[Math.floor(next() * 62)];
      return out;
    },
    uuid() {
      const h = word() + word() + word() + word();
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}

/** A deterministic pool of JSON-safe prose (no quotes, backslashes or control characters) to slice text from. */
export function textPool(random: SeededRandom, chars: number): string {
  const words = [
    'the',
    'function',
    'returns',
    'a',
    'promise',
    'that',
    'resolves',
    'when',
    'file',
    'is',
    'written',
    'test',
    'passes',
    'error',
    'handler',
    'config',
    'const',
    'export',
    'import',
    'from',
    'async',
    'await',
    'value',
    'record',
    'usage',
    'tokens',
    'cache',
    'read',
    'write',
    'line',
    'parse',
    'schema',
    'zod',
    'bucket',
    'object',
    'key',
    'day',
    'partition',
    'lake',
    'rollup',
    'analytics',
    'window',
    'cost',
    'price',
    'model',
    'claude',
    'sonnet',
    'opus',
    'haiku',
    'résumé',
    'naïve',
    'café',
    'über',
    '→',
    '✓',
    '日本語',
    'Ω',
    '{',
    '}',
    '(',
    ')',
    '[',
    ']',
    ';',
    ':',
    '=',
    '=>',
    '+',
    '-',
    '*',
    '/',
    '<',
    '>',
    '.',
    ',',
    '|',
    'src/lib/index.ts',
    'npm',
    'run',
    'build',
    'vitest',
    'PASS',
    'FAIL',
    'ok',
    '200',
    '404',
    '1.2.3',
    'main',
    'HEAD',
  ];
  let out = '';
  while (out.length < chars) out += `${random.pick(words)} `;
  return out.slice(0, chars);
}
