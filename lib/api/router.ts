// The api's route table, the enforcement of each route's declared request, and the single
// error-mapping point. A request reaches a handler only with its key checked and its query, path
// parameters and body parsed by the route's own schemas; the handler's typed reply is serialised
// here. Below-500 errors (and deliberate 503s) are shown as they are, anything else is logged and
// answered with a generic 500 carrying the request id.

import { gunzipSync } from 'node:zlib';
import type { z } from 'zod';
import {
  BadRequestError,
  HttpError,
  issuesToDetails,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../core/errors.ts';
import { authenticate } from './auth.ts';
import { type AnyReply, type AnyRouteInput, answersOf, type BodySpec, pathPlaceholders, type Route } from './contract.ts';
import type { ApiDeps } from './deps.ts';
import { type ApiRequest, type ApiResponse, json, jsonText } from './http.ts';

export type { ApiDeps } from './deps.ts';

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
  /** Every status the route declares (its own answers, its errors, the router's). */
  statuses: Set<number>;
}

/** Headers a browser script may read on a cross-origin answer (the declared ones). */
const EXPOSED_HEADERS = 'etag,location,content-disposition,x-row-count,retry-after,x-request-id';

function compile(route: Route): CompiledRoute {
  const source = route.path
    .split('/')
    .map((part) => (/^\{\w+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return {
    ...route,
    pattern: new RegExp(`^${source}/?$`),
    names: pathPlaceholders(route.path),
    statuses: new Set(answersOf(route).keys()),
  };
}

/** True for `z.looseObject` (unknown keys kept): the route ignores parameters it does not name. */
function acceptsUnknownKeys(schema: z.ZodObject): boolean {
  const catchall = schema._zod.def.catchall;
  return catchall !== undefined && catchall._zod.def.type !== 'never';
}

/** Validates a query against its schema; unknown (unless the schema is loose) and repeated parameters are a 400 too. */
function parseQuery<S extends z.ZodObject>(request: Pick<ApiRequest, 'query' | 'repeatedQuery'>, schema: S): z.output<S> {
  const { query, repeatedQuery } = request;
  const allowed = Object.keys(schema.shape);
  const unknown = acceptsUnknownKeys(schema) ? [] : Object.keys(query).filter((k) => !allowed.includes(k));
  const details = [
    ...unknown.map((field) => ({ field, reason: `unknown parameter (allowed: ${allowed.join(', ') || 'none'})` })),
    ...repeatedQuery.filter((field) => allowed.includes(field)).map((field) => ({ field, reason: 'given more than once' })),
  ];
  if (details.length > 0) throw new BadRequestError('invalid query parameters', details);
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new BadRequestError('invalid query parameters', issuesToDetails(parsed.error.issues));
  return parsed.data;
}

function parseParams(route: CompiledRoute, match: RegExpExecArray): Record<string, unknown> {
  const raw: Record<string, string> = {};
  const details: Array<{ field: string; reason: string }> = [];
  route.names.forEach((name, i) => {
    try {
      raw[name] = decodeURIComponent(match[i + 1]!);
    } catch {
      details.push({ field: name, reason: 'not valid percent-encoding' });
    }
  });
  if (details.length > 0) throw new BadRequestError('invalid path parameters', details);
  if (!route.params) return {};
  const parsed = route.params.safeParse(raw);
  if (!parsed.success) throw new BadRequestError('invalid path parameters', issuesToDetails(parsed.error.issues));
  return parsed.data;
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

function decode(bytes: Buffer, encoding: string, spec: BodySpec): Buffer {
  if (encoding === '' || encoding === 'identity') return bytes;
  if (!(spec.encodings as readonly string[] | undefined)?.includes(encoding)) {
    throw new UnsupportedMediaTypeError(
      `content-encoding ${encoding} is not accepted (accepted: ${['identity', ...(spec.encodings ?? [])].join(', ')})`,
    );
  }
  try {
    // The limit bounds the memory a small compressed body can claim.
    return gunzipSync(bytes, { maxOutputLength: spec.maxBytes + 1 });
  } catch (error) {
    if (error instanceof RangeError) throw new PayloadTooLargeError(`the decoded body is over ${spec.maxBytes} bytes`);
    throw new BadRequestError('body is not valid gzip', [{ field: 'body', reason: (error as Error).message }]);
  }
}

function parseBody(route: CompiledRoute, request: ApiRequest): AnyRouteInput['body'] {
  const raw = request.bodyBytes ?? (request.body === null ? null : Buffer.from(request.body, 'utf8'));
  const spec = route.body;
  if (!spec) {
    if (raw !== null && raw.length > 0)
      throw new BadRequestError('unexpected body', [{ field: 'body', reason: 'this route takes no body' }]);
    return undefined;
  }
  const types = Object.keys(spec.content);
  const mediaType = mediaTypeOf(request.headers['content-type']);
  const media = Object.hasOwn(spec.content, mediaType) ? spec.content[mediaType] : undefined;
  if (!media) throw new UnsupportedMediaTypeError(`content-type must be ${types.join(' or ')}`);
  if (raw === null || raw.length === 0) throw new BadRequestError('empty body', [{ field: 'body', reason: `send ${types.join(' or ')}` }]);
  const bytes = decode(raw, (request.headers['content-encoding'] ?? '').trim().toLowerCase(), spec);
  if (bytes.length > spec.maxBytes) throw new PayloadTooLargeError(`body is ${bytes.length} bytes; at most ${spec.maxBytes} bytes`);
  if (media.kind === 'binary') return { mediaType, bytes };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new BadRequestError('body is not JSON', [{ field: 'body', reason: (error as Error).message }]);
  }
  const parsed = media.check.safeParse(value);
  if (!parsed.success) throw new BadRequestError('invalid body', issuesToDetails(parsed.error.issues, 'body'));
  return { mediaType, value: parsed.data };
}

/** The handler's reply as API Gateway's result; the reply's type already matched its declaration. */
function toResponse(route: Route, reply: AnyReply): ApiResponse {
  const spec = route.responses[reply.status];
  if (!spec) throw new Error(`${route.method} ${route.path} answered ${reply.status}, which it does not declare`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) if (value !== undefined) headers[name] = value;
  switch (spec.kind) {
    case 'json':
      return jsonText(reply.status, reply.text ?? JSON.stringify(reply.body), headers);
    case 'content': {
      const body = reply.body as string | Uint8Array;
      const out: ApiResponse = { statusCode: reply.status, headers: { 'content-type': reply.contentType!, ...headers } };
      if (typeof body === 'string') {
        out.body = body;
        if (reply.isBase64Encoded) out.isBase64Encoded = true;
      } else {
        out.body = Buffer.from(body).toString('base64');
        out.isBase64Encoded = true;
      }
      return out;
    }
    case 'empty':
      return { statusCode: reply.status, headers, body: '' };
  }
}

/**
 * The key check of a keyed route: an address over its limit of wrong keys is refused (429) before
 * its key is looked at; a wrong key (any Authorization header that fails) is counted and logged by
 * the guard; a request without one is not a guess.
 */
function checkKey(request: ApiRequest, deps: ApiDeps, route: Route): void {
  const ip = request.sourceIp ?? '';
  deps.authGuard?.admit(ip);
  try {
    authenticate(request.headers, deps.keys, route.scope!);
  } catch (error) {
    if (error instanceof UnauthorizedError && (request.headers.authorization ?? '').trim() !== '') {
      deps.authGuard?.failed(ip, request.requestId, `${route.method} ${route.path}`);
    }
    throw error;
  }
}

export function createRouter(routes: readonly Route[]) {
  const compiled = routes.map(compile);
  return async function route(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
    const cors: Record<string, string> = deps.corsOrigin
      ? { 'access-control-allow-origin': deps.corsOrigin, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'origin' }
      : {};
    let matched: CompiledRoute | null = null;
    try {
      if (request.method === 'OPTIONS' && deps.corsOrigin) {
        return {
          statusCode: 204,
          headers: {
            ...cors,
            'access-control-allow-methods': 'GET,POST,PUT,DELETE,OPTIONS',
            'access-control-allow-headers': 'authorization,content-type,content-encoding,if-none-match',
            'access-control-max-age': '600',
          },
        };
      }
      let pathMatched = false;
      for (const r of compiled) {
        const m = r.pattern.exec(request.path);
        if (!m) continue;
        pathMatched = true;
        if (r.method !== request.method && !(r.method === 'GET' && request.method === 'HEAD')) continue;
        matched = r;
        if (r.scope) checkKey(request, deps, r);
        const query = parseQuery(request, r.query);
        const params = parseParams(r, m);
        const body = parseBody(r, request);
        const response = toResponse(r, await r.handle({ query, params, body, request, deps }));
        response.headers = { ...cors, 'x-request-id': request.requestId, ...(response.headers ?? {}) };
        if (request.method === 'HEAD') response.body = '';
        return response;
      }
      if (pathMatched) return json(405, { error: `method ${request.method} not allowed on ${request.path}`, details: [] }, cors);
      throw new NotFoundError(`no route for ${request.method} ${request.path}`);
    } catch (error) {
      // A 503 is a deliberate "try again / rebuild first" with an actionable message: shown too.
      if (error instanceof HttpError && (error.statusCode < 500 || error.statusCode === 503)) {
        if (matched && !matched.statuses.has(error.statusCode)) {
          // The answer still goes out (never a 500 for bad input), but the document is wrong: say so.
          deps.log.warn('undeclared status', { route: `${matched.method} ${matched.path}`, status: error.statusCode });
        }
        // The request id lets a client match a refused request to the log line about it (a wrong key).
        const headers: Record<string, string> = {
          ...cors,
          ...(request.requestId ? { 'x-request-id': request.requestId } : {}),
          ...error.headers,
        };
        if (error.statusCode === 401) headers['www-authenticate'] = 'Bearer';
        return json(error.statusCode, error.toJSON(), headers);
      }
      deps.log.error('request failed', {
        path: request.path,
        request_id: request.requestId,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return json(500, { error: 'internal error', details: [], request_id: request.requestId }, cors);
    }
  };
}
