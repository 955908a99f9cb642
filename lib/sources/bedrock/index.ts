// The bedrock source: Amazon Bedrock model invocation logs delivered to S3, one usage record per
// invocation. Reads each configured location's new log batches incrementally (per account ×
// region stream; see the cursor below), gunzips them as they stream, and records which hours the
// logs cover (coverage.ts) so the CloudWatch-metrics fallback never counts those hours again.
//
// The cursor, per location and stream: `closed_before` (a UTC hour: every batch of an earlier hour
// was read) and, for the trailing window of hours still open, the ETag of each batch already read.
// S3 lists a stream in time order, so a run lists from the oldest open hour onwards and reads what
// it has not read. A batch that arrives late for an earlier hour is still found while that hour is
// inside the window (TOKENLAKE_REFETCH_HOURS, default 48 h); a batch rewritten in place (new ETag)
// is read again and its requests keep their ids. A pure last-key cursor would skip both.

import { z } from 'zod';
import type { BedrockLogLocation } from '../../config/bedrock-log-location.ts';
import type { Config } from '../../config/config.ts';
import { addDays, utcDay } from '../../core/calendar.ts';
import { errorMessage, SourceError } from '../../core/errors.ts';
import { loadCursor, saveCursor } from '../../store/cursor.ts';
import { bedrockLogCursorKey } from '../../store/layout.ts';
import { batchId, type QuarantineEntry } from '../../usage/lake.ts';
import { preferredCopy, type UsageRecord } from '../../usage/record.ts';
import { countSkip, emptyStats, type Source, type SourceContext, type SourcePull, type SourceStats } from '../source.ts';
import { loadLoggedHours, markLogged, saveLoggedHours } from './coverage.ts';
import { gunzipLines, type LogBucket, openS3LogBucket } from './log-bucket.ts';
import { parseInvocationLine, SOURCE } from './parser.ts';
import {
  accountsPrefix,
  foreignFolder,
  hourOf,
  hourPath,
  LAST_CHAR,
  type LogStream,
  parseStreamKey,
  streamEnd,
  streamOfKey,
} from './paths.ts';

const hourSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}$/);
const streamCursorSchema = z.object({
  /** Every batch of an hour before this one has been read (the hour is out of the window). */
  closed_before: hourSchema,
  /** Open hours → batch file name → the ETag it had when read. */
  open: z.record(hourSchema, z.record(z.string(), z.string())),
});
const locationCursorSchema = z.object({
  version: z.literal(1),
  location: z.string(),
  /** `<account>/<region>` → its stream cursor. */
  streams: z.record(z.string(), streamCursorSchema),
});
type LocationCursor = z.infer<typeof locationCursorSchema>;
type StreamCursor = z.infer<typeof streamCursorSchema>;

/** Records held before they are handed to the sync in a part of their own (bounded memory on a long backfill). */
const PART_SIZE = 50_000;

interface BedrockSourceOptions {
  /** Opens a location's bucket; tests pass an s3rver- or memory-backed one. Default: S3 with the standard credential chain. */
  openBucket?: (location: BedrockLogLocation, config: Config) => Promise<LogBucket>;
}

const defaultOpen = (location: BedrockLogLocation, config: Config) =>
  openS3LogBucket({ bucket: location.bucket, region: config.region, endpoint: config.s3Endpoint });

export function createBedrockSource(options: BedrockSourceOptions = {}): Source {
  const openBucket = options.openBucket ?? defaultOpen;
  return {
    name: SOURCE,
    async pull(context: SourceContext): Promise<SourcePull> {
      const { config, store, now } = context;
      if (config.bedrockLogs.length === 0) throw new SourceError(SOURCE, 'no log location: set TOKENLAKE_BEDROCK_LOGS=s3://bucket/prefix');
      const cursors = new Map<string, LocationCursor | null>();
      for (const location of config.bedrockLogs) {
        cursors.set(location.url, await loadCursor(store, bedrockLogCursorKey(location.url), locationCursorSchema));
      }
      // Named by where this pull starts: a crashed pull that is retried rewrites the same objects.
      const batch = batchId(SOURCE, JSON.stringify([...cursors]), context.since ?? '');
      const windowStart = hourOf(new Date(now.getTime() - config.refetchHours * 3_600_000));
      const firstHour = `${context.since ?? addDays(utcDay(now), -(Math.max(1, config.backfillDays) - 1))}T00`;

      const stats = emptyStats();
      const quarantine: QuarantineEntry[] = [];
      const logged = new Set<string>();
      let held = new Map<string, UsageRecord>();
      let part = 0;
      const kept: UsageRecord[] = [];
      const flush = async () => {
        if (held.size === 0) return;
        const records = [...held.values()];
        held = new Map();
        stats.records += records.length;
        if (context.emit) await context.emit(records, `${batch}-p${part++}`);
        else kept.push(...records);
      };
      const next = new Map<string, LocationCursor>();

      for (const location of config.bedrockLogs) {
        const bucket = await openBucket(location, config);
        try {
          const previous = cursors.get(location.url) ?? null;
          const streams: LocationCursor['streams'] = {};
          for (const stream of await discoverStreams(bucket, location)) {
            const id = `${stream.account}/${stream.region}`;
            streams[id] = await readStream(bucket, location, stream, previous?.streams[id] ?? null, {
              firstHour,
              windowStart,
              since: context.since,
              stats,
              quarantine,
              onRecord: async (record, region) => {
                logged.add(`${region}|${hourOf(record.ts)}`);
                const seen = held.get(record.id);
                if (seen) stats.duplicates++;
                held.set(record.id, seen ? preferredCopy(seen, record) : record);
                if (held.size >= PART_SIZE && context.emit) await flush();
              },
            });
          }
          // A stream that vanished from the listing keeps its cursor (a transient listing gap must not re-read it later).
          for (const [id, s] of Object.entries(previous?.streams ?? {})) streams[id] ??= s;
          next.set(location.url, { version: 1, location: location.url, streams });
        } catch (error) {
          if (error instanceof SourceError) throw error;
          throw new SourceError(SOURCE, `${location.url}: ${errorMessage(error)}`, { cause: error });
        } finally {
          bucket.close();
        }
      }
      await flush();

      return {
        records: kept,
        quarantine,
        stats,
        batchIdFor: () => batch,
        async commit() {
          // Coverage first: should the cursor write then fail, the next pull reads the same batches
          // again (same ids), whereas the reverse order could leave hours the metrics would count twice.
          const coverage = markLogged(
            await loadLoggedHours(store),
            [...logged].map((k) => {
              const [region, hour] = k.split('|') as [string, string];
              return { region, hour };
            }),
            utcDay(now),
          );
          if (coverage) await saveLoggedHours(store, coverage);
          for (const [url, cursor] of next) {
            if (JSON.stringify(cursor) !== JSON.stringify(cursors.get(url))) await saveCursor(store, bedrockLogCursorKey(url), cursor);
          }
        },
      };
    },
  };
}

