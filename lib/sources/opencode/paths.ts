// Where OpenCode keeps messages: its SQLite database, $XDG_DATA_HOME/opencode/opencode.db (default
// ~/.local/share/opencode; opencode-<channel>.db for other release channels, OPENCODE_DB to choose
// another file), and in versions before the database one JSON file per message,
// storage/message/<session id>/<message id>.json, with sessions in storage/session/<project>/<id>.json
// (anomalyco/opencode packages/opencode/src/storage/db.ts, session/session.sql.ts; ccusage
// rust/crates/ccusage/src/adapter/opencode/loader.rs).

import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { findFirstFile, isNonEmptyFile } from '../file-search.ts';

export type OpenCodeFile =
  | { kind: 'database'; path: string; relativePath: string }
  | { kind: 'message'; path: string; relativePath: string; sessionFolder: string };

const isDatabaseName = (name: string) => /^opencode(-[A-Za-z0-9._-]+)?\.db$/.test(name);

function databases(dataDir: string, explicit: string | undefined, names: readonly string[]): string[] {
  if (explicit) return isNonEmptyFile(explicit) ? [explicit] : [];
  return names
    .filter(isDatabaseName)
    .sort()
    .map((n) => join(dataDir, n))
    .filter(isNonEmptyFile);
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The database(s) and the message folder that hold messages, else nothing. */
export function detectOpenCode(dataDir: string, explicitDb: string | undefined): string[] {
  const where = databases(dataDir, explicitDb, listNames(dataDir));
  const messages = join(dataDir, 'storage', 'message');
  if (findFirstFile(messages, (name, folders) => folders.length === 1 && name.endsWith('.json'), 1)) where.push(messages);
  return where;
}

export async function findOpenCodeFiles(
  dataDir: string,
  explicitDb: string | undefined,
): Promise<{ files: OpenCodeFile[]; missing: boolean }> {
  let names: string[] = [];
  try {
    names = readdirSync(dataDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    if (!explicitDb) return { files: [], missing: true };
  }
  const files: OpenCodeFile[] = databases(dataDir, explicitDb, names).map((path) => ({
    kind: 'database' as const,
    path,
    relativePath: path.startsWith(dataDir + sep) ? path.slice(dataDir.length + 1) : path,
  }));
  const root = join(dataDir, 'storage', 'message');
  let entries: string[] = [];
  try {
    entries = readdirSync(root, { recursive: true }) as string[];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
  for (const entry of entries.sort()) {
    const parts = entry.split(sep);
    if (parts.length !== 2 || !entry.endsWith('.json')) continue;
    files.push({ kind: 'message', path: join(root, entry), relativePath: `storage/message/${parts.join('/')}`, sessionFolder: parts[0]! });
  }
  return { files, missing: false };
}
