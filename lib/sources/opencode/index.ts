// The opencode source: OpenCode's messages, one record per assistant message, from its SQLite
// database (read with lib/sources/opencode/sqlite.ts) and from the per-message JSON files of older
// versions. Both are rewritten in place, so a database whose file or -wal changed is scanned again,
// and the per-machine cursor remembers which messages were written (lib/sources/rewritten-files.ts).

import { readFile, stat } from 'node:fs/promises';
import { errorMessage, SourceError } from '../../core/errors.ts';
import type { QuarantineEntry } from '../../usage/lake.ts';
import { type FileReading, type PreviousRead, pullRewrittenFiles } from '../rewritten-files.ts';
import type { Source, SourceContext, SourcePull } from '../source.ts';
import { parseOpenCodeMessage } from './parser.ts';
import { findOpenCodeFiles, type OpenCodeFile } from './paths.ts';
import { databaseStamp, openSqlite, SqliteFormatError } from './sqlite.ts';

/** A database that keeps changing while it is read is read again, at most this many times. */
const READ_ATTEMPTS = 3;

export function createOpenCodeSource(): Source {
  return {
    name: 'opencode',
    async pull(context: SourceContext): Promise<SourcePull> {
      const { config } = context;
      const { files, missing } = await findOpenCodeFiles(config.opencodeDataDir, config.opencodeDb);
      if (missing) {
        throw new SourceError(
          'opencode',
          `no OpenCode data folder found (looked in ${config.opencodeDataDir}); set XDG_DATA_HOME, or OPENCODE_DB to its database`,
        );
      }
      const pull = await pullRewrittenFiles<OpenCodeFile>({
        source: 'opencode',
        context,
        files,
        stamp: async (file) => (file.kind === 'database' ? databaseStamp(file.path) : stampOf(file.path)),
        read: (file, previous) =>
          file.kind === 'database' ? readDatabase(file, previous, context) : readMessageFile(file, previous, context),
      });
      return { records: pull.records, quarantine: pull.quarantine, stats: pull.stats, batchIdFor: () => pull.batch, commit: pull.commit };
    },
  };
}

async function stampOf(path: string) {
  const info = await stat(path);
  return { size: info.size, mtimeMs: info.mtimeMs };
}

function collector(file: OpenCodeFile, previous: PreviousRead | null) {
  const out: FileReading = { records: [], quarantine: [], read: 0, skipped: {}, rejectedKeys: [] };
  return {
    out,
    add(outcome: ReturnType<typeof parseOpenCodeMessage>, key: string, raw: () => string) {
      out.read++;
      if (outcome.kind === 'record') out.records.push(outcome.record);
      else if (outcome.kind === 'skip') out.skipped[outcome.reason] = (out.skipped[outcome.reason] ?? 0) + 1;
      else {
        out.rejectedKeys!.push(key);
        if (previous?.rejected.has(key)) return;
        const entry: QuarantineEntry = {
          source: 'opencode',
          origin: file.relativePath,
          line: 0,
          reason: `${key}: ${outcome.reason}`,
          raw: raw().slice(0, 2000),
        };
        out.quarantine.push(entry);
      }
    },
  };
}

async function readMessageFile(
  file: OpenCodeFile & { kind: 'message' },
  previous: PreviousRead | null,
  context: SourceContext,
): Promise<FileReading> {
  const c = collector(file, previous);
  const text = await readFile(file.path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    c.add({ kind: 'reject', reason: `invalid JSON: ${(error as Error).message}` }, 'file', () => text);
    return c.out;
  }
  c.add(
    parseOpenCodeMessage(json, {
      id: null,
      session: file.sessionFolder,
      sessionDirectory: null,
      user: context.config.user,
      machine: context.config.machine,
    }),
    'file',
    () => text,
  );
  return c.out;
}

async function readDatabase(file: OpenCodeFile, previous: PreviousRead | null, context: SourceContext): Promise<FileReading> {
  for (let attempt = 1; ; attempt++) {
    const before = await databaseStamp(file.path);
    let reading: FileReading;
    try {
      reading = await scanDatabase(file, previous, context);
    } catch (error) {
      // A page read while OpenCode was rewriting it can look corrupt: read again before failing.
      if (!(error instanceof SqliteFormatError) || attempt >= READ_ATTEMPTS) {
        throw new SourceError('opencode', `cannot read ${file.path}: ${errorMessage(error)}`, { cause: error });
      }
      continue;
    }
    const after = await databaseStamp(file.path);
    if ((before.size === after.size && before.mtimeMs === after.mtimeMs) || attempt >= READ_ATTEMPTS) return reading;
  }
}

async function scanDatabase(file: OpenCodeFile, previous: PreviousRead | null, context: SourceContext): Promise<FileReading> {
  const db = await openSqlite(file.path);
  try {
    const tables = await db.tables();
    const messages = tables.get('message');
    if (!messages) {
      // A database created before its first migration ran holds no messages yet.
      return { records: [], quarantine: [], read: 0, skipped: { 'no-message-table': 1 } };
    }
    const directories = new Map<string, string>();
    const sessions = tables.get('session');
    if (sessions) {
      await db.scan(sessions, (_rowid, row) => {
        if (typeof row.id === 'string' && typeof row.directory === 'string') directories.set(row.id, row.directory);
      });
    }
    const c = collector(file, previous);
    const rows: Array<{ id: string | null; session: string | null; data: unknown }> = [];
    await db.scan(messages, (rowid, row) =>
      rows.push({
        id: typeof row.id === 'string' ? row.id : `rowid:${rowid}`,
        session: typeof row.session_id === 'string' ? row.session_id : null,
        data: row.data,
      }),
    );
    for (const row of rows) {
      const key = `message ${row.id}`;
      if (typeof row.data !== 'string') {
        c.add({ kind: 'reject', reason: 'data is not text' }, key, () => String(row.data));
        continue;
      }
      // The table holds every message; only assistant ones with tokens are decoded.
      if (!row.data.includes('"tokens"')) {
        c.out.read++;
        c.out.skipped['not-usage'] = (c.out.skipped['not-usage'] ?? 0) + 1;
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(row.data);
      } catch (error) {
        c.add({ kind: 'reject', reason: `invalid JSON: ${(error as Error).message}` }, key, () => row.data as string);
        continue;
      }
      c.add(
        parseOpenCodeMessage(json, {
          id: row.id,
          session: row.session,
          sessionDirectory: row.session ? (directories.get(row.session) ?? null) : null,
          user: context.config.user,
          machine: context.config.machine,
        }),
        key,
        () => row.data as string,
      );
    }
    return c.out;
  } finally {
    await db.close();
  }
}
