// An in-memory ObjectStore for unit tests of code that takes the port (integration tests use the
// embedded S3 instead). Counts GETs per key so tests can prove what was (not) read.

import { createHash } from 'node:crypto';
import type { ObjectStore, PutOptions, StoredObject } from '../../lib/storage.ts';

export class MemoryStore implements ObjectStore {
  readonly bucket = 'memory';
  readonly objects = new Map<string, { body: Buffer; etag: string; lastModified: string }>();
  readonly gets: string[] = [];
  readonly puts: string[] = [];

  async getText(key: string) {
    this.gets.push(key);
    const o = this.objects.get(key);
    return o ? { text: o.body.toString('utf8'), etag: o.etag } : null;
  }

  async getBytes(key: string) {
    this.gets.push(key);
    const o = this.objects.get(key);
    return o ? new Uint8Array(o.body) : null;
  }

  async put(key: string, body: string | Uint8Array, _options?: PutOptions) {
    const buf = Buffer.from(body);
    const etag = createHash('md5').update(buf).digest('hex');
    this.objects.set(key, { body: buf, etag, lastModified: new Date().toISOString() });
    this.puts.push(key);
    return { etag };
  }

  async list(prefix: string, options: { startAfter?: string } = {}): Promise<StoredObject[]> {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix) && (!options.startAfter || k > options.startAfter))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, o]) => ({ key, etag: o.etag, size: o.body.length, lastModified: o.lastModified }));
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const k of this.objects.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) out.add(prefix + rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }

  async head(key: string): Promise<StoredObject | null> {
    const o = this.objects.get(key);
    return o ? { key, etag: o.etag, size: o.body.length, lastModified: o.lastModified } : null;
  }

  async delete(keys: string[]) {
    for (const k of keys) this.objects.delete(k);
  }

  text(key: string): string | undefined {
    return this.objects.get(key)?.body.toString('utf8');
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
