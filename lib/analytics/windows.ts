// The analytics windows, named once. Kept free of zod so the CLI can check a --window flag
// without loading it; the zod enum (windowNameSchema) is built from this tuple.

/** The windows analytics.json holds, shortest first (the order of its `windows` keys). */
export const WINDOW_NAMES = ['7d', '30d', '90d'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

/** Days in each window: the N local calendar days ending at `as_of`. */
export const WINDOWS: Readonly<Record<WindowName, number>> = { '7d': 7, '30d': 30, '90d': 90 };

export function isWindowName(value: string): value is WindowName {
  return (WINDOW_NAMES as readonly string[]).includes(value);
}

/** One value per window, keyed in WINDOW_NAMES order (so serialised JSON keeps that order). */
export function perWindow<T>(valueFor: (name: WindowName) => T): Record<WindowName, T> {
  return Object.fromEntries(WINDOW_NAMES.map((name) => [name, valueFor(name)])) as Record<WindowName, T>;
}
