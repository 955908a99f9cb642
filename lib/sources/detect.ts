// Which coding agents have logs on this machine, and where: each source's paths.ts knows where its
// agent keeps them (honouring the agent's own variables, resolved in lib/config/config.ts); this module
// asks each one. Injected into parseConfig, so lib/config/config.ts itself never touches the file system.

import { join } from 'node:path';
import type { AgentPaths, Config, FoundAgent, LogSourceName } from '../config/config.ts';
import { detectAmpThreads } from './amp/paths.ts';
import { hasTranscripts } from './claude-code/paths.ts';
import { SESSION_FOLDERS } from './codex/paths.ts';
import { findFirstFile } from './file-search.ts';
import { detectGeminiChats } from './gemini-cli/paths.ts';
import { detectOpenCode } from './opencode/paths.ts';
import { detectQwenChats } from './qwen-code/paths.ts';

const detectors: Record<LogSourceName, (paths: AgentPaths) => string[]> = {
  'claude-code': (p) => p.claudeConfigDirs.map((d) => join(d, 'projects')).filter(hasTranscripts),
  codex: (p) =>
    SESSION_FOLDERS.map((f) => join(p.codexHome, f)).filter((dir) => findFirstFile(dir, (name) => name.endsWith('.jsonl'), 4) !== null),
  'gemini-cli': (p) => detectGeminiChats(p.geminiDir),
  'qwen-code': (p) => detectQwenChats(p.qwenDir),
  opencode: (p) => detectOpenCode(p.opencodeDataDir, p.opencodeDb),
  amp: (p) => detectAmpThreads(p.ampDataDir),
};

/** Every agent that has at least one log file here, in the order of `logSources`. */
export function detectAgents(paths: AgentPaths): FoundAgent[] {
  const found: FoundAgent[] = [];
  for (const [source, detect] of Object.entries(detectors) as Array<[LogSourceName, (p: AgentPaths) => string[]]>) {
    const where = detect(paths);
    if (where.length > 0) found.push({ source, where });
  }
  return found;
}

/**
 * What `tokenlake sync` and `push` print before they read: which agents were found and where, and
 * whether the demo stands in. `home` shortens paths under it to `~`.
 */
export function describeFoundAgents(config: Pick<Config, 'foundAgents' | 'sources' | 'demoFallback'>, home?: string): string[] {
  const tilde = (p: string) => (home && (p === home || p.startsWith(`${home}/`)) ? `~${p.slice(home.length)}` : p);
  const lines = config.foundAgents.map((a) => `found ${a.source} logs in ${a.where.map(tilde).join(', ')}`);
  if (config.demoFallback) {
    lines.push('no coding-agent logs found on this machine: syncing the built-in demo data (set TOKENLAKE_SOURCES to choose sources)');
  }
  const ignored = config.foundAgents.filter((a) => !config.sources.includes(a.source)).map((a) => a.source);
  if (ignored.length > 0) lines.push(`not reading ${ignored.join(', ')}: TOKENLAKE_SOURCES does not name them`);
  return lines;
}
