// Holds live answers of the API to the OpenAPI document the server itself serves: a fetch that
// records each exchange, and a checker that says, per answer, what the document does not allow —
// an undeclared status or media type, a JSON body that fails its schema (ajv, JSON Schema
// 2020-12, the document's own `$ref`s), a declared-required header missing or malformed.

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, unknown>;

export interface Exchange {
  method: string;
  /** Path and query as requested. */
  url: string;
  status: number;
  headers: Headers;
  body: Buffer;
}

/**
 * fetch, recording every exchange with the API (`isApi` tells its origins from others, e.g. a
 * presigned download). A redirect is recorded as the API answered it, then followed as fetch would.
 */
export function createRecorder(isApi: (url: URL) => boolean) {
  const exchanges: Exchange[] = [];
  async function recordingFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    if (input instanceof Request) throw new Error('recordingFetch takes a URL and init, not a Request');
    const url = new URL(input);
    if (!isApi(url)) return fetch(url, init);
    const res = await fetch(url, { ...init, redirect: 'manual' });
    const body = Buffer.from(await res.arrayBuffer());
    exchanges.push({
      method: (init.method ?? 'GET').toUpperCase(),
      url: url.pathname + url.search,
      status: res.status,
      headers: res.headers,
      body,
    });
    const location = res.headers.get('location');
    if (location && res.status >= 300 && res.status < 400 && (init.redirect ?? 'follow') === 'follow') {
      // Another origin: like fetch, send no credentials there.
      return recordingFetch(location, { method: res.status === 303 ? 'GET' : (init.method ?? 'GET') });
    }
    // The body was read; hand the caller an equivalent response.
    return new Response(res.status === 304 || body.length === 0 ? null : body, { status: res.status, headers: res.headers });
  }
  return { fetch: recordingFetch, exchanges };
}

function pathPattern(template: string): RegExp {
  const source = template
    .split('/')
    .map((part) => (/^\{\w+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

function pointer(...segments: string[]): string {
  return `openapi.json#/${segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

function isJsonMedia(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

export interface ContractChecker {
  /** What the document does not allow in this answer; empty when it conforms. */
  check(exchange: Exchange): string[];
  /** `METHOD path-template` of every operation in the document. */
  operations: string[];
  /** The operation an exchange belongs to, if any. */
  operationOf(exchange: Pick<Exchange, 'method' | 'url'>): string | null;
}

export function createContractChecker(document: Json): ContractChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // The whole document is one resource, so `#/components/schemas/…` refs resolve inside it.
  ajv.addSchema(document, 'openapi.json');
  const compiled = new Map<string, ValidateFunction>();
  const validator = (ref: string) => {
    let v = compiled.get(ref);
    if (!v) {
      v = ajv.compile({ $ref: ref });
      compiled.set(ref, v);
    }
    return v;
  };
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  const routes = Object.entries(paths).map(([template, item]) => ({ template, pattern: pathPattern(template), item }));
  const operationOf = (exchange: Pick<Exchange, 'method' | 'url'>) => {
    const path = exchange.url.split('?', 1)[0]!;
    const method = exchange.method === 'HEAD' ? 'get' : exchange.method.toLowerCase();
    const route = routes.find((r) => r.pattern.test(path) && r.item[method]);
    return route ? `${method.toUpperCase()} ${route.template}` : null;
  };

  function check(exchange: Exchange): string[] {
    const where = `${exchange.method} ${exchange.url} → ${exchange.status}`;
    const path = exchange.url.split('?', 1)[0]!;
    const method = exchange.method === 'HEAD' ? 'get' : exchange.method.toLowerCase();
    const route = routes.find((r) => r.pattern.test(path) && r.item[method]);
    if (!route) {
      // No operation: the router's own 404 (unknown path) and 405 (known path, other method).
      const known = routes.some((r) => r.pattern.test(path));
      return exchange.status === (known ? 405 : 404) ? [] : [`${where}: no operation, and not the router's ${known ? 405 : 404}`];
    }
    const responses = (route.item[method] as Json).responses as Record<string, Json>;
    const declared = responses[String(exchange.status)];
    if (!declared) return [`${where}: status not declared (declared: ${Object.keys(responses).join(', ')})`];
    const problems: string[] = [];
    const base = ['paths', route.template, method, 'responses', String(exchange.status)];
    for (const [name, header] of Object.entries((declared.headers ?? {}) as Record<string, Json>)) {
      const value = exchange.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${where}: required header ${name} missing`);
        continue;
      }
      const v = validator(pointer(...base, 'headers', name, 'schema'));
      if (!v(value)) problems.push(`${where}: header ${name}=${value}: ${ajv.errorsText(v.errors)}`);
    }
    const content = declared.content as Record<string, Json> | undefined;
    if (!content) {
      if (exchange.method !== 'HEAD' && exchange.body.length > 0) problems.push(`${where}: a body where none is declared`);
      return problems;
    }
    const mediaType = (exchange.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
    const media = content[mediaType];
    if (!media)
      return [...problems, `${where}: media type ${mediaType || '(none)'} not declared (declared: ${Object.keys(content).join(', ')})`];
    // HEAD answers and compressed bodies are not checked against the schema (the headers were).
    if (exchange.method === 'HEAD' || exchange.headers.get('content-encoding') || !media.schema) return problems;
    const v = validator(pointer(...base, 'content', mediaType, 'schema'));
    let value: unknown;
    if (isJsonMedia(mediaType)) {
      try {
        value = JSON.parse(exchange.body.toString('utf8'));
      } catch (error) {
        return [...problems, `${where}: declared JSON but is not: ${(error as Error).message}`];
      }
    } else value = exchange.body.toString('utf8');
    if (!v(value)) problems.push(`${where}: body: ${ajv.errorsText(v.errors, { separator: '; ' }).slice(0, 600)}`);
    return problems;
  }

  const operations = routes.flatMap((r) =>
    Object.keys(r.item)
      .filter((m) => ['get', 'post', 'put', 'delete', 'patch'].includes(m))
      .map((m) => `${m.toUpperCase()} ${r.template}`),
  );
  return { check, operations, operationOf };
}

/** Every recorded answer checked against the document served at `${origin}/openapi.json`. */
export async function contractViolations(origin: string, exchanges: readonly Exchange[]): Promise<string[]> {
  const document = (await (await fetch(`${origin}/openapi.json`)).json()) as Json;
  const checker = createContractChecker(document);
  return exchanges.flatMap((e) => checker.check(e));
}
