// Serves the dashboard: the page at `GET /` and its content-hashed assets at `GET /assets/{name}`,
// from strings bundled at build time (assets.generated.ts), so the api Lambda needs no file system
// and the browser fetches nothing from another origin. Neither needs a key: the page holds no data;
// it asks the user for a key and calls the API with it.

import { gzipSync } from 'node:zlib';
import type { ApiResponse } from '../api/http.ts';
import type { Route, RouteContext } from '../api/router.ts';
import { NotFoundError } from '../errors.ts';
import { type DashboardAsset, dashboardAssets, dashboardPage } from './assets.generated.ts';

/**
 * Same origin only: no inline script or style (the page has none; uPlot sizes its elements
 * through the CSSOM, which style-src does not govern), no framing, no form posts elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const PAGE_HEADERS: Record<string, string> = {
  ...SECURITY_HEADERS,
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  // The page names its assets by hash, so it must be revalidated (ETag → 304) on every visit.
  'cache-control': 'no-cache',
};

const ASSET_HEADERS: Record<string, string> = {
  ...SECURITY_HEADERS,
  // A changed asset gets a new name, so a cached copy is never stale.
  'cache-control': 'public, max-age=31536000, immutable',
};

/** Smaller bodies are not worth compressing. */
const GZIP_MIN_BYTES = 1024;
/** base64 of the gzipped body, by ETag; computed on first request and kept for the container's life. */
const gzipped = new Map<string, string>();

/** True when the client accepts gzip (`gzip` or `*` listed without `q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function gzipEtag(etag: string): string {
  return etag.replace(/"$/, '-gz"');
}

function matches(ifNoneMatch: string | undefined, tags: readonly string[]): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tags.includes(tag);
  });
}

function serve(asset: DashboardAsset, context: RouteContext, headers: Record<string, string>): ApiResponse {
  const { request } = context;
  const compress = Buffer.byteLength(asset.body) >= GZIP_MIN_BYTES && acceptsGzip(request.headers['accept-encoding']);
  // Each encoding is its own representation, so it has its own ETag; either one revalidates.
  const etag = compress ? gzipEtag(asset.etag) : asset.etag;
  const common = { ...headers, etag, vary: 'accept-encoding' };
  if (matches(request.headers['if-none-match'], [asset.etag, gzipEtag(asset.etag)])) {
    return { statusCode: 304, headers: common, body: '' };
  }
  if (!compress) return { statusCode: 200, headers: { ...common, 'content-type': asset.contentType }, body: asset.body };
  let body = gzipped.get(asset.etag);
  if (body === undefined) {
    body = gzipSync(asset.body, { level: 9 }).toString('base64');
    gzipped.set(asset.etag, body);
  }
  return {
    statusCode: 200,
    headers: { ...common, 'content-type': asset.contentType, 'content-encoding': 'gzip' },
    body,
    isBase64Encoded: true,
  };
}

export const dashboardRoutes: Route[] = [
  {
    method: 'GET',
    path: '/',
    scope: null,
    summary: 'The dashboard page (HTML); it asks for a key and reads /v1/analytics with it.',
    handle: (context) => serve(dashboardPage, context, PAGE_HEADERS),
  },
  {
    method: 'GET',
    path: '/assets/{name}',
    scope: null,
    summary: "The dashboard's script, styles and icon; names carry a content hash (cached as immutable).",
    handle(context) {
      const name = context.params.name ?? '';
      // hasOwn: a name like "constructor" must not reach Object.prototype.
      const asset = Object.hasOwn(dashboardAssets, name) ? dashboardAssets[name] : undefined;
      if (!asset) throw new NotFoundError(`no dashboard asset named ${name}`);
      return serve(asset, context, ASSET_HEADERS);
    },
  },
];
