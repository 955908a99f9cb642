// Straight-line code compiled from a field list. Where a vocabulary of fields is the one source for
// a hot-path function (a check, a copy, a sum), a loop over the keys reads and writes properties
// megamorphically, and objects built key by key past a dozen properties fall into dictionary
// mode: measured 2–5× slower on 200k lake lines. Compiling the list once into the code a hand
// would write (one named property access per field) keeps the list the source and the speed.

const PLAIN_KEY = /^[a-z][a-z0-9_]*$/;

/**
 * A function `(params) => { body }`, where the body is built from the keys (checked to be plain
 * identifiers: only they, never data, go into the source text) and may use `context`. Functions
 * in `context` (an array) are bound to constants c0, c1, … first: a call through a constant is
 * inlined where a call through an array element is not.
 */
export function compileFieldwise<F>(keys: readonly string[], params: string, body: string, context: unknown = null): F {
  for (const k of keys) if (!PLAIN_KEY.test(k)) throw new Error(`not a plain field name: ${k}`);
  const bound = Array.isArray(context) ? context.map((_, i) => `const c${i} = context[${i}];`).join(' ') : '';
  return new Function('context', `${bound} return function (${params}) { ${body} };`)(context) as F;
}
