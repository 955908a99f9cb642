import { describe, expect, it } from 'vitest';
import {
  apiKeysFileSchema,
  createApiKey,
  createKeyCache,
  listApiKeys,
  loadActiveKeyEntries,
  revokeApiKey,
} from '../../../lib/api/api-keys.ts';
import { authenticate } from '../../../lib/api/auth.ts';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../../lib/core/errors.ts';
import { createLogger } from '../../../lib/core/log.ts';
import { API_KEYS_KEY } from '../../../lib/store/layout.ts';
import type { ObjectStore, StoredObject } from '../../../lib/store/object-store.ts';

/** Just enough of the port for the key file: get, put, and a counter of GETs. */
function memoryStore(): ObjectStore & { gets: number; objects: Map<string, string> } {
  const objects = new Map<string, string>();
  let version = 0;
  const store = {
    bucket: 'test',
    gets: 0,
    objects,
    async getText(key: string) {
      store.gets++;
      const text = objects.get(key);
      return text === undefined ? null : { text, etag: `e${version}` };
    },
    async getBytes() {
      return null;
    },
    async put(key: string, body: string | Uint8Array) {
      objects.set(key, typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
      version++;
      return { etag: `e${version}` };
    },
    async list(): Promise<StoredObject[]> {
      return [];
    },
    async listPrefixes() {
      return [];
    },
    async head() {
      return null;
    },
    async delete() {},
  };
  return store;
}

const now = new Date('2026-03-15T12:00:00.000Z');
const silent = createLogger({ level: 'error', write: () => {} });

describe('stored API keys', () => {
  it('stores a salted hash, never the key, and the key then authenticates with its scopes', async () => {
    const store = memoryStore();
    const { key, info } = await createApiKey(store, { scopes: ['read'], name: 'dashboard', now });
    expect(key).toMatch(/^tl_[A-Za-z0-9_-]{32}$/);
    const raw = store.objects.get(API_KEYS_KEY)!;
    expect(raw).not.toContain(key);
    const file = apiKeysFileSchema.parse(JSON.parse(raw));
    expect(file.keys).toHaveLength(1);
    expect(file.keys[0]).toMatchObject({
      id: info.id,
      name: 'dashboard',
      scopes: ['read'],
      created_at: now.toISOString(),
      revoked_at: null,
    });

    const entries = await loadActiveKeyEntries(store);
    const headers = { authorization: `Bearer ${key}` };
    expect(authenticate(headers, entries, 'read').id).toBe(info.id);
    expect(() => authenticate(headers, entries, 'ingest')).toThrow(ForbiddenError);
    expect(() => authenticate({ authorization: `Bearer ${key}x` }, entries, 'read')).toThrow(UnauthorizedError);
  });

  it('gives each key its own salt, and admin keys every scope', async () => {
    const store = memoryStore();
    const a = await createApiKey(store, { scopes: ['admin'], now });
    await createApiKey(store, { scopes: ['admin'], now });
    const file = apiKeysFileSchema.parse(JSON.parse(store.objects.get(API_KEYS_KEY)!));
    expect(file.keys[0]!.salt).not.toBe(file.keys[1]!.salt);
    expect(authenticate({ authorization: `Bearer ${a.key}` }, await loadActiveKeyEntries(store), 'ingest').id).toBe(a.info.id);
  });

  it('lists without secrets and revokes by id', async () => {
    const store = memoryStore();
    const a = await createApiKey(store, { scopes: ['read', 'ingest'], now });
    const b = await createApiKey(store, { scopes: ['ingest'], now });
    const listed = await listApiKeys(store);
    expect(listed.map((k) => Object.keys(k).sort())).toEqual([
      ['created_at', 'id', 'name', 'revoked_at', 'scopes'],
      ['created_at', 'id', 'name', 'revoked_at', 'scopes'],
    ]);
    const later = new Date('2026-03-16T00:00:00.000Z');
    expect((await revokeApiKey(store, a.info.id, later)).revoked_at).toBe(later.toISOString());
    // A second revocation keeps the first instant.
    expect((await revokeApiKey(store, a.info.id, new Date('2026-04-01T00:00:00Z'))).revoked_at).toBe(later.toISOString());
    expect((await loadActiveKeyEntries(store)).map((e) => e.id)).toEqual([b.info.id]);
    expect(() => authenticate({ authorization: `Bearer ${a.key}` }, [], 'read')).toThrow(UnauthorizedError);
    await expect(revokeApiKey(store, 'k_000000000000', later)).rejects.toThrow(NotFoundError);
  });

  it('refuses a corrupt key file instead of trusting it', async () => {
    const store = memoryStore();
    store.objects.set(API_KEYS_KEY, JSON.stringify({ version: 1, keys: [{ id: 'k_1', hash: 'x' }] }));
    await expect(loadActiveKeyEntries(store)).rejects.toThrow(/corrupt object config\/api-keys.json/);
  });

  it('caches the active keys for the TTL, then re-reads them', async () => {
    const store = memoryStore();
    let clock = 0;
    const load = createKeyCache(store, { ttlMs: 1000, log: silent, clock: () => clock });
    expect(await load()).toEqual([]);
    const { info } = await createApiKey(store, { scopes: ['read'], now });
    const getsAfterCreate = store.gets;
    clock = 999;
    expect(await load()).toEqual([]);
    expect(store.gets).toBe(getsAfterCreate);
    clock = 1000;
    expect((await load()).map((e) => e.id)).toEqual([info.id]);
  });

  it('keeps the last good keys when the file turns corrupt', async () => {
    const store = memoryStore();
    let clock = 0;
    const { info } = await createApiKey(store, { scopes: ['read'], now });
    const load = createKeyCache(store, { ttlMs: 10, log: silent, clock: () => clock });
    expect((await load()).map((e) => e.id)).toEqual([info.id]);
    store.objects.set(API_KEYS_KEY, '{not json');
    clock = 100;
    expect((await load()).map((e) => e.id)).toEqual([info.id]);
  });
});
