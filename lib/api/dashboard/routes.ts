// Serves the dashboard: the page at `GET /` and its content-hashed assets at `GET /assets/{name}`,
// from strings bundled at build time (assets.generated.ts), so the api Lambda needs no file system
// and the browser fetches nothing from another origin. Neither needs a key: the page holds no data;
// it asks the user for a key and calls the API with it.

import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import { contentResponse, defineRoute, emptyResponse, type Route } from '../contract.ts';
import type { ApiRequest } from '../http.ts';
import { type DashboardAsset, dashboardAssets, dashboardPage } from './assets.generated.ts';

/**
 * Same origin only: no inline script or style (the page has none; uPlot sizes its elements
 * through the CSSOM, which style-src does not govern), no framing, no form posts elsewhere.
 */
const CONTENT_SECURITY_POLICY = [
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

/** The asset's media type as one of those its route declares; anything else is a build mistake. */
function declaredType<M extends string>(asset: DashboardAsset, declared: readonly M[]): M | `${M}; ${string}` {
  const base = asset.contentType.split(';', 1)[0]!.trim();
  if (!(declared as readonly string[]).includes(base)) throw new Error(`dashboard asset of undeclared type ${asset.contentType}`);
  return asset.contentType as M | `${M}; ${string}`;
}

function serve<M extends string>(asset: DashboardAsset, types: readonly M[], request: ApiRequest, headers: Record<string, string>) {
  const compress = Buffer.byteLength(asset.body) >= GZIP_MIN_BYTES && acceptsGzip(request.headers['accept-encoding']);
  // Each encoding is its own representation, so it has its own ETag; either one revalidates.
  const etag = compress ? gzipEtag(asset.etag) : asset.etag;
  const common = { ...headers, etag, vary: 'accept-encoding' };
  if (matches(request.headers['if-none-match'], [asset.etag, gzipEtag(asset.etag)])) {
    return { status: 304 as const, headers: common };
  }
  const contentType = declaredType(asset, types);
  if (!compress) return { status: 200 as const, contentType, headers: common, body: asset.body };
  let body = gzipped.get(asset.etag);
  if (body === undefined) {
    body = gzipSync(asset.body, { level: 9 }).toString('base64');
    gzipped.set(asset.etag, body);
  }
  return { status: 200 as const, contentType, headers: { ...common, 'content-encoding': 'gzip' }, body, isBase64Encoded: true };
}

const etagHeader = { etag: { description: 'Version of the content (its gzip form has its own).', required: true } } as const;
const PAGE_TYPES = ['text/html'] as const;
const ASSET_TYPES = ['text/javascript', 'text/css', 'image/svg+xml'] as const;

const pageRoute = defineRoute({
  method: 'GET',
  path: '/',
  scope: null,
  tag: 'dashboard',
  summary: 'The dashboard page (HTML); it asks for a key and reads /v1/analytics with it.',
  // A shared link may carry tracking parameters; the page ignores them.
  query: z.looseObject({}),
  responses: {
    200: contentResponse('The page (gzip when accepted).', { 'text/html': {} }, { headers: etagHeader }),
    304: emptyResponse('Unchanged since the ETag sent in If-None-Match.', { headers: etagHeader }),
  },
}).handle(({ request }) => serve(dashboardPage, PAGE_TYPES, request, PAGE_HEADERS));

const assetRoute = defineRoute({
  method: 'GET',
  path: '/assets/{name}',
  scope: null,
  tag: 'dashboard',
  summary: "The dashboard's script, styles and icon; names carry a content hash (cached as immutable).",
  query: z.looseObject({}),
  params: z.object({ name: z.string().min(1).max(200).describe('An asset name the page refers to, e.g. app-6e7679dad122.js.') }),
  responses: {
    200: contentResponse(
      'The asset (gzip when accepted and worth it).',
      { 'text/javascript': {}, 'text/css': {}, 'image/svg+xml': {} },
      { headers: etagHeader },
    ),
    304: emptyResponse('Unchanged since the ETag sent in If-None-Match.', { headers: etagHeader }),
  },
  errors: { 404: 'No asset has that name.' },
}).handle(({ params, request }) => {
  // hasOwn: a name like "constructor" must not reach Object.prototype.
  const asset = Object.hasOwn(dashboardAssets, params.name) ? dashboardAssets[params.name] : undefined;
  if (!asset) throw new NotFoundError(`no dashboard asset named ${params.name}`);
  return serve(asset, ASSET_TYPES, request, ASSET_HEADERS);
});

export const dashboardRoutes: Route[] = [pageRoute, assetRoute];
