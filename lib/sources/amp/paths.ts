// Where Amp (Sourcegraph's coding agent) keeps threads: $XDG_DATA_HOME/amp/threads/T-<id>.json,
// default ~/.local/share/amp/threads, one JSON per thread rewritten as the thread grows (ccusage
// rust/crates/ccusage/src/adapter/amp/paths.rs; tokscale crates/tokscale-core/src/sessions/amp.rs).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findFirstFile } from '../file-search.ts';

interface AmpThreadFile {
  path: string;
  /** 'threads/T-….json'. */
  relativePath: string;
}

const isThread = (name: string, folders: readonly string[]) => folders.length === 0 && name.endsWith('.json');

/** threads/ when it holds at least one thread, else nothing. */
export function detectAmpThreads(ampDataDir: string): string[] {
  const threads = join(ampDataDir, 'threads');
  return findFirstFile(threads, isThread, 0) ? [threads] : [];
}

export async function findAmpThreads(ampDataDir: string): Promise<{ files: AmpThreadFile[]; missing: boolean }> {
  const threads = join(ampDataDir, 'threads');
  let entries: string[];
  try {
    entries = readdirSync(threads);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { files: [], missing: true };
    throw error;
  }
  const files = entries
    .filter((name) => isThread(name, []))
    .sort()
    .map((name) => ({ path: join(threads, name), relativePath: `threads/${name}` }));
  return { files, missing: false };
}
