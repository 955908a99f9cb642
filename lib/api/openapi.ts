// The OpenAPI 3.1 document, generated from the route list and the very zod schemas the handlers
// validate with (zod 4's JSON Schema output, input side: what a client sends), so the document
// cannot drift from the code. Served at GET /openapi.json without a key.

import { z } from 'zod';
import type { Route } from './router.ts';
import { parseQuery } from './routes.ts';

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

function queryParameters(query: z.ZodObject): JsonSchema[] {
  return Object.entries(query.shape).map(([name, field]) => {
    const schema = toSchema(field as z.ZodType, 'input');
    const description = typeof schema.description === 'string' ? schema.description : undefined;
    delete schema.description;
    const optional = (field as z.ZodType).safeParse(undefined).success;
    return { name, in: 'query', required: !optional, ...(description ? { description } : {}), schema };
  });
}

function pathParameters(path: string): JsonSchema[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
}

function responses(route: Route): JsonSchema {
  const docs = route.responses ?? { '200': { description: 'OK' } };
  const out: JsonSchema = {};
  for (const [status, doc] of Object.entries(docs)) {
    const types =
      doc.contentType === undefined ? ['application/json'] : typeof doc.contentType === 'string' ? [doc.contentType] : doc.contentType;
    const content: JsonSchema = {};
    for (const type of types) {
      content[type] = {
        ...(doc.schema ? { schema: toSchema(doc.schema, 'output') } : {}),
        ...(doc.example !== undefined ? { example: doc.example } : {}),
      };
    }
    out[status] = { description: doc.description, content };
  }
  return out;
}

export function buildOpenApiDocument(routes: readonly Route[], info: { title: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      security: route.scope ? [{ bearer: [] }] : [],
      'x-scope': route.scope,
      parameters: [...pathParameters(route.path), ...(route.query ? queryParameters(route.query) : [])],
      responses: responses(route),
    };
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description: 'tokenlake: LLM usage and cost analytics over an S3 lake. Every route but /health and /openapi.json needs a bearer key.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key; scopes read, ingest, admin (admin implies the others).' },
      },
    },
    paths,
  };
}

/** The route serving the document; takes the list lazily because the list contains it. */
export function createOpenApiRoute(routes: () => readonly Route[]): Route {
  let cached: string | null = null;
  return {
    method: 'GET',
    path: '/openapi.json',
    scope: null,
    summary: 'This API as an OpenAPI 3.1 document, generated from the schemas the handlers validate with.',
    query: z.object({}),
    responses: { '200': { description: 'The OpenAPI document.' } },
    handle(context) {
      parseQuery(context, z.object({}));
      cached ??= JSON.stringify(buildOpenApiDocument(routes(), { title: 'tokenlake API', version: '1' }));
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
        body: cached,
      };
    },
  };
}
