// A read-only reader of SQLite database files, enough to scan a table's rows: OpenCode keeps its
// messages in SQLite (opencode.db, WAL mode), and Node 20 has no built-in SQLite (node:sqlite came in
// Node 22.5), so rather than a native addon this reads the documented file format (sqlite.org
// fileformat2.html, wal format): the table b-trees, overflow pages, records, and the committed
// frames of the -wal file, which hold the newest pages until OpenCode checkpoints them.
// It never writes, locks or creates anything; a database that changes while being read is read again.

import { type FileHandle, open, stat } from 'node:fs/promises';

type SqliteValue = null | number | string | Uint8Array;

export class SqliteFormatError extends Error {}

const HEADER = 'SQLite format 3\u0000';
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;

interface Wal {
  handle: FileHandle;
  /** Page number → file offset of the newest committed copy of that page. */
  pages: Map<number, number>;
}

interface SqliteTable {
  name: string;
  rootPage: number;
  /** Column names in declaration order (from the CREATE TABLE statement). */
  columns: string[];
  /** The INTEGER PRIMARY KEY column, stored as NULL in the record: its value is the rowid. */
  rowidColumn: string | null;
}

interface SqliteDatabase {
  tables(): Promise<Map<string, SqliteTable>>;
  /** Visits every row of a rowid table in rowid order. */
  scan(table: SqliteTable, visit: (rowid: number, row: Record<string, SqliteValue>) => void): Promise<void>;
  close(): Promise<void>;
}

function readVarint(buf: Uint8Array, at: number): [value: number, next: number] {
  let v = 0n;
  for (let i = 0; i < 8; i++) {
    const b = buf[at + i];
    if (b === undefined) throw new SqliteFormatError('varint runs past the page');
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) return [Number(v), at + i + 1];
  }
  const last = buf[at + 8];
  if (last === undefined) throw new SqliteFormatError('varint runs past the page');
  return [Number(BigInt.asIntN(64, (v << 8n) | BigInt(last))), at + 9];
}

/** Reads the committed frames of a WAL file (salts and checksums checked, as SQLite's recovery does). */
async function readWal(path: string, pageSize: number): Promise<Wal | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  const { size } = await handle.stat();
  const header = Buffer.alloc(WAL_HEADER_BYTES);
  if (size < WAL_HEADER_BYTES || (await handle.read(header, 0, WAL_HEADER_BYTES, 0)).bytesRead < WAL_HEADER_BYTES) {
    await handle.close();
    return null;
  }
  const magic = header.readUInt32BE(0);
  if ((magic !== 0x377f0682 && magic !== 0x377f0683) || header.readUInt32BE(8) !== pageSize) {
    await handle.close();
    return null;
  }
  const bigEndian = magic === 0x377f0683;
  let s0 = 0;
  let s1 = 0;
  const sum = (data: Buffer, start: number, end: number) => {
    for (let i = start; i < end; i += 8) {
      const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
      const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
      s0 = (s0 + x0 + s1) >>> 0;
      s1 = (s1 + x1 + s0) >>> 0;
    }
  };
  sum(header, 0, 24);
  if (s0 !== header.readUInt32BE(24) || s1 !== header.readUInt32BE(28)) {
    await handle.close();
    return null;
  }
  const salt1 = header.readUInt32BE(16);
  const salt2 = header.readUInt32BE(20);
  const pages = new Map<number, number>();
  const pending = new Map<number, number>();
  const frame = Buffer.alloc(WAL_FRAME_HEADER_BYTES + pageSize);
  for (let at = WAL_HEADER_BYTES; at + frame.length <= size; at += frame.length) {
    if ((await handle.read(frame, 0, frame.length, at)).bytesRead < frame.length) break;
    if (frame.readUInt32BE(8) !== salt1 || frame.readUInt32BE(12) !== salt2) break;
    sum(frame, 0, 8);
    sum(frame, WAL_FRAME_HEADER_BYTES, frame.length);
    if (s0 !== frame.readUInt32BE(16) || s1 !== frame.readUInt32BE(20)) break;
    pending.set(frame.readUInt32BE(0), at + WAL_FRAME_HEADER_BYTES);
    // Frames count only once the transaction's commit frame (a non-zero database size) is there.
    if (frame.readUInt32BE(4) !== 0) {
      for (const [page, offset] of pending) pages.set(page, offset);
      pending.clear();
    }
  }
  return { handle, pages };
}

