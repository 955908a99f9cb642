// GET /openapi.json: this API as an OpenAPI 3.1 document (lib/api/openapi.ts builds it from the
// route list).

import { z } from 'zod';
import { defineRoute, jsonResponse, type Route, toJsonText } from '../contract.ts';
import { buildOpenApiDocument } from '../openapi.ts';

/**
 * What GET /openapi.json answers; only the outline is checked here (the document's own schema is
 * the OpenAPI 3.1 specification, which redocly checks in the tests).
 */
const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
});

/** The route serving the document; takes the list lazily because the list contains it. */
export function createOpenApiRoute(routes: () => readonly Route[]): Route {
  let cached: ReturnType<typeof toJsonText<z.output<typeof openApiDocumentSchema>>> | null = null;
  return defineRoute({
    method: 'GET',
    path: '/openapi.json',
    scope: null,
    tag: 'service',
    summary: 'This API as an OpenAPI 3.1 document, generated from the schemas the router and the handlers use.',
    responses: { 200: jsonResponse('The OpenAPI document.', openApiDocumentSchema, { name: 'OpenApiDocument' }) },
  }).handle(() => {
    cached ??= toJsonText(openApiDocumentSchema.parse(buildOpenApiDocument(routes(), { title: 'tokenlake API', version: '1' })));
    return { status: 200, text: cached, headers: { 'cache-control': 'public, max-age=300' } };
  });
}
