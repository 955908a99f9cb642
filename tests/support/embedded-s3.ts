// The S3-protocol test double: s3rver on 127.0.0.1, data in a temp folder, speaking the real S3
// HTTP protocol (the S3 adapter's conformance tests, the fault proxy, team-mode push tests). Its ObjectCreated events are
// re-shaped into what real S3 sends (URL-encoded keys) before a handler sees them.

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { createS3Client } from '../../lib/store/s3-store.ts';
import { encodeS3EventKey } from '../../local/object-events.ts';

const require = createRequire(import.meta.url);

/** s3rver's default account; it verifies request signatures against it. */
export const EMBEDDED_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: { Records: Array<Record<string, unknown>> }) => void): void;
}

export interface EmbeddedS3 {
  endpoint: string;
  port: number;
  bucket: string;
  client: S3Client;
  /** Called with each ObjectCreated/Removed event, keys encoded as real S3 encodes them. */
  onEvent(listener: (event: S3Event) => void): void;
  stop(): Promise<void>;
}

export async function startEmbeddedS3(options: { directory: string; bucket: string; port?: number }): Promise<EmbeddedS3> {
  if (!process.execArgv.includes('--openssl-legacy-provider') && !(process.env.NODE_OPTIONS ?? '').includes('--openssl-legacy-provider')) {
    // s3rver encrypts list continuation tokens with DES; without the legacy provider a listing of
    // more than 1,000 keys answers 500. Say so instead of failing later on a big lake.
    process.emitWarning('embedded S3: run node with --openssl-legacy-provider so listings over 1,000 keys work');
  }
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: options.bucket }],
    vhostBuckets: false,
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const listeners: Array<(event: S3Event) => void> = [];
  server.on('event', (raw) => {
    const records = raw.Records.map((r) => {
      const s3 = r.s3 as { object: { key: string } };
      return { ...r, s3: { ...s3, object: { ...s3.object, key: encodeS3EventKey(s3.object.key) } } };
    });
    const event = { Records: records } as unknown as S3Event;
    for (const l of listeners) l(event);
  });
  const client = createS3Client({ endpoint, credentials: EMBEDDED_CREDENTIALS, region: 'us-east-1' });
  return {
    endpoint,
    port: address.port,
    bucket: options.bucket,
    client,
    onEvent: (l) => listeners.push(l),
    async stop() {
      client.destroy();
      await server.close();
    },
  };
}
