// The local store: a plain folder whose files are the bucket's keys (`<data dir>/<bucket>/lake/usage/
// dt=…/….jsonl`), so DuckDB, pandas or Spark read the local lake with a glob. Same semantics as the
// S3 adapter behind the same port: atomic writes (a temp file renamed into place), create-only and
// If-Match writes that fail with PreconditionFailedError, ETags that are the MD5 of the bytes,
// listings in key order. Safe across processes: conditional writes take a per-key lock file.
// Files are created owner-only (0600, folders 0700): nothing listens on the network.

import { createHash, randomBytes } from 'node:crypto';
import type { BigIntStats, Dirent, Stats } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { PreconditionFailedError } from '../errors.ts';
import type { ObjectStore, PutOptions, StoredObject } from '../storage.ts';

/** Where a store keeps what is not an object: ETag records, temp files, locks. */
const META_DIR = '.tokenlake';
/** A lock older than this belongs to a crashed writer (a write holds it for milliseconds). */
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 30_000;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

interface EtagRecord {
  etag: string;
  size: number;
  /** The file this ETag was computed for: a rename of another file over it changes the inode. */
  ino: string;
  mtime_ns: string;
}

/** Keys the filesystem can hold as relative paths; anything else is refused, never mapped loosely. */
export function isStorableKey(key: string): boolean {
  if (key === '' || key.startsWith('/') || key.endsWith('/') || key.includes('\\') || key.includes('\0')) return false;
  return key.split('/').every((part) => part !== '' && part !== '.' && part !== '..' && part !== META_DIR);
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FileObjectStore implements ObjectStore {
  /** The folder that is the bucket. */
  readonly root: string;
  private readonly meta: string;

  /**
   * @param dataDir the data folder (`TOKENLAKE_DATA_DIR`); the bucket is its sub-folder `bucket`,
   *   ETags, temp files and locks live under `<dataDir>/.tokenlake/<bucket>/`.
   */
  constructor(
    dataDir: string,
    readonly bucket: string,
  ) {
    this.root = join(dataDir, bucket);
    this.meta = join(dataDir, META_DIR, bucket);
  }

  /** The file that holds an object. */
  pathOf(key: string): string {
    if (!isStorableKey(key)) throw new Error(`the local store cannot hold the key "${key}"`);
    return join(this.root, ...key.split('/'));
  }

  private etagPath(key: string): string {
    return join(this.meta, 'etags', ...key.split('/'));
  }

  /** Creates the folders a store needs, owner-only. */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: DIR_MODE });
    await mkdir(join(this.meta, 'tmp'), { recursive: true, mode: DIR_MODE });
    await mkdir(join(this.meta, 'locks'), { recursive: true, mode: DIR_MODE });
  }

  async getBytes(key: string): Promise<Uint8Array | null> {
    return (await this.read(key))?.bytes ?? null;
  }

  async getText(key: string): Promise<{ text: string; etag: string } | null> {
    const got = await this.read(key);
    return got ? { text: got.bytes.toString('utf8'), etag: got.etag } : null;
  }

  /** Bytes and ETag of one file, read through one descriptor so both describe the same version. */
  private async read(key: string): Promise<{ bytes: Buffer; etag: string } | null> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const info = await handle.stat({ bigint: true });
      if (!info.isFile()) return null;
      const bytes = await handle.readFile();
      const recorded = await this.recordedEtag(key, info);
      return { bytes, etag: recorded ?? (await this.rememberEtag(key, info, md5(bytes))) };
    } finally {
      await handle.close();
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    let info: BigIntStats;
    try {
      info = await stat(this.pathOf(key), { bigint: true });
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    if (!info.isFile()) return null;
    return { key, etag: await this.etagOf(key, info), size: Number(info.size), lastModified: info.mtime.toISOString() };
  }

  async put(key: string, body: string | Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const path = this.pathOf(key);
    const etag = md5(bytes);
    const tmp = join(this.meta, 'tmp', `${randomBytes(12).toString('hex')}.tmp`);
    await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
    try {
      await writeFile(tmp, bytes, { mode: FILE_MODE });
    } catch (error) {
      if (!isMissing(error)) throw error;
      await this.init();
      await writeFile(tmp, bytes, { mode: FILE_MODE });
    }
    try {
      if (options.ifNoneMatch === '*') {
        await this.withLock(key, async () => {
          // link() creates the name only if it does not exist: the create-only write, atomic even
          // against a writer that does not take the lock. Filesystems without hard links fall back
          // to the check under the lock.
          try {
            await link(tmp, path);
            await this.rememberEtag(key, await stat(path, { bigint: true }), etag);
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'EEXIST') throw new PreconditionFailedError(key, 'the object already exists');
            if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
            if (await this.head(key)) throw new PreconditionFailedError(key, 'the object already exists');
            await this.replace(tmp, path, key, etag);
          }
        });
        return { etag };
      }
      if (options.ifMatch !== undefined) {
        const expected = options.ifMatch;
        await this.withLock(key, async () => {
          const current = await this.head(key);
          if (!current || current.etag !== expected) {
            throw new PreconditionFailedError(key, current ? `its ETag is ${current.etag}, not ${expected}` : 'the object does not exist');
          }
          await this.replace(tmp, path, key, etag);
        });
        return { etag };
      }
      await this.withLock(key, () => this.replace(tmp, path, key, etag));
      return { etag };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Renames the temp file over the object and records its ETag (keyed by the new inode). */
  private async replace(tmp: string, path: string, key: string, etag: string): Promise<void> {
    const info = await stat(tmp, { bigint: true });
    await this.rememberEtag(key, info, etag);
    await rename(tmp, path);
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      const path = this.pathOf(key);
      await this.withLock(key, async () => {
        await rm(path, { force: true });
        await rm(this.etagPath(key), { force: true });
      });
      await this.pruneEmptyParents(dirname(path), this.root);
      await this.pruneEmptyParents(dirname(this.etagPath(key)), join(this.meta, 'etags'));
    }
  }

  async list(prefix: string, options: { startAfter?: string } = {}): Promise<StoredObject[]> {
    const keys = await this.keysUnder(prefix);
    const out: StoredObject[] = [];
    for (const { key, info } of keys) {
      if (options.startAfter !== undefined && byteOrder(key, options.startAfter) <= 0) continue;
      out.push({ key, etag: await this.etagOf(key, info), size: Number(info.size), lastModified: info.mtime.toISOString() });
    }
    return out;
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const { key } of await this.keysUnder(prefix)) {
      const slash = key.indexOf('/', prefix.length);
      if (slash >= 0) out.add(key.slice(0, slash + 1));
    }
    return [...out].sort(byteOrder);
  }

  /** Every object whose key starts with the prefix, in key order, with its stat. */
  private async keysUnder(prefix: string): Promise<Array<{ key: string; info: BigIntStats }>> {
    // Walk from the deepest folder the prefix names in full; filter the rest by the prefix.
    const cut = prefix.lastIndexOf('/');
    const base = cut >= 0 ? prefix.slice(0, cut) : '';
    const out: Array<{ key: string; info: BigIntStats }> = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw error;
      }
      for (const e of entries) {
        const key = keyPrefix + e.name;
        if (e.isDirectory()) {
          // Only folders that can hold keys under the prefix are entered.
          const folder = `${key}/`;
          if (folder.startsWith(prefix) || prefix.startsWith(folder)) await walk(join(dir, e.name), folder);
        } else if (e.isFile() && key.startsWith(prefix) && isStorableKey(key)) {
          try {
            out.push({ key, info: await stat(join(dir, e.name), { bigint: true }) });
          } catch (error) {
            if (!isMissing(error)) throw error; // deleted while listing: not there
          }
        }
      }
    };
    if (base === '' || isStorableKey(base))
      await walk(base === '' ? this.root : join(this.root, ...base.split('/')), base === '' ? '' : `${base}/`);
    return out.sort((a, b) => byteOrder(a.key, b.key));
  }

  /** The object's ETag: the recorded one when it still describes this file, else computed once. */
  private async etagOf(key: string, info: BigIntStats): Promise<string> {
    const recorded = await this.recordedEtag(key, info);
    if (recorded) return recorded;
    const bytes = await readFile(this.pathOf(key));
    return this.rememberEtag(key, await stat(this.pathOf(key), { bigint: true }), md5(bytes));
  }

  private async recordedEtag(key: string, info: BigIntStats): Promise<string | null> {
    let text: string;
    try {
      text = await readFile(this.etagPath(key), 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const r = JSON.parse(text) as EtagRecord;
      if (r.ino === String(info.ino) && r.size === Number(info.size) && r.mtime_ns === String(info.mtimeNs)) return r.etag;
    } catch {
      // An unreadable record is recomputed.
    }
    return null;
  }

  private async rememberEtag(key: string, info: BigIntStats, etag: string): Promise<string> {
    const record: EtagRecord = { etag, size: Number(info.size), ino: String(info.ino), mtime_ns: String(info.mtimeNs) };
    const path = this.etagPath(key);
    const tmp = join(this.meta, 'tmp', `${randomBytes(12).toString('hex')}.etag`);
    await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
    await writeFile(tmp, JSON.stringify(record), { mode: FILE_MODE });
    await rename(tmp, path);
    return etag;
  }

  /** Runs `work` holding the key's lock file (created exclusively; a crashed holder's expires). */
  private async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lock = join(this.meta, 'locks', `${createHash('sha1').update(key).digest('hex')}.lock`);
    const started = Date.now();
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      try {
        const handle = await open(lock, 'wx', FILE_MODE);
        await handle.close();
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          await this.init();
          continue;
        }
        if (code !== 'EEXIST') throw error;
        const held: Stats | null = await stat(lock).catch(() => null);
        if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) await unlink(lock).catch(() => undefined);
        else if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`the local store's lock on "${key}" is held too long (${lock})`);
        else await sleep(wait);
      }
    }
    try {
      return await work();
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }

  /** S3 has no folders: a folder left empty by a delete goes too, up to the root. */
  private async pruneEmptyParents(dir: string, stopAt: string): Promise<void> {
    for (let d = dir; d.startsWith(stopAt + sep) && d !== stopAt; d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty (or already gone): stop
      }
    }
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}
