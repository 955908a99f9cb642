// The amp source: Amp threads, one record per model response. A thread is one JSON file rewritten
// as it grows, so a changed thread is read again whole and the per-machine cursor remembers which
// of its responses were written (lib/sources/rewritten-files.ts).

import { readFile } from 'node:fs/promises';
import { SourceError } from '../../core/errors.ts';
import { pullRewrittenFiles } from '../rewritten-files.ts';
import type { Source, SourceContext, SourcePull } from '../source.ts';
import { parseAmpThread } from './parser.ts';
import { findAmpThreads } from './paths.ts';

export function createAmpSource(): Source {
  return {
    name: 'amp',
    async pull(context: SourceContext): Promise<SourcePull> {
      const { config } = context;
      const { files, missing } = await findAmpThreads(config.ampDataDir);
      if (missing) {
        throw new SourceError(
          'amp',
          `no Amp threads folder found (looked in ${config.ampDataDir}/threads); set XDG_DATA_HOME to the folder that holds amp/`,
        );
      }
      const pull = await pullRewrittenFiles({
        source: 'amp',
        context,
        files,
        read: async (file, previous) =>
          parseAmpThread(await readFile(file.path, 'utf8'), {
            relativePath: file.relativePath,
            user: config.user,
            machine: config.machine,
            ...(previous ? { rejectedBefore: previous.rejected } : {}),
          }),
      });
      return { records: pull.records, quarantine: pull.quarantine, stats: pull.stats, batchIdFor: () => pull.batch, commit: pull.commit };
    },
  };
}
