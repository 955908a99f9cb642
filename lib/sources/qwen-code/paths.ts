// Where Qwen Code keeps chats: <runtime dir>/projects/<project folder>/chats/<session id>.jsonl,
// append-only. The runtime dir is QWEN_RUNTIME_DIR, else QWEN_HOME, else ~/.qwen (QwenLM/qwen-code
// packages/core/src/config/storage.ts; ccusage rust/crates/ccusage/src/adapter/qwen/paths.rs).

import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { findFirstFile } from '../file-search.ts';

export interface QwenChatFile {
  path: string;
  /** Relative to projects/ ('-home-alice-web/chats/<session>.jsonl'). */
  relativePath: string;
}

const isChat = (name: string, folders: readonly string[]) => folders.length === 2 && folders[1] === 'chats' && name.endsWith('.jsonl');

/** projects/ when it holds at least one chat, else nothing. */
export function detectQwenChats(qwenDir: string): string[] {
  const projects = join(qwenDir, 'projects');
  return findFirstFile(projects, isChat, 2) ? [projects] : [];
}

export async function findQwenChats(qwenDir: string): Promise<{ files: QwenChatFile[]; missing: boolean }> {
  const projects = join(qwenDir, 'projects');
  let entries: string[];
  try {
    entries = readdirSync(projects, { recursive: true }) as string[];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { files: [], missing: true };
    throw error;
  }
  const files: QwenChatFile[] = [];
  for (const entry of entries.sort()) {
    const parts = entry.split(sep);
    if (!isChat(parts[parts.length - 1] ?? '', parts.slice(0, -1))) continue;
    files.push({ path: join(projects, entry), relativePath: parts.join('/') });
  }
  return { files, missing: false };
}