/** Column names of a CREATE TABLE statement, in order (table constraints skipped), and its rowid alias. */
export function columnsOf(sql: string): { columns: string[]; rowidColumn: string | null } {
  const start = sql.indexOf('(');
  const close = sql.lastIndexOf(')');
  if (start === -1 || close <= start) return { columns: [], rowidColumn: null };
  const body = sql.slice(start + 1, close);
  const defs: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const ch of body) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === '`' || ch === "'" || ch === '[') quote = ch === '[' ? ']' : ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      defs.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  defs.push(current);
  const out: string[] = [];
  let rowidColumn: string | null = null;
  for (const def of defs) {
    const m = /^\s*(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([A-Za-z_][A-Za-z0-9_$]*))/.exec(def);
    if (!m) continue;
    const name = m[1]?.replace(/""/g, '"') ?? m[2] ?? m[3] ?? m[4] ?? '';
    if (m[4] && /^(constraint|primary|foreign|unique|check)$/i.test(m[4])) continue;
    out.push(name);
    if (/^\s+integer\s+primary\s+key\b/i.test(def.slice(m[0].length)) && !/\bdesc\b/i.test(def)) rowidColumn = name;
  }
  return { columns: out, rowidColumn };
}

export async function openSqlite(path: string): Promise<SqliteDatabase> {
  const handle = await open(path, 'r');
  let wal: Wal | null = null;
  try {
    const header = Buffer.alloc(100);
    const { bytesRead } = await handle.read(header, 0, 100, 0);
    if (bytesRead < 100 || header.toString('latin1', 0, 16) !== HEADER) throw new SqliteFormatError('not an SQLite database');
    const rawPageSize = header.readUInt16BE(16);
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    const usable = pageSize - header.readUInt8(20);
    if (header.readUInt32BE(56) > 1) throw new SqliteFormatError('only UTF-8 databases are read');
    wal = await readWal(`${path}-wal`, pageSize);
    const decoder = new TextDecoder('utf-8', { fatal: false });

    const readPage = async (n: number): Promise<Buffer> => {
      const page = Buffer.alloc(pageSize);
      const walOffset = wal?.pages.get(n);
      const { bytesRead: got } =
        walOffset !== undefined && wal
          ? await wal.handle.read(page, 0, pageSize, walOffset)
          : await handle.read(page, 0, pageSize, (n - 1) * pageSize);
      if (got < pageSize) throw new SqliteFormatError(`page ${n} is past the end of the file`);
      return page;
    };

    const payloadOf = async (page: Buffer, at: number, total: number): Promise<Uint8Array> => {
      const maxLocal = usable - 35;
      if (total <= maxLocal) return page.subarray(at, at + total);
      const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
      const k = minLocal + ((total - minLocal) % (usable - 4));
      const local = k <= maxLocal ? k : minLocal;
      const out = Buffer.alloc(total);
      page.copy(out, 0, at, at + local);
      let filled = local;
      let next = page.readUInt32BE(at + local);
      for (let hops = 0; filled < total; hops++) {
        if (next === 0 || hops > 1_000_000) throw new SqliteFormatError('overflow chain ends early');
        const overflow = await readPage(next);
        const n = Math.min(usable - 4, total - filled);
        overflow.copy(out, filled, 4, 4 + n);
        filled += n;
        next = overflow.readUInt32BE(0);
      }
      return out;
    };

    const decodeRecord = (payload: Uint8Array): SqliteValue[] => {
      const [headerSize, first] = readVarint(payload, 0);
      const types: number[] = [];
      for (let at = first; at < headerSize; ) {
        const [t, next] = readVarint(payload, at);
        types.push(t);
        at = next;
      }
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      const values: SqliteValue[] = [];
      let at = headerSize;
      for (const t of types) {
        if (t === 0) values.push(null);
        else if (t >= 1 && t <= 6) {
          const width = [0, 1, 2, 3, 4, 6, 8][t]!;
          let v = 0n;
          for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(payload[at + i] ?? 0);
          values.push(Number(BigInt.asIntN(width * 8, v)));
          at += width;
        } else if (t === 7) {
          values.push(view.getFloat64(at));
          at += 8;
        } else if (t === 8 || t === 9) values.push(t - 8);
        else if (t >= 12) {
          const n = Math.floor((t - 12) / 2);
          const bytes = payload.subarray(at, at + n);
          values.push(t % 2 === 0 ? bytes : decoder.decode(bytes));
          at += n;
        } else throw new SqliteFormatError(`reserved serial type ${t}`);
      }
      return values;
    };

    const walk = async (pageNo: number, visit: (rowid: number, values: SqliteValue[]) => void, depth: number): Promise<void> => {
      if (depth > 64) throw new SqliteFormatError('b-tree deeper than 64 levels (a cycle?)');
      const page = await readPage(pageNo);
      const base = pageNo === 1 ? 100 : 0;
      const kind = page[base];
      const cells = page.readUInt16BE(base + 3);
      if (kind === 0x05) {
        for (let i = 0; i < cells; i++) {
          const at = page.readUInt16BE(base + 12 + 2 * i);
          await walk(page.readUInt32BE(at), visit, depth + 1);
        }
        await walk(page.readUInt32BE(base + 8), visit, depth + 1);
      } else if (kind === 0x0d) {
        for (let i = 0; i < cells; i++) {
          let at = page.readUInt16BE(base + 8 + 2 * i);
          const [size, afterSize] = readVarint(page, at);
          const [rowid, afterRowid] = readVarint(page, afterSize);
          at = afterRowid;
          visit(rowid, decodeRecord(await payloadOf(page, at, size)));
        }
      } else throw new SqliteFormatError(`page ${pageNo} is not a table b-tree page (type ${kind})`);
    };

    return {
      async tables() {
        const out = new Map<string, SqliteTable>();
        await walk(
          1,
          (_rowid, [type, name, , rootPage, sql]) => {
            if (type === 'table' && typeof name === 'string' && typeof rootPage === 'number' && typeof sql === 'string') {
              out.set(name, { name, rootPage, ...columnsOf(sql) });
            }
          },
          0,
        );
        return out;
      },
      async scan(table, visit) {
        // An INTEGER PRIMARY KEY column is stored as NULL: its value is the rowid.
        await walk(
          table.rootPage,
          (rowid, values) => {
            const row: Record<string, SqliteValue> = {};
            for (const [i, column] of table.columns.entries()) row[column] = values[i] ?? null;
            if (table.rowidColumn !== null && row[table.rowidColumn] === null) row[table.rowidColumn] = rowid;
            visit(rowid, row);
          },
          0,
        );
      },
      async close() {
        await wal?.handle.close();
        await handle.close();
      },
    };
  } catch (error) {
    await wal?.handle.close();
    await handle.close();
    throw error;
  }
}

/** Size and mtime of a database and its -wal file together: what changes when OpenCode writes. */
export async function databaseStamp(path: string): Promise<{ size: number; mtimeMs: number }> {
  const db = await stat(path);
  const wal = await stat(`${path}-wal`).catch(() => null);
  return { size: db.size + (wal?.size ?? 0), mtimeMs: Math.max(db.mtimeMs, wal?.mtimeMs ?? 0) };
}
