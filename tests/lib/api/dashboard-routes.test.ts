// The dashboard routes: the page and its hashed assets, served with the right types, caching,
// CSP and compression; and the generated asset module is what the build makes from web/.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { entryForPlainKey } from '../../../lib/api/auth.ts';
import { dashboardAssets, dashboardPage } from '../../../lib/api/dashboard/assets.generated.ts';
import { acceptsGzip, dashboardRoutes } from '../../../lib/api/dashboard/routes.ts';
import type { ApiRequest } from '../../../lib/api/http.ts';
import { createRouter } from '../../../lib/api/router.ts';
import { silentLogger } from '../../../lib/core/log.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const route = createRouter(dashboardRoutes);
const deps = {
  store: new MemoryStore(),
  keys: [entryForPlainKey('a-key-that-is-never-sent-0123')],
  now: () => new Date('2026-11-23T10:00:00Z'),
  log: silentLogger,
  timeZone: 'UTC',
};

function request(path: string, headers: Record<string, string> = {}, method = 'GET'): ApiRequest {
  return { method, path, query: {}, repeatedQuery: [], headers, body: null, requestId: 'r1' };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const assetNames = () => [...dashboardPage.body.matchAll(/\.\/assets\/([^"]+)"/g)].map((m) => m[1]!);

describe('GET /', () => {
  it('serves the page without a key, with a same-origin-only CSP, revalidated on every visit', async () => {
    const res = await route(request('/'), deps);

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers?.['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(res.headers?.['x-content-type-options']).toBe('nosniff');
    expect(res.headers?.['cache-control']).toBe('no-cache');
    expect(res.headers?.etag).toBe(`"${sha256(dashboardPage.body).slice(0, 32)}"`);
    expect(res.body).toBe(dashboardPage.body);
  });

  it('refers only to assets it serves, by relative path, and to no other origin', () => {
    const names = assetNames();

    expect(names).toHaveLength(3);
    for (const name of names) expect(Object.keys(dashboardAssets)).toContain(name);
    expect(dashboardPage.body).not.toMatch(/https?:\/\//);
    expect(dashboardPage.body).not.toMatch(/<script>|<style|style="/);
  });

  it('answers 304 to a matching If-None-Match and an empty body to HEAD', async () => {
    const first = await route(request('/'), deps);
    const again = await route(request('/', { 'if-none-match': first.headers!.etag as string }), deps);
    const head = await route(request('/', {}, 'HEAD'), deps);

    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('gzips for a client that accepts it, with its own ETag, and the gzip bytes are the page', async () => {
    const res = await route(request('/', { 'accept-encoding': 'gzip, deflate, br' }), deps);

    expect(res.headers?.['content-encoding']).toBe('gzip');
    expect(res.headers?.vary).toBe('accept-encoding');
    expect(res.isBase64Encoded).toBe(true);
    expect(res.headers?.etag).toBe(`"${sha256(dashboardPage.body).slice(0, 32)}-gz"`);
    expect(gunzipSync(Buffer.from(res.body!, 'base64')).toString('utf8')).toBe(dashboardPage.body);
    const revalidated = await route(request('/', { 'accept-encoding': 'gzip', 'if-none-match': res.headers!.etag as string }), deps);
    expect(revalidated.statusCode).toBe(304);
  });
});

describe('GET /assets/{name}', () => {
  it('serves each asset with its type, a name and ETag from its content, cached as immutable', async () => {
    const types: Record<string, string> = {
      js: 'text/javascript; charset=utf-8',
      css: 'text/css; charset=utf-8',
      svg: 'image/svg+xml; charset=utf-8',
    };
    for (const name of assetNames()) {
      const res = await route(request(`/assets/${name}`), deps);
      const body = res.body!;

      expect(res.statusCode).toBe(200);
      expect(res.headers?.['content-type']).toBe(types[name.split('.').pop()!]);
      expect(res.headers?.['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(name).toContain(`-${sha256(body).slice(0, 12)}.`);
      expect(res.headers?.etag).toBe(`"${sha256(body).slice(0, 32)}"`);
    }
  });

  it('is 404 for an unknown name, including names of Object.prototype members', async () => {
    for (const name of ['app.js', 'constructor', '__proto__', 'toString']) {
      const res = await route(request(`/assets/${name}`), deps);
      expect(res.statusCode).toBe(404);
      expect(JSON.parse(res.body!).error).toBe(`no dashboard asset named ${name}`);
    }
  });
});

describe('acceptsGzip', () => {
  it('reads Accept-Encoding with q-values', () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('br, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity, br')).toBe(false);
  });
});

describe('lib/api/dashboard/assets.generated.ts', () => {
  it('is what scripts/build-dashboard.mjs builds from web/ now (run `npm run build:dashboard` after editing web/)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-dashboard-build-'));
    try {
      const out = join(dir, 'assets.generated.ts');
      execFileSync(process.execPath, [join(root, 'scripts/build-dashboard.mjs'), '--out', out, '--quiet'], { cwd: root });

      expect(readFileSync(join(root, 'lib/api/dashboard/assets.generated.ts'), 'utf8')).toBe(readFileSync(out, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
