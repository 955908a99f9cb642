// Bounded, synchronous look-ups of whether an agent's log folder holds a log file. Detection runs
// for every agent when a command starts, so it stops at the first match, never reads a file's
// content, and treats an unreadable folder as holding nothing.

import { type Dirent, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The first file under `dir` (depth-first, at most `maxDepth` folders down) that `matches`, given
 * its name and the folder names between `dir` and it; null when there is none.
 */
export function findFirstFile(dir: string, matches: (name: string, folders: readonly string[]) => boolean, maxDepth = 6): string | null {
  const stack: Array<{ path: string; folders: string[] }> = [{ path: dir, folders: [] }];
  while (stack.length > 0) {
    const { path, folders } = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isFile() && matches(e.name, folders)) return join(path, e.name);
      if (e.isDirectory() && folders.length < maxDepth) stack.push({ path: join(path, e.name), folders: [...folders, e.name] });
    }
  }
  return null;
}

/** Whether `path` is a regular file with content. */
export function isNonEmptyFile(path: string): boolean {
  try {
    const info = statSync(path);
    return info.isFile() && info.size > 0;
  } catch {
    return false;
  }
}
