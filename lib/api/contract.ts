// The vocabulary a route is declared in: its request (query, path, body) and every answer it can
// give (status, media type, headers, schema), all as zod schemas. The router enforces the request
// side before the handler runs and serialises the handler's typed reply; openapi.ts documents both
// from the same declaration, so the document, the validation and the handler's types cannot drift.
// A declaration is self-contained (one `defineRoute` call), so it can live in any file.

import { z } from 'zod';
import type { Scope } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import type { ApiRequest } from './http.ts';

// ── answers ──────────────────────────────────────────────────────────────────────────────────

/**
 * Every error answer: a message and, per offending input, its field and why.
 * @example {"error":"invalid query parameters","details":[{"field":"window","reason":"expected one of 7d, 30d, 90d"}]}
 */
export const errorBodySchema = z.object({
  error: z.string(),
  details: z.array(z.object({ field: z.string(), reason: z.string() })),
  /** On a 500 only: quote it when reporting the failure (it is in the logs). */
  request_id: z.string().optional(),
});
/** What a client reads from an error answer (the dashboard, web/). */
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** A response header the route sends; names are lowercase, as on the wire. */
interface HeaderSpec {
  description: string;
  /** Default: any string. */
  schema?: z.ZodType<string>;
  required?: boolean;
}
export type HeaderSpecs = Readonly<Record<string, HeaderSpec>>;

/** A JSON answer; the handler returns the value (or its pre-serialised text) and the router serialises it. */
interface JsonResponseSpec<S extends z.ZodType = z.ZodType, H extends HeaderSpecs = HeaderSpecs> {
  kind: 'json';
  description: string;
  schema: S;
  /** Listed once under `#/components/schemas/<name>` and referenced. */
  name?: string;
  headers?: H;
  example?: z.output<S>;
}

/** One media type of a non-JSON-value answer (a file, a page): text, or binary (base64 inside API Gateway). */
interface MediaSpec {
  binary?: boolean;
  /** What the bytes hold once parsed, for JSON media types (e.g. an export as one JSON array); else a string. */
  schema?: z.ZodType;
  description?: string;
}

/** An answer whose body the handler has already encoded: an export, the dashboard page, an asset. */
interface ContentResponseSpec<M extends string = string, H extends HeaderSpecs = HeaderSpecs> {
  kind: 'content';
  description: string;
  content: Readonly<Record<M, MediaSpec>>;
  headers?: H;
}

/** No body: 304, 204. */
interface EmptyResponseSpec<H extends HeaderSpecs = HeaderSpecs> {
  kind: 'empty';
  description: string;
  headers?: H;
}

// biome-ignore lint/suspicious/noExplicitAny: the erased form of any declared answer.
export type ResponseSpec = JsonResponseSpec<any, any> | ContentResponseSpec<any, any> | EmptyResponseSpec<any>;
type ResponseSpecs = Readonly<Record<number, ResponseSpec>>;

export function jsonResponse<S extends z.ZodType, const H extends HeaderSpecs = Record<never, HeaderSpec>>(
  description: string,
  schema: S,
  options: { name?: string; headers?: H; example?: z.output<S> } = {},
): JsonResponseSpec<S, H> {
  return { kind: 'json', description, schema, ...options };
}

export function contentResponse<M extends string, const H extends HeaderSpecs = Record<never, HeaderSpec>>(
  description: string,
  content: Readonly<Record<M, MediaSpec>>,
  options: { headers?: H } = {},
): ContentResponseSpec<M, H> {
  return { kind: 'content', description, content, ...options };
}

export function emptyResponse<const H extends HeaderSpecs = Record<never, HeaderSpec>>(
  description: string,
  options: { headers?: H } = {},
): EmptyResponseSpec<H> {
  return { kind: 'empty', description, ...options };
}

/**
 * Errors a route's handler (or what it calls) throws as an HttpError, besides the ones every route
 * can give: 400 (bad input), 401/403 (with a scope) and 500. The body is always `errorBodySchema`.
 */
type ErrorSpecs = Readonly<Record<number, string | { description: string; headers?: HeaderSpecs }>>;

/** A value serialised once (e.g. a cached document) that the type system still knows. */
export type JsonText<T> = string & { readonly __json: T };
export function toJsonText<T>(value: T): JsonText<T> {
  return JSON.stringify(value) as JsonText<T>;
}

/** The header names a reply must carry; none when the declaration's names are unknown (a wide record). */
type RequiredHeaderNames<H> = string extends keyof H
  ? never
  : { [K in keyof H]-?: H[K] extends { required: true } ? K : never }[keyof H] & string;
/** Undefined values are dropped: TypeScript gives a header one return sets and another omits `?: undefined`. */
type ExtraHeaders = Record<string, string | undefined>;
type ReplyHeaders<H> = [RequiredHeaderNames<H>] extends [never]
  ? { headers?: ExtraHeaders }
  : { headers: ExtraHeaders & { [K in RequiredHeaderNames<H>]: string } };