/**
 * Every account × region under a location, found by skipping from folder to folder: the first key
 * after the last stream found names the next one (one request per stream, like a delimiter listing,
 * but it also works on S3-compatible stores whose delimiter listing only sees one level down).
 */
async function discoverStreams(bucket: LogBucket, location: BedrockLogLocation): Promise<LogStream[]> {
  const out: LogStream[] = [];
  const base = accountsPrefix(location);
  for (let after = base, key = await bucket.firstKey(base, after); key !== null; key = await bucket.firstKey(base, after)) {
    const stream = streamOfKey(location, key);
    if (stream) out.push(stream);
    // Past everything under the folder just seen: the stream, or the foreign folder/object.
    after = `${stream ? stream.prefix : foreignFolder(base, key)}${LAST_CHAR}`;
  }
  return out;
}

interface StreamRun {
  /** The first hour read when the stream has no cursor (backfill start, or --since). */
  firstHour: string;
  /** Hours from here on stay open: their batches are remembered by ETag. */
  windowStart: string;
  since: string | undefined;
  stats: SourceStats;
  quarantine: QuarantineEntry[];
  onRecord: (record: UsageRecord, region: string) => Promise<void>;
}

/** Reads the unread batches of one stream; returns its next cursor. */
async function readStream(
  bucket: LogBucket,
  location: BedrockLogLocation,
  stream: LogStream,
  cursor: StreamCursor | null,
  run: StreamRun,
): Promise<StreamCursor> {
  // From the oldest open hour (or the backfill start); `--since` goes back further, reading again.
  let from = cursor ? cursor.closed_before : run.firstHour;
  const sinceHour = run.since === undefined ? null : `${run.since}T00`;
  if (sinceHour !== null && sinceHour < from) from = sinceHour;
  const open: StreamCursor['open'] = structuredClone(cursor?.open ?? {});
  const closedBefore = cursor && cursor.closed_before > run.windowStart ? cursor.closed_before : run.windowStart;
  // `…/<region>/2026/08/01/10` sorts just before the first key of that hour.
  const listed = await bucket.listKeys(stream.prefix, `${stream.prefix}${hourPath(from)}`, streamEnd(stream));
  for (const object of listed) {
    const key = parseStreamKey(object.key.slice(stream.prefix.length));
    if (!key) {
      countSkip(run.stats, 'not-a-log-batch');
      continue;
    }
    if (open[key.hour]?.[key.file] === object.etag) continue;
    const origin = `s3://${location.bucket}/${object.key}`;
    const body = await bucket.open(object.key);
    if (body === null) {
      // Deleted between the listing and the read (a lifecycle rule): nothing to count.
      countSkip(run.stats, 'batch-gone');
      continue;
    }
    let lines = 0;
    try {
      for await (const l of gunzipLines(body)) {
        lines = l.number;
        run.stats.read++;
        if ('tooLong' in l) {
          run.quarantine.push({
            source: SOURCE,
            origin,
            line: l.number,
            reason: `line of ${l.tooLong} bytes is longer than a log record can be`,
            raw: '',
          });
          run.stats.quarantined++;
          continue;
        }
        if (l.line.trim() === '') continue;
        const outcome = parseInvocationLine(l.line, stream);
        if (outcome.kind === 'record') await run.onRecord(outcome.record, outcome.region);
        else if (outcome.kind === 'skip') countSkip(run.stats, outcome.reason);
        else {
          run.quarantine.push({ source: SOURCE, origin, line: l.number, reason: outcome.reason, raw: outcome.raw });
          run.stats.quarantined++;
        }
      }
    } catch (error) {
      // A truncated or corrupt batch: the complete lines before the damage were kept; reading it
      // again cannot repair it, so it is quarantined with the reason and remembered as read.
      run.quarantine.push({
        source: SOURCE,
        origin,
        line: lines + 1,
        reason: `cannot gunzip the batch past line ${lines}: ${errorMessage(error)} (the ${lines} complete lines before it were kept)`,
        raw: '',
      });
      run.stats.quarantined++;
    }
    if (key.hour >= closedBefore) {
      open[key.hour] ??= {};
      open[key.hour]![key.file] = object.etag;
    }
  }
  for (const hour of Object.keys(open)) if (hour < closedBefore) delete open[hour];
  return { closed_before: closedBefore, open };
}
