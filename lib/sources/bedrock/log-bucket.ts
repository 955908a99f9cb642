// The read-only port through which the bedrock source sees a log location (list in key order, open
// one object as a byte stream), its S3 adapter, and the streamed gunzip into lines. The S3 client is
// built here from the location and config, and the AWS SDK is imported only when a Bedrock
// location is configured, so the CLI bundle does not load it otherwise.

import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ObjectStore, StoredObject } from '../../store/object-store.ts';

export interface LogBucket {
  /** The first key under `prefix` after `startAfter`, or null (one request: discovery skips from folder to folder). */
  firstKey(prefix: string, startAfter: string): Promise<string | null>;
  /** Objects under `prefix` with `startAfter < key < endBefore`, in key order; listing stops at `endBefore`. */
  listKeys(prefix: string, startAfter: string, endBefore: string): Promise<StoredObject[]>;
  /** The object's bytes as they arrive; null when it is gone. */
  open(key: string): Promise<AsyncIterable<Uint8Array> | null>;
  close(): void;
}

/** Any store behind the storage port as a log location (tests; a local copy of the logs). */
export function logBucketFromStore(store: ObjectStore): LogBucket {
  return {
    async firstKey(prefix, startAfter) {
      return (await store.list(prefix, { startAfter })).find((o) => o.key > startAfter)?.key ?? null;
    },
    async listKeys(prefix, startAfter, endBefore) {
      return (await store.list(prefix, { startAfter })).filter((o) => o.key > startAfter && o.key < endBefore);
    },
    async open(key) {
      const bytes = await store.getBytes(key);
      return bytes ? Readable.from([Buffer.from(bytes)]) : null;
    },
    close() {},
  };
}

interface S3LogBucketOptions {
  bucket: string;
  region: string;
  /** TOKENLAKE_S3_ENDPOINT: an S3-compatible store (tests point it at a local one). */
  endpoint?: string | undefined;
}

/**
 * The location's bucket over S3, with the standard AWS credential chain (the Lambda role on AWS).
 * The bucket may be in another region than the process (Bedrock delivers to a bucket in the
 * logging region): the client follows S3's region redirects.
 */
export async function openS3LogBucket(options: S3LogBucketOptions): Promise<LogBucket> {
  const { GetObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const { createS3Client } = await import('../../store/s3-store.ts');
  const client = createS3Client({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  client.config.followRegionRedirects = true;
  const Bucket = options.bucket;
  return {
    async firstKey(prefix, startAfter) {
      const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, StartAfter: startAfter, MaxKeys: 1 }));
      return page.Contents?.[0]?.Key ?? null;
    },
    async listKeys(prefix, startAfter, endBefore) {
      const out: StoredObject[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : { StartAfter: startAfter }) }),
        );
        for (const o of page.Contents ?? []) {
          if (!o.Key) continue;
          // Keys come in order: past the end of the hourly layout, no further page is needed.
          if (o.Key >= endBefore) return out;
          out.push({
            key: o.Key,
            etag: (o.ETag ?? '').replaceAll('"', ''),
            size: o.Size ?? 0,
            lastModified: o.LastModified?.toISOString() ?? null,
          });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    async open(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return (out.Body as Readable | undefined) ?? Readable.from([]);
      } catch (error) {
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
        throw error;
      }
    },
    close: () => client.destroy(),
  };
}

/** A line longer than this is not a log record of Bedrock's (bodies over 100 KB are stored apart). */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

type GzipLine = { line: string; number: number } | { tooLong: number; number: number };

/**
 * The lines of a gzipped object, decompressed as the bytes arrive (one line in memory at a time).
 * A truncated or corrupt stream throws after the complete lines before the damage were yielded;
 * the partial line at the damage is never yielded.
 */
export async function* gunzipLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<GzipLine> {
  const input = body instanceof Readable ? body : Readable.from(body);
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let number = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        number++;
        if (tooLong || size + (nl - start) > MAX_LINE_BYTES) yield { tooLong: size + (nl - start), number };
        else yield { line: Buffer.concat([...parts, chunk.subarray(start, nl)]).toString('utf8'), number };
        parts = [];
        size = 0;
        tooLong = false;
        start = nl + 1;
      }
      const rest = chunk.subarray(start);
      size += rest.length;
      if (size > MAX_LINE_BYTES) {
        tooLong = true;
        parts = [];
      } else if (rest.length > 0) parts.push(Buffer.from(rest));
    }
  } finally {
    input.destroy();
  }
  if (size > 0) {
    number++;
    yield tooLong ? { tooLong: size, number } : { line: Buffer.concat(parts).toString('utf8'), number };
  }
}
