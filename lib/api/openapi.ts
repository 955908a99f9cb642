// The OpenAPI 3.1 document, generated from the route declarations and the very zod schemas the
// router validates requests with and the handlers' replies are typed by (zod 4's JSON Schema
// output: the input side for what a client sends, the output side for what it receives), so the
// document cannot drift from the code. Served at GET /openapi.json without a key
// (routes/openapi.ts).

import { z } from 'zod';
import { answersOf, type BodySpec, type HeaderSpecs, pathPlaceholders, type ResponseSpec, type Route, routeTags } from './contract.ts';

type JsonObject = Record<string, unknown>;
type Io = 'input' | 'output';

function toSchema(schema: z.ZodType, io: Io): JsonObject {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  delete out.$schema;
  return out;
}

/**
 * Named schemas, listed once under `#/components/schemas` and referenced. A name stands for one
 * schema read one way (input or output); reusing it for another is a mistake caught here.
 */
class Components {
  private readonly byName = new Map<string, { schema: z.ZodType; io: Io; json: JsonObject }>();

  schema(schema: z.ZodType, io: Io, name?: string): JsonObject {
    if (!name) return toSchema(schema, io);
    const known = this.byName.get(name);
    if (known && (known.schema !== schema || known.io !== io)) throw new Error(`two different schemas are named ${name}`);
    if (!known) this.byName.set(name, { schema, io, json: toSchema(schema, io) });
    return { $ref: `#/components/schemas/${name}` };
  }

  all(): Record<string, JsonObject> {
    return Object.fromEntries([...this.byName].sort(([a], [b]) => a.localeCompare(b)).map(([name, c]) => [name, c.json]));
  }
}

/** Moves a schema's description up to its parameter, where readers look for it. */
function parameter(name: string, where: 'path' | 'query', field: z.ZodType): JsonObject {
  const schema = toSchema(field, 'input');
  const description = typeof schema.description === 'string' ? schema.description : undefined;
  delete schema.description;
  const required = where === 'path' || !field.safeParse(undefined).success;
  return { name, in: where, required, ...(description ? { description } : {}), schema };
}

function parameters(route: Route): JsonObject[] {
  const path = pathPlaceholders(route.path).map((name) => parameter(name, 'path', route.params?.shape[name] ?? z.string()));
  const query = Object.entries(route.query.shape).map(([name, field]) => parameter(name, 'query', field as z.ZodType));
  return [...path, ...query];
}

function requestBody(body: BodySpec, components: Components): JsonObject {
  const content: JsonObject = {};
  for (const [type, media] of Object.entries(body.content)) {
    content[type] =
      media.kind === 'json'
        ? {
            schema: components.schema(media.schema, 'input', media.name),
            ...(media.example !== undefined ? { example: media.example } : {}),
          }
        : // Binary: no type (OpenAPI 3.1 describes raw bytes by their media type alone).
          media.description
          ? { schema: { description: media.description } }
          : {};
  }
  const encodings = body.encodings?.length ? ` Content-Encoding ${body.encodings.join(', ')} accepted.` : '';
  return { description: `${body.description} At most ${body.maxBytes} bytes.${encodings}`, required: true, content };
}

function headers(specs: HeaderSpecs | undefined): JsonObject | undefined {
  if (!specs || Object.keys(specs).length === 0) return undefined;
  return Object.fromEntries(
    Object.entries(specs).map(([name, h]) => [
      name,
      { description: h.description, required: h.required ?? false, schema: toSchema(h.schema ?? z.string(), 'output') },
    ]),
  );
}

function response(description: string, spec: ResponseSpec, components: Components): JsonObject {
  const out: JsonObject = { description };
  const declaredHeaders = headers(spec.headers);
  if (declaredHeaders) out.headers = declaredHeaders;
  if (spec.kind === 'json') {
    out.content = {
      'application/json': {
        schema: components.schema(spec.schema, 'output', spec.name),
        ...(spec.example !== undefined ? { example: spec.example } : {}),
      },
    };
  } else if (spec.kind === 'content') {
    const content: JsonObject = {};
    for (const [type, media] of Object.entries(spec.content)) {
      // Raw bytes have no type in OpenAPI 3.1: their media type says what they are.
      const schema: JsonObject = media.schema ? toSchema(media.schema, 'output') : media.binary ? {} : { type: 'string' };
      if (media.description) schema.description = media.description;
      content[type] = Object.keys(schema).length > 0 ? { schema } : {};
    }
    out.content = content;
  }
  return out;
}

/** `GET /v1/windows/{window}` → `getV1WindowsWindow`; `GET /` → `getRoot`. */
function operationId(route: Route): string {
  const words = route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''));
  return `${route.method.toLowerCase()}${words || 'Root'}`;
}

export function buildOpenApiDocument(routes: readonly Route[], info: { title: string; version: string }): JsonObject {
  const components = new Components();
  const paths: Record<string, JsonObject> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    tags.add(route.tag);
    const responses: JsonObject = {};
    for (const [status, answer] of answersOf(route)) responses[String(status)] = response(answer.description, answer.spec, components);
    const operation: JsonObject = {
      operationId: operationId(route),
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: route.scope ? [{ bearer: [] }] : [],
      'x-scope': route.scope,
      parameters: parameters(route),
      ...(route.body ? { requestBody: requestBody(route.body, components) } : {}),
      responses,
    };
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'tokenlake: LLM usage and cost analytics over an S3 lake. Every route but /health, /openapi.json and the dashboard ' +
        'needs a bearer key. Bad input is answered 400 with `{ error, details: [{ field, reason }] }`, never a 5xx.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    // Relative: the document is served by the deployment it describes, wherever that is.
    servers: [{ url: '/', description: 'The deployment serving this document.' }],
    tags: Object.entries(routeTags)
      .filter(([name]) => tags.has(name))
      .map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key; scopes read, ingest, admin (admin implies the others).' },
      },
      schemas: components.all(),
    },
    paths,
  };
}
