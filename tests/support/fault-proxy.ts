// A fault-injecting HTTP proxy on loopback in front of the embedded S3: a chosen share of
// requests is answered 503 SlowDown or 500 InternalError, or has its connection reset, before the
// store sees it. Deterministic (seeded), so a failing run can be replayed.

import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'slowdown' | 'internal' | 'reset';

export interface FaultProxy {
  endpoint: string;
  injected: Record<Fault, number>;
  forwarded: number;
  stop(): Promise<void>;
}

export async function startFaultProxy(target: string, options: { rate: number; seed?: number; faults?: Fault[] }): Promise<FaultProxy> {
  const upstream = new URL(target);
  let seed = options.seed ?? 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const faults = options.faults ?? ['slowdown', 'internal', 'reset'];
  const injected: Record<Fault, number> = { slowdown: 0, internal: 0, reset: 0 };
  const state = { forwarded: 0 };
  const fail = (res: ServerResponse, status: number, code: string) => {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message><RequestId>fault</RequestId></Error>`,
    );
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (rand() < options.rate) {
        const fault = faults[Math.floor(rand() * faults.length)]!;
        injected[fault]++;
        if (fault === 'reset') {
          req.socket.destroy();
          return;
        }
        fail(res, fault === 'slowdown' ? 503 : 500, fault === 'slowdown' ? 'SlowDown' : 'InternalError');
        return;
      }
      state.forwarded++;
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    get forwarded() {
      return state.forwarded;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
