// The S3 store's reading of "missing": 404, or 403 for a key that a listing of its own name shows
// is absent (the deployed roles may list only named prefixes, so S3 masks a missing key as 403).

import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../lib/store/s3-store.ts';

const s3 = mockClient(S3Client);
const store = new S3ObjectStore(
  new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
  'lake-bucket',
);
const KEY = 'state/cursors/anthropic.json';

function denied(): S3ServiceException {
  return new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });
}

beforeEach(() => s3.reset());

describe('S3ObjectStore reads of a key the role may not see listed', () => {
  it('answers null for a 403 when listing the key name shows no such key (one LIST, on that prefix)', async () => {
    s3.on(GetObjectCommand).rejects(denied());
    s3.on(HeadObjectCommand).rejects(denied());
    s3.on(ListObjectsV2Command, { Bucket: 'lake-bucket', Prefix: KEY, MaxKeys: 1 }).resolves({ Contents: [] });
    expect(await store.getText(KEY)).toBeNull();
    expect(await store.getBytes(KEY)).toBeNull();
    expect(await store.head(KEY)).toBeNull();
    const lists = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(lists).toEqual(Array(3).fill({ Bucket: 'lake-bucket', Prefix: KEY, MaxKeys: 1 }));
  });

  it('treats a longer key that only shares the prefix as absent too', async () => {
    s3.on(GetObjectCommand).rejects(denied());
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `${KEY}.bak` }] });
    expect(await store.getText(KEY)).toBeNull();
  });

  it('rethrows the 403 when the key exists (a real denial, e.g. a KMS key the role may not use)', async () => {
    s3.on(GetObjectCommand).rejects(denied());
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: KEY }] });
    await expect(store.getText(KEY)).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('rethrows the original 403 when the listing is denied as well', async () => {
    s3.on(HeadObjectCommand).rejects(denied());
    s3.on(ListObjectsV2Command).rejects(denied());
    await expect(store.head(KEY)).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  it('answers a 404 with null without listing, and rethrows other errors', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'nope' }),
    );
    expect(await store.getText(KEY)).toBeNull();
    s3.on(HeadObjectCommand).rejects(
      new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'x' }),
    );
    await expect(store.head(KEY)).rejects.toMatchObject({ name: 'SlowDown' });
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });
});
