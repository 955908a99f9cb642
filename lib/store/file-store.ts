// The local store: a plain folder whose files are the bucket's keys (`<data dir>/<bucket>/lake/usage/
// dt=…/….jsonl`), so DuckDB, pandas or Spark read the local lake with a glob. Same semantics as the
// S3 adapter behind the same port: atomic writes (a temp file renamed into place), create-only and
// If-Match writes that fail with PreconditionFailedError, ETags that are the MD5 of the bytes,
// listings in key order. Safe across processes: conditional writes take a per-key lock file.
// Files are created owner-only (0600, folders 0700): nothing listens on the network.
// File calls are synchronous on purpose: on a local disk a stat or a small read takes microseconds,
// ten times less than a round trip through libuv's thread pool, and this store serves one user.

import { createHash, randomBytes } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  type Dirent,
  existsSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { PreconditionFailedError } from '../core/errors.ts';
import { migrateS3rverLayout } from './migrate-s3rver.ts';
import type { ObjectStore, PutOptions, StoredObject } from './object-store.ts';

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
function isStorableKey(key: string): boolean {
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

  /**
   * The store of a data folder, ready to use: its folders created, and a folder written by a
   * version that kept the lake in an embedded S3 server migrated once (a marker says it was).
   */
  static open(dataDir: string, bucket: string): FileObjectStore {
    const store = new FileObjectStore(dataDir, bucket);
    try {
      store.initSync();
    } catch (error) {
      throw new Error(`cannot use the data folder ${dataDir} (TOKENLAKE_DATA_DIR): ${(error as Error).message}`, { cause: error });
    }
    const marker = join(store.meta, 'layout');
    if (!existsSync(marker)) {
      migrateS3rverLayout(dataDir, bucket);
      writeFileSync(marker, 'plain-files-1\n', { mode: FILE_MODE });
    }
    return store;
  }

  /** Creates the folders a store needs, owner-only. */
  async init(): Promise<void> {
    this.initSync();
  }

  private initSync(): void {
    makeDirectory(this.root);
    makeDirectory(join(this.meta, 'tmp'));
    makeDirectory(join(this.meta, 'locks'));
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
    let fd: number;
    try {
      fd = openSync(this.pathOf(key), 'r');
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw error;
    }
    try {
      const info = fstatSync(fd, { bigint: true });
      if (!info.isFile()) return null;
      const bytes = readFileSync(fd);
      const recorded = this.recordedEtag(key, info);
      return { bytes, etag: recorded ?? this.rememberEtag(key, info, md5(bytes)) };
    } finally {
      closeSync(fd);
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    const info = statSync(this.pathOf(key), { bigint: true, throwIfNoEntry: false });
    if (!info?.isFile()) return null;
    return { key, etag: this.etagOf(key, info), size: Number(info.size), lastModified: info.mtime.toISOString() };
  }

  async put(key: string, body: string | Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const path = this.pathOf(key);
    const etag = md5(bytes);
    const tmp = join(this.meta, 'tmp', `${randomBytes(12).toString('hex')}.tmp`);
    makeDirectory(dirname(path));
    try {
      writeFileSync(tmp, bytes, { mode: FILE_MODE });
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.initSync();
      writeFileSync(tmp, bytes, { mode: FILE_MODE });
    }
    try {
      if (options.ifNoneMatch === '*') {
        await this.withLock(key, async () => {
          // link() creates the name only if it does not exist: the create-only write, atomic even
          // against a writer that does not take the lock. Filesystems without hard links fall back
          // to the check under the lock.
          try {
            linkSync(tmp, path);
            this.rememberEtag(key, statSync(path, { bigint: true }), etag);
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'EEXIST') throw new PreconditionFailedError(key, 'the object already exists');
            if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
            if (await this.head(key)) throw new PreconditionFailedError(key, 'the object already exists');
            this.replace(tmp, path, key, etag);
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
          this.replace(tmp, path, key, etag);
        });
        return { etag };
      }
      await this.withLock(key, async () => this.replace(tmp, path, key, etag));
      return { etag };
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** Renames the temp file over the object and records its ETag (keyed by the new inode). */
  private replace(tmp: string, path: string, key: string, etag: string): void {
    this.rememberEtag(key, statSync(tmp, { bigint: true }), etag);
    renameSync(tmp, path);
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      const path = this.pathOf(key);
      await this.withLock(key, async () => {
        rmSync(path, { force: true });
        rmSync(this.etagPath(key), { force: true });
      });
      this.pruneEmptyParents(dirname(path), this.root);
      this.pruneEmptyParents(dirname(this.etagPath(key)), join(this.meta, 'etags'));
    }
  }

  async list(prefix: string, options: { startAfter?: string } = {}): Promise<StoredObject[]> {
    const keys = this.keysUnder(prefix);
    const out: StoredObject[] = [];
    for (const { key, info } of keys) {
      if (options.startAfter !== undefined && byteOrder(key, options.startAfter) <= 0) continue;
      out.push({ key, etag: this.etagOf(key, info), size: Number(info.size), lastModified: info.mtime.toISOString() });
    }
    return out;
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const { key } of this.keysUnder(prefix)) {
      const slash = key.indexOf('/', prefix.length);
      if (slash >= 0) out.add(key.slice(0, slash + 1));
    }
    return [...out].sort(byteOrder);
  }

  /** Every object whose key starts with the prefix, in key order, with its stat. */
  private keysUnder(prefix: string): Array<{ key: string; info: BigIntStats }> {
    // Walk from the deepest folder the prefix names in full; filter the rest by the prefix.
    const cut = prefix.lastIndexOf('/');
    const base = cut >= 0 ? prefix.slice(0, cut) : '';
    const out: Array<{ key: string; info: BigIntStats }> = [];
    const walk = (dir: string, keyPrefix: string): void => {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw error;
      }
      for (const e of entries) {
        const key = keyPrefix + e.name;
        if (e.isDirectory()) {
          // Only folders that can hold keys under the prefix are entered.
          const folder = `${key}/`;
          if (folder.startsWith(prefix) || prefix.startsWith(folder)) walk(join(dir, e.name), folder);
        } else if (e.isFile() && key.startsWith(prefix) && isStorableKey(key)) {
          // Deleted while listing: not there.
          const info = statSync(join(dir, e.name), { bigint: true, throwIfNoEntry: false });
          if (info) out.push({ key, info });
        }
      }
    };
    if (base === '' || isStorableKey(base))
      walk(base === '' ? this.root : join(this.root, ...base.split('/')), base === '' ? '' : `${base}/`);
    return out.sort((a, b) => byteOrder(a.key, b.key));
  }

  /** The object's ETag: the recorded one when it still describes this file, else computed once. */
  private etagOf(key: string, info: BigIntStats): string {
    const recorded = this.recordedEtag(key, info);
    if (recorded) return recorded;
    const bytes = readFileSync(this.pathOf(key));
    return this.rememberEtag(key, statSync(this.pathOf(key), { bigint: true }), md5(bytes));
  }

  private recordedEtag(key: string, info: BigIntStats): string | null {
    let text: string;
    try {
      text = readFileSync(this.etagPath(key), 'utf8');
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

  private rememberEtag(key: string, info: BigIntStats, etag: string): string {
    const record: EtagRecord = { etag, size: Number(info.size), ino: String(info.ino), mtime_ns: String(info.mtimeNs) };
    const path = this.etagPath(key);
    const tmp = join(this.meta, 'tmp', `${randomBytes(12).toString('hex')}.etag`);
    makeDirectory(dirname(path));
    writeFileSync(tmp, JSON.stringify(record), { mode: FILE_MODE });
    renameSync(tmp, path);
    return etag;
  }

  /** Runs `work` holding the key's lock file (created exclusively; a crashed holder's expires). */
  private async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lock = join(this.meta, 'locks', `${createHash('sha1').update(key).digest('hex')}.lock`);
    const started = Date.now();
    let remade = false;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      try {
        closeSync(openSync(lock, 'wx', FILE_MODE));
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // The locks folder was removed under us: made again, once (a folder that cannot be made throws).
        if (code === 'ENOENT' && !remade) {
          remade = true;
          this.initSync();
          continue;
        }
        if (code !== 'EEXIST') throw error;
        const held: Stats | undefined = statSync(lock, { throwIfNoEntry: false });
        if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
        else if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`the local store's lock on "${key}" is held too long (${lock})`);
        else await sleep(wait);
      }
    }
    try {
      return await work();
    } finally {
      rmSync(lock, { force: true });
    }
  }

  /** S3 has no folders: a folder left empty by a delete goes too, up to the root. */
  private pruneEmptyParents(dir: string, stopAt: string): void {
    for (let d = dir; d.startsWith(stopAt + sep) && d !== stopAt; d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        return; // not empty (or already gone): stop
      }
    }
  }
}

/**
 * `mkdir -p` without Node's recursive mode, which never returns where mkdir answers ENOENT for a
 * parent that exists (procfs, some FUSE mounts): each missing folder is made once, owner-only, and
 * a folder that cannot be made throws the system's error naming it. One stat when it exists.
 */
function makeDirectory(path: string): void {
  const missing: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    const info = statSync(dir, { throwIfNoEntry: false });
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode: DIR_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}
