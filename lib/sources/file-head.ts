// What tells a log file apart from the one that was at its path before: a digest of its first
// KiB. A file whose head changed was truncated or replaced and is read again from the start. Kept
// apart from appended-logs.ts so a parser thread (claude-code/parse-range.ts) can take it without
// importing the pull and, through it, the source contract.

import { hash } from 'node:crypto';
import { readSync } from 'node:fs';

const HEAD_BYTES = 1024;

/** The digest kept per file: the first KiB of its bytes (all of them when shorter). */
function headDigest(head: Uint8Array): string {
  return hash('sha256', head.subarray(0, HEAD_BYTES)).slice(0, 16);
}

/** A digest of a file's first KiB (up to `length`), read from an open descriptor. */
export function headHashOfFd(fd: number, length: number): string {
  const n = Math.min(length, HEAD_BYTES);
  const buf = Buffer.alloc(n);
  if (n > 0) readSync(fd, buf, 0, n, 0);
  return headDigest(buf);
}
