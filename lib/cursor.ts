// Source cursors in the bucket under state/: where each source stopped reading. A cursor moves
// only after the data it covers is in the lake, so a crash re-reads rather than loses.

import type { z } from 'zod';
import { CorruptObjectError } from './errors.ts';
import type { ObjectStore } from './storage.ts';

/** Log sources are per machine (many laptops push into one bucket); API sources are global. */
export function cursorKey(source: string, machine?: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 128);
  return machine ? `state/machines/${safe(machine)}/cursors/${safe(source)}.json` : `state/cursors/${safe(source)}.json`;
}

export async function loadCursor<S extends z.ZodType>(store: ObjectStore, key: string, schema: S): Promise<z.infer<S> | null> {
  const got = await store.getText(key);
  if (!got) return null;
  let json: unknown;
  try {
    json = JSON.parse(got.text);
  } catch (error) {
    throw new CorruptObjectError(key, 'cursor is not JSON', { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new CorruptObjectError(key, parsed.error.issues[0]?.message ?? 'invalid cursor');
  return parsed.data;
}

export async function saveCursor(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, JSON.stringify(value));
}
