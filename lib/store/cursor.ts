// Source cursors in the bucket under state/: where each source stopped reading. A cursor moves
// only after the data it covers is in the lake, so a crash re-reads rather than loses.

import type { z } from 'zod';
import type { ObjectStore } from './object-store.ts';
import { readStoredJson } from './stored-json.ts';

export async function loadCursor<S extends z.ZodType>(store: ObjectStore, key: string, schema: S): Promise<z.infer<S> | null> {
  return (await readStoredJson(store, key, schema))?.value ?? null;
}

export async function saveCursor(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, JSON.stringify(value));
}
