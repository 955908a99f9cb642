// The one JSONL parse loop: every line becomes a value or a reject with its line number and
// reason. Nothing is dropped silently; callers quarantine the rejects and count them.

import type { z } from 'zod';

export interface LineReject {
  /** 1-based line number in the text. */
  line: number;
  reason: string;
  /** The offending line, cut to 2 KiB so quarantine objects stay small. */
  raw: string;
}

interface JsonlResult<T> {
  values: T[];
  rejects: LineReject[];
}

export const MAX_RAW_CHARS = 2048;

/**
 * `fast`, when given, is tried first on each parsed line: a check that accepts only what the
 * schema accepts (and returns the same value); the schema decides, with its reason, the rest.
 */
export function parseJsonl<S extends z.ZodType>(
  text: string,
  schema: S,
  fast?: (value: unknown) => z.infer<S> | null,
): JsonlResult<z.infer<S>> {
  const values: z.infer<S>[] = [];
  const rejects: LineReject[] = [];
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      rejects.push({ line: lineNo, reason: `invalid JSON: ${(error as Error).message}`, raw: line.slice(0, MAX_RAW_CHARS) });
      continue;
    }
    const quick = fast ? fast(json) : null;
    if (quick !== null) {
      values.push(quick);
      continue;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) values.push(parsed.data);
    else rejects.push({ line: lineNo, reason: describeIssues(parsed.error.issues), raw: line.slice(0, MAX_RAW_CHARS) });
  }
  return { values, rejects };
}

export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(line)'}: ${i.message}`)
    .join('; ');
}
