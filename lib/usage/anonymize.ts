// Pseudonymous exports: labels such as user, project and api_key are replaced by a keyed HMAC, so
// an export can be shared without raw ids while the same user still groups together across rows
// and across exports made with the same key. Without a configured key (TOKENLAKE_HMAC_KEY) one is
// generated once and kept in the bucket: whoever can read it can read the raw lake anyway.

import { createHmac, randomBytes } from 'node:crypto';
import { PreconditionFailedError } from '../core/errors.ts';
import { ANONYMIZATION_KEY_KEY } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { type AnonymizableField, anonymizableFields } from './anonymizable-fields.ts';

export { type AnonymizableField, anonymizableFields };

/** `anon_` + 16 hex chars of HMAC-SHA256(key, field NUL value): 64 bits, stable per key and field. */
export function pseudonym(key: string, field: AnonymizableField, value: string): string {
  return `anon_${createHmac('sha256', key).update(`${field}\u0000${value}`).digest('hex').slice(0, 16)}`;
}

export function createAnonymizer(key: string, fields: readonly AnonymizableField[]) {
  const set = new Set(fields);
  // Labels repeat on every record of a session or project: one HMAC per distinct value.
  const known = new Map<string, string>();
  return {
    fields: set,
    /** What it was made from (a parser thread makes the same anonymiser from it). */
    settings: { key, fields: [...fields] },
    /** The pseudonym of a label, or the label itself when the field is not anonymised. */
    label(field: AnonymizableField, value: string | null): string | null {
      if (value === null || !set.has(field)) return value;
      const memo = `${field}\u0000${value}`;
      let out = known.get(memo);
      if (out === undefined) {
        out = pseudonym(key, field, value);
        if (known.size > 100_000) known.clear();
        known.set(memo, out);
      }
      return out;
    },
  };
}
export type Anonymizer = ReturnType<typeof createAnonymizer>;

/** The configured key, else the bucket's (created on first use; a concurrent creator wins). */
export async function resolveAnonymizationKey(store: ObjectStore, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const existing = await store.getText(ANONYMIZATION_KEY_KEY);
  if (existing && existing.text.trim().length >= 32) return existing.text.trim();
  try {
    await store.put(ANONYMIZATION_KEY_KEY, randomBytes(32).toString('hex'), { ifNoneMatch: '*', contentType: 'text/plain' });
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  // Read back: if another writer won the race, its key is the one every export uses.
  const stored = await store.getText(ANONYMIZATION_KEY_KEY);
  if (!stored) throw new Error(`${ANONYMIZATION_KEY_KEY} vanished after it was written`);
  return stored.text.trim();
}
