import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../../lib/api/all-routes.ts';
import { buildOpenApiDocument } from '../../../lib/api/openapi.ts';

type Operation = {
  parameters: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
  responses: Record<string, { content: Record<string, { schema?: unknown; example?: unknown }> }>;
  security: unknown[];
  'x-scope': string | null;
};

const doc = buildOpenApiDocument(allRoutes, { title: 't', version: '1' }) as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
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
});
