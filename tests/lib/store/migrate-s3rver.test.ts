// A data folder written by the versions that kept the lake in s3rver is moved to the plain-file
// layout once, nothing lost: written here by a real s3rver, then opened by the file store.

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/store/file-store.ts';
import { S3ObjectStore } from '../../../lib/store/s3-store.ts';
import { startEmbeddedS3 } from '../../support/embedded-s3.ts';

const md5 = (b: string) => createHash('md5').update(b).digest('hex');
const OBJECTS: Record<string, string> = {
  'lake/usage/dt=2026-11-01/claude-code-a.jsonl': '{"id":"a"}\n',
  'lake/usage/dt=2026-11-02/claude-code-b.jsonl': '{"id":"b"}\n{"id":"c"}\n',
  'rollups/usage/dt=2026-11-01.json': '{"day":"2026-11-01"}',
  'analytics/analytics.json': '{"as_of":"2026-11-02"}',
  'config/api-keys.json': '{"keys":[]}',
  'state/machines/laptop/cursors/claude-code.json': '{"version":1,"files":{}}',
  'exports/x y/é.csv': 'a,b\n',
};

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Files left anywhere under the folder in s3rver's layout. */
function s3rverFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.includes('._S3rver_'));
}

async function writeWithS3rver(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'tl-migrate-'));
  const s3 = await startEmbeddedS3({ directory: dir, bucket: 'tokenlake' });
  try {
    const store = new S3ObjectStore(s3.client, 'tokenlake');
    for (const [key, body] of Object.entries(OBJECTS)) await store.put(key, body);
  } finally {
    await s3.stop();
  }
  expect(s3rverFiles(join(dir, 'tokenlake')).length).toBe(3 * Object.keys(OBJECTS).length);
}

async function expectAllThere(store: FileObjectStore): Promise<void> {
  const listed = await store.list('');
  expect(listed.map((o) => o.key).sort()).toEqual(Object.keys(OBJECTS).sort());
  for (const o of listed) {
    expect(o.etag, o.key).toBe(md5(OBJECTS[o.key]!));
    expect((await store.getText(o.key))?.text, o.key).toBe(OBJECTS[o.key]);
  }
  expect(s3rverFiles(store.root)).toEqual([]);
}

describe('migrating an s3rver data folder', () => {
  it('moves every object to its key, same bytes and ETags, and does it once', async () => {
    await writeWithS3rver();
    const store = FileObjectStore.open(dir, 'tokenlake');
    await expectAllThere(store);
    // Opened again (and written to) nothing moves or is lost.
    await store.put('lake/usage/dt=2026-11-03/claude-code-d.jsonl', '{"id":"d"}\n');
    const again = FileObjectStore.open(dir, 'tokenlake');
    expect((await again.list('')).length).toBe(Object.keys(OBJECTS).length + 1);
  });

  it('finishes a migration that was cut off half-way, keeping the newer plain copy where both exist', async () => {
    await writeWithS3rver();
    const root = join(dir, 'tokenlake');
    // As if a first migration died after moving one object but before removing its side files,
    // and this version then rewrote the analytics document in the new layout.
    const moved = join(root, 'lake', 'usage', 'dt=2026-11-01', 'claude-code-a.jsonl');
    renameSync(`${moved}._S3rver_object`, moved);
    const fresh = new FileObjectStore(dir, 'tokenlake');
    await fresh.init();
    await fresh.put('analytics/analytics.json', '{"as_of":"2026-11-03"}');
    expect(existsSync(join(root, 'analytics', 'analytics.json._S3rver_object'))).toBe(true);

    const store = FileObjectStore.open(dir, 'tokenlake');
    expect((await store.getText('analytics/analytics.json'))?.text).toBe('{"as_of":"2026-11-03"}');
    expect((await store.getText('lake/usage/dt=2026-11-01/claude-code-a.jsonl'))?.text).toBe(
      OBJECTS['lake/usage/dt=2026-11-01/claude-code-a.jsonl'],
    );
    OBJECTS['analytics/analytics.json'] = '{"as_of":"2026-11-03"}';
    await expectAllThere(store);
  });
});
