// The plumbing shared by the provider mocks: a real HTTP server on 127.0.0.1 (random port) that
// logs every request, can be told to answer the next matching requests with a fault (429 with
// retry-after, 500, a malformed body), and pages bucket lists the way both providers do.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface MockAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Fault {
  /** Which requests it applies to (default: any). */
  match?: (request: MockRequest) => boolean;
  status: number;
  headers?: Record<string, string>;
  /** Sent as is when a string (a malformed page), JSON otherwise. */
  body?: unknown;
  /** How many matching requests get it (default 1). */
  times?: number;
}

export interface MockServer {
  url: string;
  requests: MockRequest[];
  /** Queue a fault for the next matching request(s). */
  fail(fault: Fault): void;
  /** Forget queued faults and logged requests. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startMockServer(handle: (request: MockRequest) => MockAnswer): Promise<MockServer> {
  const requests: MockRequest[] = [];
  const faults: Array<Fault & { left: number }> = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: MockRequest = { path: url.pathname, query: url.searchParams, headers: req.headers };
    requests.push(request);
    const faultAt = faults.findIndex((f) => f.left > 0 && (f.match?.(request) ?? true));
    let answer: MockAnswer;
    if (faultAt >= 0) {
      const fault = faults[faultAt]!;
      fault.left--;
      if (fault.left === 0) faults.splice(faultAt, 1);
      answer = { status: fault.status, body: fault.body ?? { error: { message: 'injected fault' } }, headers: fault.headers ?? {} };
    } else {
      answer = handle(request);
    }
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    reset: () => {
      faults.length = 0;
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** `limit` buckets from the one the page token names; the token is opaque to clients. */
export function pageOf<T>(buckets: T[], limit: number, token: string | null): { data: T[]; has_more: boolean; next_page: string | null } {
  const from = token === null ? 0 : Number(Buffer.from(token.replace(/^page_/, ''), 'base64').toString('utf8'));
  const data = buckets.slice(from, from + limit);
  const next = from + limit;
  const has_more = next < buckets.length;
  return { data, has_more, next_page: has_more ? `page_${Buffer.from(String(next)).toString('base64')}` : null };
}

/**
 * Rows reduced to the requested dimensions: the others become null and rows that then agree are
 * merged by adding their metrics (`add`), as a provider's group_by does.
 */
export function groupRows<Row extends Record<string, unknown>>(
  rows: readonly Row[],
  dimensions: readonly string[],
  groupBy: readonly string[],
  add: (into: Row, from: Row) => void,
): Row[] {
  const out = new Map<string, Row>();
  for (const row of rows) {
    const copy: Row = structuredClone(row);
    for (const d of dimensions) if (!groupBy.includes(d)) (copy as Record<string, unknown>)[d] = null;
    const key = JSON.stringify(dimensions.map((d) => copy[d] ?? null));
    const seen = out.get(key);
    if (seen) add(seen, copy);
    else out.set(key, copy);
  }
  return [...out.values()];
}

/** Bucket starts (ms) from `start` snapped down to the width, while start < end. */
export function bucketStarts(startMs: number, endMs: number, widthMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(startMs / widthMs) * widthMs; t < endMs; t += widthMs) out.push(t);
  return out;
}