/** Flattens an intersection into one object type, so a union of replies is a plain discriminated union. */
type Flat<T> = { [K in keyof T]: T[K] } & {};

type ReplyFor<S extends number, D> =
  D extends JsonResponseSpec<infer Z, infer H>
    ? Flat<{ status: S; body: z.output<Z> } & ReplyHeaders<H>> | Flat<{ status: S; text: JsonText<z.output<Z>> } & ReplyHeaders<H>>
    : D extends ContentResponseSpec<infer M, infer H>
      ? Flat<
          {
            status: S;
            /** A declared media type, optionally with parameters (`text/csv; charset=utf-8`). */
            contentType: M | `${M}; ${string}`;
            /** Bytes are sent base64-encoded; a string already in base64 says so with isBase64Encoded. */
            body: string | Uint8Array;
            isBase64Encoded?: boolean;
          } & ReplyHeaders<H>
        >
      : D extends EmptyResponseSpec<infer H>
        ? Flat<{ status: S } & ReplyHeaders<H>>
        : never;

/** What a handler may return: exactly one of its declared answers, typed by the declaration. */
type Reply<R extends ResponseSpecs> = { [S in keyof R & number]: ReplyFor<S, R[S]> }[keyof R & number];

/** The erased reply the router serialises. */
export interface AnyReply {
  status: number;
  headers?: ExtraHeaders;
  body?: unknown;
  text?: string;
  contentType?: string;
  isBase64Encoded?: boolean;
}

// ── requests ─────────────────────────────────────────────────────────────────────────────────

/** A JSON request body: `schema` is documented; `check` (default: `schema`) is what the router enforces. */
interface JsonBodyMedia<S extends z.ZodType = z.ZodType, C extends z.ZodType = z.ZodType> {
  kind: 'json';
  schema: S;
  check: C;
  name?: string;
  example?: z.input<S>;
}

/** A body passed to the handler as bytes (protobuf, …). */
interface BinaryBodyMedia {
  kind: 'binary';
  description?: string;
}

type BodyMedia = JsonBodyMedia | BinaryBodyMedia;

/**
 * `check` exists for batch routes that accept part of a body: the router checks the envelope and
 * the handler each item (with the item schema `schema` documents), answering which ones failed.
 */
export function jsonBody<S extends z.ZodType>(schema: S, options?: { name?: string; example?: z.input<S> }): JsonBodyMedia<S, S>;
export function jsonBody<S extends z.ZodType, C extends z.ZodType>(
  schema: S,
  options: { check: C; name?: string; example?: z.input<S> },
): JsonBodyMedia<S, C>;
export function jsonBody(schema: z.ZodType, options: { check?: z.ZodType; name?: string; example?: unknown } = {}): JsonBodyMedia {
  const { check, ...rest } = options;
  return { kind: 'json', schema, check: check ?? schema, ...rest };
}

export function binaryBody(description?: string): BinaryBodyMedia {
  return { kind: 'binary', ...(description ? { description } : {}) };
}

export interface BodySpec<C extends Readonly<Record<string, BodyMedia>> = Readonly<Record<string, BodyMedia>>> {
  description: string;
  /** Media types accepted (others: 415), each with how it is read. */
  content: C;
  /** Largest body accepted, after decoding a Content-Encoding (larger: 413). */
  maxBytes: number;
  /** Content-Encodings decoded before reading (others: 415). */
  encodings?: readonly 'gzip'[];
}

type BodyValue<C> = {
  [M in keyof C & string]: C[M] extends JsonBodyMedia<z.ZodType, infer K>
    ? { mediaType: M; value: z.output<K> }
    : { mediaType: M; bytes: Buffer };
}[keyof C & string];

export interface RouteContext {
  request: ApiRequest;
  deps: ApiDeps;
}

interface RouteInput<Q extends z.ZodObject, P extends z.ZodObject, B extends BodySpec | undefined> extends RouteContext {
  query: z.output<Q>;
  params: z.output<P>;
  body: B extends BodySpec<infer C> ? BodyValue<C> : undefined;
}

// ── routes ───────────────────────────────────────────────────────────────────────────────────

/** Groups of the document; each route names one. */
export const routeTags = {
  analytics: 'The pre-computed analytics document and its windows.',
  queries: 'Answers for any period, computed from the daily rollups.',
  export: 'The lake records, daily sums or events of a period as files.',
  ingest: 'Sending usage and events in.',
  admin: 'Budgets and rebuilding rollups.',
  dashboard: 'The web dashboard and its assets.',
  service: 'Liveness and this document.',
} as const;
type RouteTag = keyof typeof routeTags;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A route's declaration: everything but its handler. */
interface RouteSpec<Q extends z.ZodObject, P extends z.ZodObject, B extends BodySpec | undefined, R extends ResponseSpecs> {
  method: Method;
  /** Path with `{name}` placeholders; `params` declares each one. */
  path: string;
  /** null = no key needed. */
  scope: Scope | null;
  tag: RouteTag;
  /** One line: what the route does. */
  summary: string;
  description?: string;
  /** Default: no parameters (any given is a 400). `z.looseObject` accepts and ignores unknown ones. */
  query?: Q;
  params?: P;
  /** Without it, a non-empty body is a 400. */
  body?: B;
  /**
   * Every answer the handler returns, by status. A route that declares its own 400 must let it
   * also be `errorBodySchema`: the router answers bad input with that before the handler runs.
   */
  responses: R;
  errors?: ErrorSpecs;
}

