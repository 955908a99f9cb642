// An in-memory ObjectStore for unit tests of code that takes the port (integration tests use the
// plain-file store or s3rver instead). Counts GETs per key so tests can prove what was (not) read.
// Honours conditional writes and lists in S3's byte order, like every store (the conformance
// test in tests/lib/store/conformance.test.ts runs against it too).

import { createHash } from 'node:crypto';
import { PreconditionFailedError } from '../../lib/core/errors.ts';
import type { ObjectStore, PutOptions, StoredObject } from '../../lib/store/object-store.ts';

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

  async put(key: string, body: string | Uint8Array, options: PutOptions = {}) {
    const current = this.objects.get(key);
    if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key, 'the object already exists');
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) throw new PreconditionFailedError(key, 'the ETag differs');
    const buf = Buffer.from(body);
    const etag = createHash('md5').update(buf).digest('hex');
    this.objects.set(key, { body: buf, etag, lastModified: new Date().toISOString() });
    this.puts.push(key);
    return { etag };
  }

  async list(prefix: string, options: { startAfter?: string } = {}): Promise<StoredObject[]> {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix) && (!options.startAfter || k > options.startAfter))
      .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
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
    return [...out].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
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
