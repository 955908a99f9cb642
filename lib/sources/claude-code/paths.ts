// Where Claude Code keeps transcripts: <config dir>/projects/<project folder>/**/*.jsonl
// (subagent transcripts live in sub-folders of a session). Several config dirs may be given.

import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';

export interface LogFile {
  path: string;
  /** The folder directly under projects/ (Claude Code encodes the working dir into it). */
  projectFolder: string;
  /** Path relative to its projects/ folder, stable across machines for the same layout. */
  relativePath: string;
}

export async function findLogFiles(configDirs: readonly string[]): Promise<{ files: LogFile[]; missing: string[] }> {
  const files: LogFile[] = [];
  const missing: string[] = [];
  for (const dir of configDirs) {
    const projects = join(dir, 'projects');
    let entries: string[];
    try {
      entries = readdirSync(projects, { recursive: true }) as string[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        missing.push(projects);
        continue;
      }
      throw error;
    }
    // Entries are already relative to projects/ (and normalised): no path arithmetic per file.
    const prefix = projects.endsWith(sep) ? projects : projects + sep;
    for (const rel of entries.sort()) {
      if (!rel.endsWith('.jsonl')) continue;
      const cut = rel.indexOf(sep);
      if (cut === -1) continue; // a .jsonl directly in projects/ belongs to no project
      files.push({ path: prefix + rel, projectFolder: rel.slice(0, cut), relativePath: sep === '/' ? rel : rel.split(sep).join('/') });
    }
  }
  return { files, missing };
}

/**
 * A readable project name. Claude Code names the project folder after the working dir where the
 * session started, with every non-alphanumeric character replaced by '-'. The cwd of a line may be
 * a sub-folder of it, so the project is the basename of the longest cwd prefix that encodes to the
 * folder name; failing that, the cwd's basename; failing that, the folder name itself.
 */
export function projectName(cwd: string | null | undefined, projectFolder: string): string {
  if (cwd) {
    const parts = cwd.split(/[\\/]/);
    for (let n = parts.length; n > 0; n--) {
      const prefix = parts.slice(0, n).join('/');
      if (prefix.replace(/[^A-Za-z0-9]/g, '-') === projectFolder) {
        const base = parts[n - 1];
        if (base) return base;
      }
    }
    const last = parts.filter(Boolean).pop();
    if (last) return last;
  }
  return projectFolder || 'unknown';
}

/** Whether a projects/ folder holds at least one transcript (stops at the first one found). */
export function hasTranscripts(projectsDir: string): boolean {
  const stack = [projectsDir];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isFile() && e.name.endsWith('.jsonl')) return true;
      if (e.isDirectory()) stack.push(join(dir, e.name));
    }
  }
  return false;
}
