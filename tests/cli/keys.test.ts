import { describe, expect, it } from 'vitest';
import { runKeysCommand } from '../../cli/keys.ts';
import { loadActiveKeyEntries } from '../../lib/api/api-keys.ts';
import { authenticate } from '../../lib/api/auth.ts';
import { API_KEYS_KEY } from '../../lib/store/layout.ts';
import type { ObjectStore } from '../../lib/store/object-store.ts';

function memoryStore(): ObjectStore & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    bucket: 'test',
    objects,
    getText: async (key) => (objects.has(key) ? { text: objects.get(key)!, etag: 'e' } : null),
    getBytes: async () => null,
    put: async (key, body) => {
      objects.set(key, typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
      return { etag: 'e' };
    },
    list: async () => [],
    listPrefixes: async () => [],
    head: async () => null,
    delete: async () => {},
  };
}

function run(store: ObjectStore, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { store, now: () => new Date('2026-03-15T12:00:00Z'), stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
  return runKeysCommand(args, io).then((code) => ({ code, out: out.join(''), err: err.join('') }));
}

describe('tokenlake keys', () => {
  it('creates a key printed once on stdout alone, lists it without secrets, revokes it', async () => {
    const store = memoryStore();
    const created = await run(store, ['create', '--scope', 'read', '--scope', 'ingest', '--name', 'ci']);
    expect(created.code).toBe(0);
    const key = created.out.trim();
    expect(key).toMatch(/^tl_[A-Za-z0-9_-]{32}$/);
    expect(store.objects.get(API_KEYS_KEY)).not.toContain(key);
    const entries = await loadActiveKeyEntries(store);
    expect(authenticate({ authorization: `Bearer ${key}` }, entries, 'ingest').scopes).toEqual(['read', 'ingest']);

    const listed = await run(store, ['list', '--json']);
    const [info] = JSON.parse(listed.out);
    expect(info).toEqual({
      id: entries[0]!.id,
      name: 'ci',
      scopes: ['read', 'ingest'],
      created_at: '2026-03-15T12:00:00.000Z',
      revoked_at: null,
    });
    expect(listed.out).not.toContain(key);

    expect((await run(store, ['revoke', info.id])).code).toBe(0);
    expect(await loadActiveKeyEntries(store)).toEqual([]);
    expect((await run(store, ['list'])).out).toContain('revoked 2026-03-15T12:00:00.000Z');
  });

  it.each([
    [['create'], 2, /--scope is required/],
    [['create', '--scope', 'root'], 2, /expected read, ingest or admin/],
    [['create', '--scope', 'read', 'extra'], 2, /unexpected argument/],
    [['create', '--bogus'], 2, /Unknown option/],
    [['revoke'], 2, /one key id/],
    [['revoke', 'k_000000000000'], 1, /no API key with id k_000000000000/],
    [['rotate'], 2, /unknown subcommand/],
    [[], 2, /tokenlake keys create/],
  ])('refuses %j with exit code %i', async (args, code, message) => {
    const result = await run(memoryStore(), args);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
  });
});
