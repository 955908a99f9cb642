// Where Gemini CLI keeps chats: <gemini dir>/tmp/<project>/chats/session-<time>-<id>.jsonl (appended
// records, current versions) or session-….json (one JSON rewritten whole, older versions), and a
// subagent's chat in chats/<parent session id>/<id>.jsonl. <gemini dir> is $GEMINI_CLI_HOME/.gemini,
// else ~/.gemini (google-gemini/gemini-cli packages/core/src/config/storage.ts, utils/paths.ts).

import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { findFirstFile } from '../file-search.ts';

interface GeminiChatFile {
  path: string;
  /** Relative to tmp/ ('web/chats/session-….jsonl'): the same on every machine with that layout. */
  relativePath: string;
  /** The project folder under tmp/ (a slug such as 'web', or a sha256 of the path in older versions). */
  projectFolder: string;
  kind: 'json' | 'jsonl';
}

const isChat = (name: string, folders: readonly string[]) =>
  folders.length >= 2 && folders[1] === 'chats' && (name.endsWith('.jsonl') || name.endsWith('.json'));

/** tmp/ when it holds at least one chat, else nothing. */
export function detectGeminiChats(geminiDir: string): string[] {
  const tmp = join(geminiDir, 'tmp');
  return findFirstFile(tmp, isChat, 3) ? [tmp] : [];
}

/** Every chat file, sorted; `missing` when there is no tmp/ folder at all. */
export async function findGeminiChats(geminiDir: string): Promise<{ files: GeminiChatFile[]; missing: boolean }> {
  const tmp = join(geminiDir, 'tmp');
  let entries: string[];
  try {
    entries = readdirSync(tmp, { recursive: true }) as string[];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { files: [], missing: true };
    throw error;
  }
  const files: GeminiChatFile[] = [];
  for (const entry of entries.sort()) {
    const parts = entry.split(sep);
    const name = parts[parts.length - 1] ?? '';
    if (!isChat(name, parts.slice(0, -1))) continue;
    files.push({
      path: join(tmp, entry),
      relativePath: parts.join('/'),
      projectFolder: parts[0] ?? '',
      kind: name.endsWith('.jsonl') ? 'jsonl' : 'json',
    });
  }
  return { files, missing: false };
}

/**
 * The project's name: the basename of the path in tmp/<project>/.project_root (written since
 * project folders became slugs), else the slug itself; null for an older sha256 folder name,
 * which cannot be turned back into a path.
 */
export async function geminiProjectName(geminiDir: string, projectFolder: string): Promise<string | null> {
  try {
    const root = (await readFile(join(geminiDir, 'tmp', projectFolder, '.project_root'), 'utf8')).trim();
    if (root) return basename(root.replace(/[\\/]+$/, '')) || null;
  } catch {
    // No marker: fall back to the folder name.
  }
  return /^[0-9a-f]{64}$/.test(projectFolder) || projectFolder === '' ? null : projectFolder;
}
