// API keys kept in the bucket (`config/api-keys.json`): only a salted SHA-256 of each key is
// stored, with its scopes. Creating one returns the plaintext once; listings never show secrets;
// revoking keeps the entry (with `revoked_at`) so the id stays meaningful in logs. A fast hash is
// enough because keys are 192 random bits, not passwords: there is nothing to guess by brute force.

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CorruptObjectError, NotFoundError, PreconditionFailedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { API_KEYS_KEY } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { type ApiKeyEntry, hashKey, type Scope } from './auth.ts';

export const scopeSchema = z.enum(['read', 'ingest', 'admin']);

const storedKeySchema = z.object({
  /** Public id shown in listings and logs (`k_` + 12 hex). */
  id: z.string().regex(/^k_[0-9a-f]{12}$/),
  name: z.string().max(128).nullable(),
  /** sha256(salt + key), hex. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  salt: z.string().min(16),
  scopes: z.array(scopeSchema).min(1),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
type StoredKey = z.infer<typeof storedKeySchema>;

/**
 * The key file.
 * @example {"version":1,"keys":[{"id":"k_3f9a0c1d2e4b","name":"dashboard","hash":"5e88…","salt":"b1c2…",
 *  "scopes":["read"],"created_at":"2026-11-23T10:00:00.000Z","revoked_at":null}]}
 */
export const apiKeysFileSchema = z.object({ version: z.literal(1), keys: z.array(storedKeySchema) });
type ApiKeysFile = z.infer<typeof apiKeysFileSchema>;

/** What a listing shows: no hash, no salt. */
type ApiKeyInfo = Omit<StoredKey, 'hash' | 'salt'>;

async function readKeysFile(store: ObjectStore): Promise<{ file: ApiKeysFile; etag: string | null }> {
  const got = await store.getText(API_KEYS_KEY);
  if (!got) return { file: { version: 1, keys: [] }, etag: null };
  let json: unknown;
  try {
    json = JSON.parse(got.text);
  } catch (error) {
    throw new CorruptObjectError(API_KEYS_KEY, 'not JSON', { cause: error });
  }
  const parsed = apiKeysFileSchema.safeParse(json);
  if (!parsed.success) throw new CorruptObjectError(API_KEYS_KEY, parsed.error.issues[0]?.message ?? 'invalid key file');
  return { file: parsed.data, etag: got.etag };
}

/** Read-modify-write guarded by the ETag (real S3 refuses a stale write with 412; we retry). */
async function updateKeysFile<T>(store: ObjectStore, change: (file: ApiKeysFile) => T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const { file, etag } = await readKeysFile(store);
    const result = change(file);
    try {
      await store.put(
        API_KEYS_KEY,
        `${JSON.stringify(apiKeysFileSchema.parse(file), null, 2)}\n`,
        etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
      );
      return result;
    } catch (error) {
      if (error instanceof PreconditionFailedError && attempt < 4) continue;
      throw error;
    }
  }
}

interface CreatedKey {
  /** The key itself: shown once, never stored. */
  key: string;
  info: ApiKeyInfo;
}

export async function createApiKey(
  store: ObjectStore,
  options: { scopes: readonly Scope[]; name?: string | null; now: Date },
): Promise<CreatedKey> {
  const scopes = z
    .array(scopeSchema)
    .min(1)
    .parse([...new Set(options.scopes)]);
  const key = `tl_${randomBytes(24).toString('base64url')}`;
  const salt = randomBytes(16).toString('hex');
  const entry: StoredKey = {
    id: `k_${randomBytes(6).toString('hex')}`,
    name: options.name ?? null,
    hash: hashKey(key, salt),
    salt,
    scopes,
    created_at: options.now.toISOString(),
    revoked_at: null,
  };
  await updateKeysFile(store, (file) => {
    file.keys.push(entry);
  });
  return { key, info: toInfo(entry) };
}

function toInfo(k: StoredKey): ApiKeyInfo {
  return { id: k.id, name: k.name, scopes: k.scopes, created_at: k.created_at, revoked_at: k.revoked_at };
}

export async function listApiKeys(store: ObjectStore): Promise<ApiKeyInfo[]> {
  const { file } = await readKeysFile(store);
  return file.keys.map(toInfo);
}

/** Marks a key revoked; revoking twice keeps the first instant. */
export async function revokeApiKey(store: ObjectStore, id: string, now: Date): Promise<ApiKeyInfo> {
  return updateKeysFile(store, (file) => {
    const k = file.keys.find((x) => x.id === id);
    if (!k) throw new NotFoundError(`no API key with id ${id}`);
    k.revoked_at ??= now.toISOString();
    return toInfo(k);
  });
}

/** The entries the bearer check accepts: every key not revoked. */
export async function loadActiveKeyEntries(store: ObjectStore): Promise<ApiKeyEntry[]> {
  const { file } = await readKeysFile(store);
  return file.keys.filter((k) => k.revoked_at === null).map((k) => ({ id: k.id, hash: k.hash, salt: k.salt, scopes: k.scopes }));
}

/**
 * The active entries, re-read at most every `ttlMs` (a revocation takes effect within that).
 * If the file cannot be read the last good list is kept; a corrupt file before any good read
 * gives no stored keys (fail closed), and is logged. The TTL runs on a monotonic clock, not the
 * business clock, which tests pin to one instant.
 */
export function createKeyCache(store: ObjectStore, options: { ttlMs: number; log: Logger; clock?: () => number }) {
  const clock = options.clock ?? (() => performance.now());
  let cached: { entries: ApiKeyEntry[]; at: number } | null = null;
  let loading: Promise<ApiKeyEntry[]> | null = null;
  return async function activeKeys(): Promise<ApiKeyEntry[]> {
    if (cached && clock() - cached.at < options.ttlMs) return cached.entries;
    loading ??= loadActiveKeyEntries(store)
      .then((entries) => {
        cached = { entries, at: clock() };
        return entries;
      })
      .catch((error: unknown) => {
        options.log.error('cannot read stored API keys', {
          key: API_KEYS_KEY,
          error: error instanceof Error ? error.message : String(error),
        });
        return cached?.entries ?? [];
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };
}
