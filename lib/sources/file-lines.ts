// Reads the complete lines of a growing log file from a byte offset, in bounded chunks, handing
// each line to the caller as a byte range (so lines without usage are never decoded). It owns only
// the framing: a partial last line is left for the next read, and the caller decides what a line is.

import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * One line: `buf[start, end)` without its '\n' (and without a '\r' before it); `offset` is the
 * byte position of the line in the file, `lineNo` its 1-based number counted from `from`.
 */
type LineVisitor = (buf: Buffer, start: number, end: number, offset: number, lineNo: number) => void;

/** Cuts chunks read in order into complete lines; what follows the last '\n' waits for the next chunk. */
class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private carryStart: number;
  private lineNo = 0;
  /** Offset just past the last complete line. */
  consumed: number;

  constructor(from: number) {
    this.carryStart = from;
    this.consumed = from;
  }

  push(chunk: Buffer, visit: LineVisitor): void {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const bufStart = this.carryStart;
    let s = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, s);
      if (nl === -1) break;
      let e = nl;
      if (e > s && buf[e - 1] === 0x0d) e--;
      this.lineNo++;
      visit(buf, s, e, bufStart + s, this.lineNo);
      s = nl + 1;
      this.consumed = bufStart + s;
    }
    this.carry = Buffer.from(buf.subarray(s));
    this.carryStart = bufStart + s;
  }
}

/** Visits the complete lines in [from, size); returns the offset just past the last complete line. */
export async function readCompleteLines(handle: FileHandle, from: number, size: number, visit: LineVisitor): Promise<number> {
  const lines = new LineSplitter(from);
  for (let position = from; position < size; ) {
    const want = Math.min(CHUNK_BYTES, size - position);
    const chunk = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(chunk, 0, want, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    lines.push(chunk.subarray(0, bytesRead), visit);
  }
  return lines.consumed;
}

/**
 * readCompleteLines for a file descriptor, reading synchronously: on a parser thread nothing else
 * waits for the event loop, and a local read costs less without the thread-pool round trip.
 */
export function readCompleteLinesSync(fd: number, from: number, size: number, visit: LineVisitor): number {
  const lines = new LineSplitter(from);
  for (let position = from; position < size; ) {
    const want = Math.min(CHUNK_BYTES, size - position);
    const chunk = Buffer.allocUnsafe(want);
    const bytesRead = readSync(fd, chunk, 0, want, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    lines.push(chunk.subarray(0, bytesRead), visit);
  }
  return lines.consumed;
}

/** Whether `buf[start, end)` is, trimmed of blanks, a '{' … '}' line (cheap check before skipping). */
export function looksLikeJsonObject(buf: Buffer, start: number, end: number): boolean {
  let s = start;
  let e = end - 1;
  while (s <= e && (buf[s] === 0x20 || buf[s] === 0x09)) s++;
  while (e >= s && (buf[e] === 0x20 || buf[e] === 0x09 || buf[e] === 0x0d)) e--;
  return buf[s] === 0x7b && buf[e] === 0x7d;
}
