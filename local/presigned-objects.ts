// Presigned downloads for the local stack: what S3 gives an export too large to answer inline.
// The stack's own HTTP server serves `GET /_local/objects/exports/<name>?expires=…&name=…&signature=…`
// for keys under exports/ only, with an HMAC signature (a key made at start, never stored) that
// expires like an S3 presigned URL. Everything else under the prefix is refused.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EXPORTS_PREFIX } from '../lib/store/layout.ts';
import type { ObjectStore } from '../lib/store/object-store.ts';

const LOCAL_OBJECTS_PATH = '/_local/objects/';

interface LocalDownload {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

interface LocalPresigner {
  presignGet(key: string, expiresInSeconds: number, options?: { downloadName?: string }): Promise<string>;
  /** The answer to a request under LOCAL_OBJECTS_PATH, or null for any other path. */
  serve(url: URL): Promise<LocalDownload | null>;
}

export function createLocalPresigner(store: ObjectStore, baseUrl: () => string, now: () => number = Date.now): LocalPresigner {
  const secret = randomBytes(32);
  const sign = (key: string, expires: string, name: string) => createHmac('sha256', secret).update(`${key}\n${expires}\n${name}`).digest();
  const refuse = (status: number, message: string): LocalDownload => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: message, details: [] }),
  });
  return {
    async presignGet(key, expiresInSeconds, options = {}) {
      const expires = String(Math.floor(now() / 1000) + expiresInSeconds);
      const name = options.downloadName ?? '';
      const path = key.split('/').map(encodeURIComponent).join('/');
      const query = new URLSearchParams({ expires, name, signature: sign(key, expires, name).toString('hex') });
      return `${baseUrl()}${LOCAL_OBJECTS_PATH}${path}?${query}`;
    },
    async serve(url) {
      if (!url.pathname.startsWith(LOCAL_OBJECTS_PATH)) return null;
      let key: string;
      try {
        key = url.pathname.slice(LOCAL_OBJECTS_PATH.length).split('/').map(decodeURIComponent).join('/');
      } catch {
        return refuse(400, 'malformed path');
      }
      const expires = url.searchParams.get('expires') ?? '';
      const name = url.searchParams.get('name') ?? '';
      const given = Buffer.from(url.searchParams.get('signature') ?? '', 'hex');
      const expected = sign(key, expires, name);
      if (!key.startsWith(EXPORTS_PREFIX) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return refuse(403, 'signature does not match');
      }
      if (!(Number(expires) * 1000 > now())) return refuse(403, 'the link has expired');
      const bytes = await store.getBytes(key);
      if (!bytes) return refuse(404, 'no such export');
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) };
      if (name) headers['content-disposition'] = `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"`;
      return { status: 200, headers, body: Buffer.from(bytes) };
    },
  };
}
