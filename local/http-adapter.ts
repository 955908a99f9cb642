// A loopback HTTP server that turns each request into an API Gateway v2 (HTTP API, payload 2.0)
// event for the unchanged api handler, and its result back into an HTTP response.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** API Gateway's payload limit; bigger bodies are refused before the handler sees them. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The request target as a URL, or null when it cannot be one (a bad absolute-form target such as
 * `http://[x/`, which a client may send): the caller answers 400. An origin-form target is read
 * under a fixed origin, so `//v1/x` stays a path instead of naming a host.
 */
function parseRequestTarget(target: string | undefined): URL | null {
  const raw = target ?? '/';
  try {
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(raw)) return new URL(raw);
    return new URL(`http://localhost${raw.startsWith('/') ? '' : '/'}${raw}`);
  } catch {
    return null;
  }
}

function toApiGatewayEvent(req: IncomingMessage, body: Buffer, url: URL): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of url.searchParams) queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  // A compressed body is bytes whatever its media type, as API Gateway passes it (base64).
  const encoded = (headers['content-encoding'] ?? 'identity').trim().toLowerCase() !== 'identity';
  const textual = (!encoded && /json|text|csv|x-ndjson|xml|form-urlencoded/i.test(headers['content-type'] ?? '')) || body.length === 0;
  const now = new Date();
  const method = (req.method ?? 'GET').toUpperCase();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    cookies: headers.cookie ? headers.cookie.split(/;\s*/) : undefined,
    headers,
    queryStringParameters: url.search ? queryStringParameters : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length > 0 ? (textual ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !textual,
  } as APIGatewayProxyEventV2;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export async function startHttpAdapter(
  handler: ApiHandler,
  options: {
    port: number;
    host?: string;
    /** Answers some paths itself (the local stack's presigned downloads); null passes to the handler. */
    beforeHandler?: (url: URL) => Promise<RawAnswer | null>;
  },
): Promise<{ server: Server; url: string; port: number; stop(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const url = parseRequestTarget(req.url);
      if (!url) {
        const details = [{ field: 'path', reason: 'the request target is not a valid URL' }];
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'malformed request target', details }));
        return;
      }
      if (options.beforeHandler && (req.method === 'GET' || req.method === 'HEAD')) {
        const answer = await options.beforeHandler(url);
        if (answer) {
          res.writeHead(answer.status, answer.headers);
          res.end(req.method === 'HEAD' ? undefined : answer.body);
          return;
        }
      }
      const body = await readBody(req);
      if (body === 'too-large') {
        res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'request body too large', details: [] }));
        return;
      }
      const result = await handler(toApiGatewayEvent(req, body, url));
      const headers: Record<string, string | number | boolean> = { ...(result.headers ?? {}) };
      const payload = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
      res.writeHead(result.statusCode ?? 200, headers as Record<string, string>);
      res.end(payload);
    } catch (error) {
      process.stderr.write(`${JSON.stringify({ level: 'error', message: 'api handler threw', error: String(error) })}\n`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error', details: [] }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
