// One conformance suite for every ObjectStore: the in-memory test store, the plain-file store
// (what the CLI and `npm start` use) and the S3 adapter over real HTTP against s3rver. s3rver
// ignores conditional writes (docs: specs/local-components.md), so for it those cases are covered by
// the adapter's mapping test below, against the answers real S3 gives.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../../lib/core/errors.ts';
import { FileObjectStore } from '../../../lib/store/file-store.ts';
import type { ObjectStore } from '../../../lib/store/object-store.ts';
import { S3ObjectStore } from '../../../lib/store/s3-store.ts';
import { type EmbeddedS3, startEmbeddedS3 } from '../../support/embedded-s3.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const md5 = (s: string | Uint8Array) => createHash('md5').update(s).digest('hex');
const run = promisify(execFile);

interface Subject {
  name: string;
  store: () => ObjectStore;
  /** s3rver ignores conditional writes. */
  conditional: boolean;
  /** s3rver lists in its folder walk order; S3 (and our stores) in UTF-8 byte order. */
  byteOrder: boolean;
}

let dir: string;
let s3: EmbeddedS3;
let fileStore: FileObjectStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tl-store-'));
  fileStore = new FileObjectStore(join(dir, 'files'), 'bucket');
  await fileStore.init();
  s3 = await startEmbeddedS3({ directory: join(dir, 's3rver'), bucket: 'conformance' });
});

