// The HTTP vocabulary of the api function: a request reduced to what routes need, and responses
// in API Gateway v2's shape. Routes never see the raw event.

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parameters given more than once, for a clear 400. */
  repeatedQuery: string[];
  headers: Record<string, string>;
  /** The body as UTF-8 text (what JSON routes read). */
  body: string | null;
  /** The exact bytes, when the body arrived base64-encoded (binary or compressed bodies). */
  bodyBytes?: Buffer;
  requestId: string;
  /** The client's address as API Gateway (or the local server) saw it; absent for in-process calls. */
  sourceIp?: string;
}

export type ApiResponse = APIGatewayProxyStructuredResultV2;

export function toApiRequest(event: APIGatewayProxyEventV2): ApiRequest {
  // Names come from the client: without a prototype, `?constructor=` is a parameter like any other
  // and `__proto__` stays a key (which the route's schema then names), not an assignment.
  const headers: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const query: Record<string, string> = Object.create(null);
  const repeated = new Set<string>();
  if (event.rawQueryString) {
    for (const [k, v] of new URLSearchParams(event.rawQueryString)) {
      if (k in query) repeated.add(k);
      query[k] = v;
    }
  } else {
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
  }
  let body: string | null = event.body ?? null;
  let bodyBytes: Buffer | undefined;
  if (body !== null && event.isBase64Encoded) {
    bodyBytes = Buffer.from(body, 'base64');
    body = bodyBytes.toString('utf8');
  }
  return {
    method: (event.requestContext?.http?.method ?? 'GET').toUpperCase(),
    path: event.rawPath || event.requestContext?.http?.path || '/',
    query,
    repeatedQuery: [...repeated],
    headers,
    body,
    ...(bodyBytes ? { bodyBytes } : {}),
    requestId: event.requestContext?.requestId ?? '',
    sourceIp: event.requestContext?.http?.sourceIp ?? '',
  };
}

export function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return jsonText(statusCode, JSON.stringify(value), headers);
}

/** A JSON answer already serialised (a cached document). */
export function jsonText(statusCode: number, body: string, headers: Record<string, string> = {}): ApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body,
  };
}
