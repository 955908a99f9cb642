// Reading a JSON object that must match its contract (rollups, cursors, analytics.json): missing
// is null; unparsable or off-schema is a CorruptObjectError naming the key, for the caller to
// rebuild or report — never silently trusted.

import type { z } from 'zod';
import { CorruptObjectError } from '../core/errors.ts';
import type { ObjectStore } from './object-store.ts';

/** `fast`, when given, is tried first: a check that accepts only what the schema accepts. */
export async function readStoredJson<S extends z.ZodType>(
  store: ObjectStore,
  key: string,
  schema: S,
  fast?: (value: unknown) => z.infer<S> | null,
): Promise<{ value: z.infer<S>; etag: string } | null> {
  const got = await store.getText(key);
  if (!got) return null;
  let json: unknown;
  try {
    json = JSON.parse(got.text);
  } catch (error) {
    throw new CorruptObjectError(key, 'not JSON', { cause: error });
  }
  const quick = fast?.(json) ?? null;
  if (quick !== null) return { value: quick, etag: got.etag };
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptObjectError(key, issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'does not match its schema');
  }
  return { value: parsed.data, etag: got.etag };
}