type Handler<Q extends z.ZodObject, P extends z.ZodObject, B extends BodySpec | undefined, R extends ResponseSpecs> = (
  input: RouteInput<Q, P, B>,
) => Reply<R> | Promise<Reply<R>>;

/** A declared route with its types erased, as the router and the document read it. */
export interface Route {
  method: Method;
  path: string;
  scope: Scope | null;
  tag: RouteTag;
  summary: string;
  description?: string;
  query: z.ZodObject;
  params: z.ZodObject | null;
  body: BodySpec | null;
  responses: ResponseSpecs;
  errors: ErrorSpecs;
  handle(input: AnyRouteInput): AnyReply | Promise<AnyReply>;
}

/** The erased input the router hands a handler, already checked against the declaration. */
export interface AnyRouteInput extends RouteContext {
  query: Record<string, unknown>;
  params: Record<string, unknown>;
  body: { mediaType: string; value: unknown } | { mediaType: string; bytes: Buffer } | undefined;
}

const noQuery = z.strictObject({});

export function pathPlaceholders(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/**
 * Declares a route, then takes its handler: `defineRoute({ ... }).handle(async (input) => reply)`.
 * Two steps because the reply's type comes from `responses`: with the handler inside the same
 * object, TypeScript would infer both at once and widen the literals of the reply (`status: 200`).
 */
export function defineRoute<
  R extends ResponseSpecs,
  Q extends z.ZodObject = typeof noQuery,
  P extends z.ZodObject = typeof noQuery,
  B extends BodySpec | undefined = undefined,
>(spec: RouteSpec<Q, P, B, R>): { handle(handler: Handler<Q, P, B, R>): Route } {
  const placeholders = pathPlaceholders(spec.path).sort();
  const declared = spec.params ? Object.keys(spec.params.shape).sort() : [];
  // A mismatch is a programming error: fail when the module loads, not on a request.
  if (placeholders.join() !== declared.join()) {
    throw new Error(`${spec.method} ${spec.path}: params declares [${declared}] but the path has [${placeholders}]`);
  }
  return {
    handle: (handler) => ({
      ...spec,
      query: spec.query ?? noQuery,
      params: spec.params ?? null,
      body: spec.body ?? null,
      errors: spec.errors ?? {},
      handle: handler as unknown as Route['handle'],
    }),
  };
}

const wwwAuthenticate = { 'www-authenticate': { description: 'Always `Bearer`.', required: true } } as const satisfies HeaderSpecs;
const retryAfter = {
  'retry-after': { description: 'Seconds to wait before trying again.', schema: z.string().regex(/^\d+$/), required: true },
} as const satisfies HeaderSpecs;

interface DeclaredAnswer {
  description: string;
  spec: ResponseSpec;
}

/**
 * Every answer a route can give, by status: what it declares, the errors it names, and the ones
 * the router itself gives (400 for bad input, 401/403/429 for a keyed route, 500).
 */
export function answersOf(route: Route): Map<number, DeclaredAnswer> {
  const out = new Map<number, DeclaredAnswer>();
  const error = (description: string, headers?: HeaderSpecs): DeclaredAnswer => ({
    description,
    spec: jsonResponse(description, errorBodySchema, { name: 'Error', ...(headers ? { headers } : {}) }),
  });
  out.set(400, error('A bad or unknown query parameter, path parameter or body; `details` names each field and why.'));
  if (route.scope) {
    out.set(401, error('No bearer key, or an unknown one (with `WWW-Authenticate: Bearer`).', wwwAuthenticate));
    out.set(403, error(`The key lacks the \`${route.scope}\` scope.`));
    out.set(
      429,
      error(
        'Too many wrong bearer keys from this address lately: retry after `Retry-After` seconds (the key is not checked meanwhile).',
        retryAfter,
      ),
    );
  }
  for (const [status, doc] of Object.entries(route.errors)) {
    out.set(Number(status), typeof doc === 'string' ? error(doc) : error(doc.description, doc.headers));
  }
  out.set(500, error('An unexpected failure; the body carries the request id to report.'));
  for (const [status, spec] of Object.entries(route.responses)) out.set(Number(status), { description: spec.description, spec });
  return new Map([...out].sort(([a], [b]) => a - b));
}