afterAll(async () => {
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const subjects: Subject[] = [
  { name: 'memory', store: () => memory, conditional: true, byteOrder: true },
  { name: 'file', store: () => fileStore, conditional: true, byteOrder: true },
  { name: 's3 on s3rver', store: () => new S3ObjectStore(s3.client, s3.bucket), conditional: false, byteOrder: false },
];
const memory = new MemoryStore();

/** Keys chosen to tell byte order from locale order (`Z` < `a` < `é` < `😀` as UTF-8). */
const KEYS = ['t/a/é.json', 't/a/z.json', 't/a/Z.json', 't/a/😀.json', 't/a/b/c.json', 't/b.json', 't/a-x.json', 't/dt=2026-01-31/x.jsonl'];
const byteSorted = [...KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe.each(subjects)('ObjectStore conformance: $name', ({ store: get, conditional, byteOrder, name }) => {
  const prefix = `${name.replace(/\W/g, '')}/`;
  const k = (key: string) => prefix + key;
  const inOrder = (keys: string[]) => (byteOrder ? keys : [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));

  it('writes, reads and heads an object; the ETag is the MD5 of its bytes', async () => {
    const store = get();
    const put = await store.put(k('one.json'), '{"a":1}');
    expect(put.etag).toBe(md5('{"a":1}'));
    expect(await store.getText(k('one.json'))).toEqual({ text: '{"a":1}', etag: md5('{"a":1}') });
    expect(Buffer.from((await store.getBytes(k('one.json')))!).toString()).toBe('{"a":1}');
    const head = await store.head(k('one.json'));
    expect(head).toMatchObject({ key: k('one.json'), etag: md5('{"a":1}'), size: 7 });
    const bytes = new Uint8Array([0, 255, 10, 13]);
    expect((await store.put(k('bin'), bytes)).etag).toBe(md5(bytes));
    expect([...(await store.getBytes(k('bin')))!]).toEqual([0, 255, 10, 13]);
  });

  it('answers null for what is not there and deletes quietly', async () => {
    const store = get();
    expect(await store.getText(k('missing'))).toBeNull();
    expect(await store.getBytes(k('missing'))).toBeNull();
    expect(await store.head(k('missing'))).toBeNull();
    await store.delete([k('missing')]);
    await store.put(k('gone.json'), 'x');
    await store.delete([k('gone.json')]);
    expect(await store.head(k('gone.json'))).toBeNull();
  });

  it('changes the ETag with the bytes and keeps it for the same bytes', async () => {
    const store = get();
    const a = await store.put(k('v.json'), 'first');
    const b = await store.put(k('v.json'), 'second');
    const c = await store.put(k('v.json'), 'second');
    expect(a.etag).not.toBe(b.etag);
    expect(c.etag).toBe(b.etag);
    expect((await store.head(k('v.json')))?.etag).toBe(md5('second'));
  });

  it('lists in byte order, by prefix (also mid-name), after a key, and folder prefixes', async () => {
    const store = get();
    for (const key of KEYS) await store.put(k(key), key);
    expect(inOrder((await store.list(k('t/'))).map((o) => o.key))).toEqual(byteSorted.map(k));
    const listed = await store.list(k('t/'));
    for (const o of listed) expect(o.etag).toBe(md5(o.key.slice(prefix.length)));
    expect(inOrder((await store.list(k('t/a'))).map((o) => o.key))).toEqual(byteSorted.filter((x) => x.startsWith('t/a')).map(k));
    expect(inOrder((await store.list(k('t/a/'), { startAfter: k('t/a/b/c.json') })).map((o) => o.key))).toEqual(
      byteSorted.filter((x) => x.startsWith('t/a/') && Buffer.compare(Buffer.from(x), Buffer.from('t/a/b/c.json')) > 0).map(k),
    );
    expect(await store.listPrefixes(k('t/'))).toEqual([k('t/a/'), k('t/dt=2026-01-31/')]);
    expect(await store.listPrefixes(k('t/a/'))).toEqual([k('t/a/b/')]);
    expect(await store.list(k('nothing/'))).toEqual([]);
    // A folder emptied by deletes is no prefix any more (S3 has no folders).
    await store.delete([k('t/a/b/c.json')]);
    expect(await store.listPrefixes(k('t/a/'))).toEqual([]);
  });

  it('lists more than 1,000 objects (every page)', async () => {
    const store = get();
    const keys = Array.from({ length: 1105 }, (_, i) => k(`many/${String(i).padStart(5, '0')}`));
    await Promise.all(keys.map((key) => store.put(key, 'x')));
    const listed = await store.list(k('many/'));
    expect(inOrder(listed.map((o) => o.key))).toEqual(keys);
  }, 120_000);

  it.runIf(conditional)('refuses a create-only write over an object with PreconditionFailedError', async () => {
    const store = get();
    await store.put(k('once.json'), 'first', { ifNoneMatch: '*' });
    await expect(store.put(k('once.json'), 'second', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.getText(k('once.json')))?.text).toBe('first');
  });

  it.runIf(conditional)('writes If-Match only over the ETag given', async () => {
    const store = get();
    const { etag } = await store.put(k('cas.json'), '1');
    await expect(store.put(k('cas.json'), '2', { ifMatch: md5('other') })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.put(k('cas-missing.json'), '2', { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.put(k('cas.json'), '2', { ifMatch: etag })).etag).toBe(md5('2'));
    expect((await store.getText(k('cas.json')))?.text).toBe('2');
  });

  it.runIf(conditional)('lets exactly one of many concurrent create-only writes win', async () => {
    const store = get();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => store.put(k('race.json'), `w${i}`, { ifNoneMatch: '*' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
  });
});

describe('the plain-file store on disk', () => {
  it('is the bucket as a folder: each key is a file holding exactly the bytes', async () => {
    await fileStore.put('lake/usage/dt=2026-01-31/claude-code-ab.jsonl', '{"id":"x"}\n');
    const path = join(dir, 'files', 'bucket', 'lake', 'usage', 'dt=2026-01-31', 'claude-code-ab.jsonl');
    expect(fileStore.pathOf('lake/usage/dt=2026-01-31/claude-code-ab.jsonl')).toBe(path);
    expect((await import('node:fs')).readFileSync(path, 'utf8')).toBe('{"id":"x"}\n');
  });

  it('creates files 0600 and folders 0700', async () => {
    await fileStore.put('config/api-keys.json', '{}');
    expect(statSync(join(dir, 'files', 'bucket', 'config', 'api-keys.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'files', 'bucket', 'config')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'files', 'bucket')).mode & 0o777).toBe(0o700);
  });

  it('refuses keys a folder cannot hold faithfully', async () => {
    for (const key of ['../escape', 'a//b', '/abs', 'a/./b', 'a\\b', 'trailing/', '', 'x/.tokenlake/y']) {
      await expect(fileStore.put(key, 'x'), key).rejects.toThrow(/cannot hold the key/);
    }
  });

  it('notices a file changed behind its back (new ETag) and one put there by hand (ETag computed)', async () => {
    await fileStore.put('hand/a.json', 'before');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(fileStore.pathOf('hand/a.json'), 'after!');
    expect((await fileStore.head('hand/a.json'))?.etag).toBe(md5('after!'));
    writeFileSync(join(fileStore.root, 'hand', 'b.json'), 'dropped in');
    expect((await fileStore.list('hand/')).map((o) => [o.key, o.etag])).toEqual([
      ['hand/a.json', md5('after!')],
      ['hand/b.json', md5('dropped in')],
    ]);
  });

  it('keeps If-Match writes from two processes apart: 2 × 40 increments of one counter make 80', async () => {
    const data = join(dir, 'shared');
    const store = new FileObjectStore(data, 'b');
    await store.init();
    await store.put('counter.json', '0');
    const script = resolve(import.meta.dirname, '../../support/increment-counter.ts');
    await Promise.all(
      [1, 2].map(() => run(process.execPath, ['--import', 'tsx', script, data, 'b', 'counter.json', '40'], { timeout: 120_000 })),
    );
    expect((await store.getText('counter.json'))?.text).toBe('80');
  }, 150_000);
});

describe('S3 adapter: conditional-write answers become PreconditionFailedError', () => {
  // Created here, not at collection time: a module-level mock would intercept the s3rver subject too.
  let mock: ReturnType<typeof mockClient>;
  beforeAll(() => {
    mock = mockClient(S3Client);
  });
  afterAll(() => mock.restore());

  it.each([
    [412, 'PreconditionFailed'],
    [409, 'ConditionalRequestConflict'],
  ])('maps HTTP %i (%s) on a conditional put', async (status, name) => {
    mock.reset();
    mock.on(PutObjectCommand).rejects(Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } }));
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'b');
    await expect(store.put('k', 'v', { ifMatch: 'abc' })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.put('k', 'v', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('passes other failures through unchanged, and sends the conditions S3 expects', async () => {
    mock.reset();
    mock.on(PutObjectCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }));
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'b');
    await expect(store.put('k', 'v', { ifMatch: 'abc' })).rejects.toMatchObject({ name: 'SlowDown' });
    mock.reset();
    mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
    await store.put('k', 'v', { ifMatch: 'abc' });
    await store.put('k', 'v', { ifNoneMatch: '*' });
    const sent = mock.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.IfMatch, c.args[0].input.IfNoneMatch]);
    expect(sent).toEqual([
      ['"abc"', undefined],
      [undefined, '*'],
    ]);
  });
});
