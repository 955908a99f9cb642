import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../../lib/api/all-routes.ts';
import { buildOpenApiDocument } from '../../../lib/api/openapi.ts';

type Operation = {
  parameters: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
  requestBody?: { required: boolean; content: Record<string, { schema?: unknown }> };
  responses: Record<
    string,
    { content?: Record<string, { schema?: unknown; example?: unknown }>; headers?: Record<string, { required: boolean }> }
  >;
  security: unknown[];
  'x-scope': string | null;
};

const doc = buildOpenApiDocument(allRoutes, { title: 't', version: '1' }) as {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists every route with its method', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const route of allRoutes) {
      expect(doc.paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
    for (const path of ['/v1/summary', '/v1/usage', '/v1/performance', '/v1/costs', '/v1/export', '/openapi.json']) {
      expect(doc.paths[path]?.get).toBeDefined();
    }
  });

  it('lists the query parameters from the schemas the handlers validate with', () => {
    const summary = doc.paths['/v1/summary']!.get!;
    expect(summary.parameters.map((p) => p.name)).toEqual(['metric', 'granularity', 'from', 'to', 'window']);
    expect(summary.parameters.every((p) => p.in === 'query' && p.required === false)).toBe(true);
    expect(summary.parameters[0]!.schema).toMatchObject({
      enum: ['cost', 'tokens', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'requests'],
    });
    const usage = doc.paths['/v1/usage']!.get!;
    expect(usage.parameters.find((p) => p.name === 'entity_type')?.required).toBe(true);
    // limit is sent as a string of digits.
    expect(usage.parameters.find((p) => p.name === 'limit')?.schema).toMatchObject({ type: 'string', pattern: '^\\d{1,9}$' });
  });

  it('marks keyless routes and the scope of the others', () => {
    expect(doc.paths['/openapi.json']!.get!.security).toEqual([]);
    expect(doc.paths['/v1/costs']!.get!['x-scope']).toBe('read');
    expect(doc.paths['/v1/costs']!.get!.security).toEqual([{ bearer: [] }]);
  });

  it('holds documented examples that pass their own schemas', () => {
    let checked = 0;
    for (const route of allRoutes) {
      for (const [status, response] of Object.entries(route.responses)) {
        if (response.kind !== 'json' || response.example === undefined) continue;
        const parsed = response.schema.safeParse(response.example);
        expect(parsed.success, `${route.method} ${route.path} ${status}: ${parsed.error?.message}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('declares the request bodies a client sends, from the schemas the router enforces', () => {
    expect(Object.keys(doc.paths['/v1/events']!.post!.requestBody!.content)).toEqual(['application/json']);
    expect(doc.paths['/v1/events']!.post!.requestBody!.content['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/EventBatch',
    });
    expect(doc.components.schemas.EventBatch).toMatchObject({
      anyOf: [{ type: 'array', minItems: 1, maxItems: 1000 }, { type: 'object' }],
    });
    expect(doc.paths['/v1/budgets']!.put!.requestBody!.required).toBe(true);
    expect(doc.paths['/v1/summary']!.get!.requestBody).toBeUndefined();
  });

  it('declares each answer the server gives: keys, revalidation, bad input, the export link, HTML', () => {
    const statuses = (path: string, method = 'get') => Object.keys(doc.paths[path]![method]!.responses);
    for (const route of allRoutes) {
      const declared = statuses(route.path, route.method.toLowerCase());
      expect(declared, `${route.method} ${route.path}`).toContain('400');
      expect(declared, `${route.method} ${route.path}`).toContain('500');
      if (route.scope) expect(declared, `${route.method} ${route.path}`).toEqual(expect.arrayContaining(['401', '403', '429']));
      else expect(declared, `${route.method} ${route.path}`).not.toContain('429');
    }
    expect(statuses('/v1/analytics')).toEqual(['200', '304', '400', '401', '403', '429', '500', '503']);
    expect(doc.paths['/v1/analytics']!.get!.responses['429']!.headers!['retry-after']!.required).toBe(true);
    expect(doc.paths['/v1/analytics']!.get!.responses['200']!.headers!.etag!.required).toBe(true);
    expect(statuses('/v1/export')).toEqual(['200', '303', '400', '401', '403', '429', '500', '503']);
    expect(doc.paths['/v1/export']!.get!.responses['303']!.headers!.location!.required).toBe(true);
    expect(Object.keys(doc.paths['/v1/export']!.get!.responses['200']!.headers!)).toEqual([
      'content-disposition',
      'x-row-count',
      'x-focus-version',
      'x-focus-schema-id',
    ]);
    expect(Object.keys(doc.paths['/']!.get!.responses['200']!.content!)).toEqual(['text/html']);
    expect(statuses('/assets/{name}')).toContain('404');
    expect(doc.paths['/v1/windows/{window}']!.get!.parameters[0]).toMatchObject({
      name: 'window',
      in: 'path',
      schema: { enum: ['7d', '30d', '90d'] },
    });
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('describes what a route does, not where its name came from', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/\bseed\b|run_aggregation|record_event|export_data/);
  });
});
