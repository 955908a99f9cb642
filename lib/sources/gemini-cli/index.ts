// The gemini-cli source: Gemini CLI chats, one record per model response. Chat files are appended
// (.jsonl) or rewritten whole (.json, older versions), so a changed file is read again whole and the
// per-machine cursor remembers which responses of it were written (lib/sources/rewritten-files.ts).

import { readFile } from 'node:fs/promises';
import { SourceError } from '../../core/errors.ts';
import { pullRewrittenFiles } from '../rewritten-files.ts';
import type { Source, SourceContext, SourcePull } from '../source.ts';
import { parseGeminiChat } from './parser.ts';
import { findGeminiChats, geminiProjectName } from './paths.ts';

export function createGeminiCliSource(): Source {
  return {
    name: 'gemini-cli',
    async pull(context: SourceContext): Promise<SourcePull> {
      const { config } = context;
      const { files, missing } = await findGeminiChats(config.geminiDir);
      if (missing) {
        throw new SourceError(
          'gemini-cli',
          `no Gemini CLI chats folder found (looked in ${config.geminiDir}/tmp); set GEMINI_CLI_HOME to the folder that holds .gemini/`,
        );
      }
      const projects = new Map<string, string | null>();
      const pull = await pullRewrittenFiles({
        source: 'gemini-cli',
        context,
        files,
        read: async (file, previous) => {
          let project = projects.get(file.projectFolder);
          if (project === undefined) {
            project = await geminiProjectName(config.geminiDir, file.projectFolder);
            projects.set(file.projectFolder, project);
          }
          return parseGeminiChat(await readFile(file.path, 'utf8'), file.kind, {
            relativePath: file.relativePath,
            project,
            user: config.user,
            machine: config.machine,
            quarantinedBefore: file.kind === 'jsonl' && previous ? previous.size : 0,
          });
        },
      });
      return { records: pull.records, quarantine: pull.quarantine, stats: pull.stats, batchIdFor: () => pull.batch, commit: pull.commit };
    },
  };
}
