// Where the OpenAI Codex CLI keeps transcripts: $CODEX_HOME (default ~/.codex)/sessions/YYYY/MM/DD/
// rollout-<time>-<session id>.jsonl, and archived_sessions/ where `codex` moves older ones.

import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const SESSION_FOLDERS = ['sessions', 'archived_sessions'] as const;

export interface SessionFile {
  path: string;
  /** Path relative to the Codex home ('sessions/2026/03/01/rollout-….jsonl'), the same on every machine. */
  relativePath: string;
}

/** The session files, sorted; `missing` lists the session folders that do not exist. */
export async function findSessionFiles(codexHome: string): Promise<{ files: SessionFile[]; missing: string[] }> {
  const files: SessionFile[] = [];
  const missing: string[] = [];
  for (const folder of SESSION_FOLDERS) {
    const root = join(codexHome, folder);
    let entries: string[];
    try {
      entries = readdirSync(root, { recursive: true }) as string[];
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        missing.push(root);
        continue;
      }
      throw error;
    }
    for (const entry of entries.sort()) {
      if (!entry.endsWith('.jsonl')) continue;
      const path = join(root, entry);
      files.push({ path, relativePath: relative(codexHome, path).split(sep).join('/') });
    }
  }
  return { files, missing };
}

/** The project a session worked on: the last segment of its working directory. */
export function projectFromCwd(cwd: string | null): string | null {
  if (!cwd) return null;
  const last = cwd.split(/[\\/]/).filter(Boolean).pop();
  return last ?? null;
}
