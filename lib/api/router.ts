// The api's route table and its single error-mapping point. Routes are small functions of
// (request, params, deps); below-500 errors (and deliberate 503s) are shown as they are, anything
// else is logged and answered with a generic 500 carrying the request id.

import type { z } from 'zod';
import type { AnalyzeDeps } from '../analyze.ts';
import { HttpError, NotFoundError } from '../errors.ts';
import type { AnonymizableField } from '../export/anonymize.ts';
import type { Logger } from '../log.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { type ApiKeyEntry, authenticate, type Scope } from './auth.ts';
import { type ApiRequest, type ApiResponse, json } from './http.ts';

export interface ApiDeps {
  store: ObjectStore;
  keys: readonly ApiKeyEntry[];
  now: () => Date;
  log: Logger;
  /** IANA zone of local days and windows (config.timeZone). */
  timeZone: string;
  /** Extra response headers on every answer (CORS). */
  corsOrigin?: string;
  /** Exports whose encoded answer is larger go to `exports/` behind a presigned URL (default 5 MB). */
  exportInlineLimitBytes?: number;
  /** HMAC key for anonymised exports (TOKENLAKE_HMAC_KEY); without one a key kept in the bucket is used. */
  anonymizationKey?: string;
  /** Labels pseudonymised at ingestion (TOKENLAKE_ANONYMIZE), for the routes that land usage. */
  anonymize?: AnonymizableField[];
  /** What re-aggregation and budget changes recompute with (store, pricer, zone, alerts). */
  analysis?: AnalyzeDeps;
}

export interface RouteContext {
  request: ApiRequest;
  params: Record<string, string>;
  deps: ApiDeps;
}

/** One documented answer of a route, for the OpenAPI document. */
export interface RouteResponseDoc {
  description: string;
  /** Media type(s); default application/json. */
  contentType?: string | readonly string[];
  schema?: z.ZodType;
  example?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with `{name}` placeholders. */
  path: string;
  /** null = no key needed. */
  scope: Scope | null;
  summary: string;
  /** The schema parseQuery validates with; the OpenAPI document lists its parameters. */
  query?: z.ZodObject;
  /** Documented answers by status code ('200', '400', …). */
  responses?: Record<string, RouteResponseDoc>;
  handle(context: RouteContext): Promise<ApiResponse> | ApiResponse;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      if (m) {
        names.push(m[1]!);
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}/?$`), names };
}

export function createRouter(routes: readonly Route[]) {
  const compiled = routes.map(compile);
  return async function route(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
    const cors: Record<string, string> = deps.corsOrigin ? { 'access-control-allow-origin': deps.corsOrigin, vary: 'origin' } : {};
    try {
      if (request.method === 'OPTIONS' && deps.corsOrigin) {
        return {
          statusCode: 204,
          headers: {
            ...cors,
            'access-control-allow-methods': 'GET,POST,PUT,DELETE,OPTIONS',
            'access-control-allow-headers': 'authorization,content-type,if-none-match',
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
        if (r.scope) authenticate(request.headers, deps.keys, r.scope);
        const params: Record<string, string> = {};
        r.names.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1]!);
        });
        const response = await r.handle({ request, params, deps });
        response.headers = { ...cors, 'x-request-id': request.requestId, ...(response.headers ?? {}) };
        if (request.method === 'HEAD') response.body = '';
        return response;
      }
      if (pathMatched) return json(405, { error: `method ${request.method} not allowed on ${request.path}`, details: [] }, cors);
      throw new NotFoundError(`no route for ${request.method} ${request.path}`);
    } catch (error) {
      // A 503 is a deliberate "try again / rebuild first" with an actionable message: shown too.
      if (error instanceof HttpError && (error.statusCode < 500 || error.statusCode === 503)) {
        const headers: Record<string, string> = { ...cors };
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
