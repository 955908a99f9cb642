// Bearer-key check. Keys are compared as SHA-256 digests with timingSafeEqual, so neither the
// comparison time nor an early exit reveals how much of a guess was right. Keys are never logged.

import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '../core/errors.ts';

export type Scope = 'read' | 'ingest' | 'admin';

export interface ApiKeyEntry {
  /** Short public id shown in listings, never the key. */
  id: string;
  /** sha256(salt + key) as hex. */
  hash: string;
  salt: string;
  scopes: Scope[];
}

export function hashKey(key: string, salt: string): string {
  return createHash('sha256').update(salt).update(key).digest('hex');
}

/** An entry for a key given in plain configuration (TOKENLAKE_API_KEY): every scope. */
export function entryForPlainKey(key: string): ApiKeyEntry {
  const salt = 'tokenlake-env-key';
  return { id: 'env', hash: hashKey(key, salt), salt, scopes: ['read', 'ingest', 'admin'] };
}

function bearerToken(headers: Record<string, string>): string | null {
  const value = headers.authorization;
  if (!value) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1]! : null;
}

/** The entry the key belongs to; every entry is checked so timing does not depend on position. */
export function authenticate(headers: Record<string, string>, keys: readonly ApiKeyEntry[], scope: Scope): ApiKeyEntry {
  const token = bearerToken(headers);
  if (!token) throw new UnauthorizedError('missing bearer key: send "Authorization: Bearer <key>"');
  let match: ApiKeyEntry | null = null;
  for (const entry of keys) {
    const candidate = Buffer.from(hashKey(token, entry.salt), 'hex');
    const expected = Buffer.from(entry.hash, 'hex');
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) match = entry;
  }
  if (!match) throw new UnauthorizedError('invalid bearer key');
  if (!match.scopes.includes(scope) && !match.scopes.includes('admin')) throw new ForbiddenError(`this key lacks the "${scope}" scope`);
  return match;
}
