// S3 event notifications for the local stack: a store decorator that, after each successful write
// or delete, hands the listeners an event shaped like the one S3 sends (keys URL-encoded as S3
// encodes them, `=` as %3D), so the unchanged analyze handler runs in-process as on AWS.

import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { ObjectStore } from '../lib/store/object-store.ts';

/** S3 notification keys are URL-encoded like a query value ('=' → %3D, ' ' → '+'). */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

function record(bucket: string, eventName: string, key: string, size: number, etag: string, at: Date): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'local',
    eventTime: at.toISOString(),
    eventName,
    userIdentity: { principalId: 'local' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'local', 'x-amz-id-2': 'local' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'tokenlake-local',
      bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: encodeS3EventKey(key), size, eTag: etag, sequencer: at.getTime().toString(16).toUpperCase() },
    },
  } as S3EventRecord;
}

/** The store, with every successful put and delete told to `listener` as an S3 event. */
export function withObjectEvents(inner: ObjectStore, listener: (event: S3Event) => void): ObjectStore {
  return {
    bucket: inner.bucket,
    getText: (key) => inner.getText(key),
    getBytes: (key) => inner.getBytes(key),
    list: (prefix, options) => inner.list(prefix, options),
    listPrefixes: (prefix) => inner.listPrefixes(prefix),
    head: (key) => inner.head(key),
    async put(key, body, options) {
      const out = await inner.put(key, body, options);
      const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
      listener({ Records: [record(inner.bucket, 'ObjectCreated:Put', key, size, out.etag, new Date())] });
      return out;
    },
    async delete(keys) {
      await inner.delete(keys);
      if (keys.length > 0) listener({ Records: keys.map((k) => record(inner.bucket, 'ObjectRemoved:Delete', k, 0, '', new Date())) });
    },
    ...(inner.presignGet ? { presignGet: inner.presignGet.bind(inner) } : {}),
  };
}
