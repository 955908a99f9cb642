// One sync run: each source is pulled, its records priced and written to the lake, its rejects
// to quarantine, and only then its cursor committed. A failing source never stops the others;
// its last success and error are kept in state/status/ (log sources: state/machines/<machine>/status/)
// for analytics' data_quality.

import type { Config } from '../config/config.ts';
import { utcDay } from '../core/calendar.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { configSecrets, createRedactor } from '../core/redact.ts';
import type { ParserThreads } from '../sources/claude-code/parsers.ts';
import type { Source, SourceContext, SourceStats } from '../sources/source.ts';
import { isMachineScoped, readStatus, type SourceStatus, sourceStatusKey } from '../sources/status.ts';
import { lakeObjectKey, syncLeaseKey } from '../store/layout.ts';
import { acquireLease } from '../store/lease.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { type Anonymizer, createAnonymizer, resolveAnonymizationKey } from '../usage/anonymize.ts';
import { type QuarantineEntry, writeQuarantine } from '../usage/lake.ts';
import { anonymizeLabels, type PreparedBatch, prepareBatch } from '../usage/lake-batch.ts';
import type { Pricer } from '../usage/pricing/price.ts';
import type { UsageRecord } from '../usage/record.ts';
import type { DayRollupBuilder, FreshDay } from '../usage/rollup.ts';

interface SyncDeps {
  store: ObjectStore;
  config: Config;
  now: () => Date;
  log: Logger;
  pricer: Pricer;
  sources: Source[];
  fetch?: typeof fetch;
}

interface SourceOutcome {
  source: string;
  ok: boolean;
  error: string | null;
  stats: SourceStats | null;
  keys: string[];
}

export interface SyncResult {
  startedAt: string;
  outcomes: SourceOutcome[];
  /** Every lake and quarantine key written, for the analyze step. */
  keys: string[];
  /** Per UTC day, what was written and a rollup builder fed with it (only with options.handover). */
  fresh: Map<string, FreshDay>;
  /** True when another sync of this machine held the lease: this one did nothing. */
  skipped: boolean;
}

/** Longer than any sync should take (a Lambda runs 15 minutes at most). */
const SYNC_LEASE_MS = 15 * 60_000;

/** Replaces the configured labels by their keyed pseudonyms before anything is written. */
export async function anonymizeRecords(
  records: UsageRecord[],
  store: ObjectStore,
  config: Pick<Config, 'anonymize' | 'hmacKey'>,
): Promise<void> {
  const anonymizer = await anonymizerFor(store, config);
  if (anonymizer && records.length > 0) anonymizeLabels(records, anonymizer);
}

/** The anonymiser the configuration asks for, or null (its key may live in the bucket). */
async function anonymizerFor(store: ObjectStore, config: Pick<Config, 'anonymize' | 'hmacKey'>): Promise<Anonymizer | null> {
  if (config.anonymize.length === 0) return null;
  return createAnonymizer(await resolveAnonymizationKey(store, config.hmacKey), config.anonymize);
}

interface SyncOptions {
  /**
   * Feed every record written into a per-day rollup builder (SyncResult.fresh), so an analyze in
   * the same process need not read back what was just written. Off for the Lambda, whose analyze
   * runs elsewhere.
   */
  handover?: boolean;
  /** Parser threads for large pulls (the CLI's; absent on Lambda). */
  parserThreads?: ParserThreads;
  since?: string;
  signal?: AbortSignal;
  progress?: (done: number, total: number, label: string) => void;
}

export async function runSync(deps: SyncDeps, options: SyncOptions = {}): Promise<SyncResult> {
  const now = deps.now();
  const startedAt = now.toISOString();
  const lease = await acquireLease(deps.store, syncLeaseKey(deps.config.machine), now, SYNC_LEASE_MS);
  if (!lease) {
    deps.log.info('another sync is running; this one exits without doing anything');
    return { startedAt, outcomes: [], keys: [], fresh: new Map(), skipped: true };
  }
  try {
    return await syncSources(deps, options, now);
  } finally {
    await lease.release();
  }
}

async function syncSources(deps: SyncDeps, options: SyncOptions, now: Date): Promise<SyncResult> {
  const startedAt = now.toISOString();
  // What leaves a source (quarantined lines, its error in the log and the status) is redacted.
  const redact = createRedactor(configSecrets(deps.config));
  const outcomes: SourceOutcome[] = [];
  const fresh = new Map<string, FreshDay>();
  const handOver = (day: string, key: string, etag: string, builder: DayRollupBuilder) => {
    const f = fresh.get(day);
    if (!f) {
      fresh.set(day, { objects: new Map([[key, etag]]), builder });
      return;
    }
    // The same key written twice in one sync would count twice here: the day is read back instead.
    if (f.objects.has(key)) f.builder.conflicted = true;
    f.objects.set(key, etag);
    f.builder.absorb(builder);
  };
  const anonymizer = await anonymizerFor(deps.store, deps.config);
  for (const source of deps.sources) {
    const log = deps.log.child({ source: source.name });
    const context: SourceContext = { store: deps.store, config: deps.config, now, log };
    if (options.since) context.since = options.since;
    if (deps.fetch) context.fetch = deps.fetch;
    if (options.signal) context.signal = options.signal;
    if (options.progress) context.progress = options.progress;
    if (options.parserThreads) context.parserThreads = options.parserThreads;
    const key = sourceStatusKey(source.name, deps.config.machine);
    const previous = await readStatus(deps.store, key);
    const keys: string[] = [];
    /** Records that fail the lake contract: quarantined with the reason, never written. */
    const refused: QuarantineEntry[] = [];
    const writePrepared = async (prepared: PreparedBatch, batchFor: (day: string) => string) => {
      refused.push(...prepared.refused);
      for (const d of prepared.days) {
        const objectKey = lakeObjectKey('usage', d.day, source.name, batchFor(d.day));
        const { etag } = await deps.store.put(objectKey, d.body);
        keys.push(objectKey);
        if (d.builder) handOver(d.day, objectKey, etag, d.builder);
      }
    };
    const writeRecords = (records: UsageRecord[], batchFor: (day: string) => string) =>
      writePrepared(
        prepareBatch(records, { source: source.name, pricer: deps.pricer, anonymizer, handover: options.handover ?? false }),
        batchFor,
      );
    context.emit = (records, batch) => writeRecords(records, () => batch);
    context.emitPrepared = (prepared, batch) => writePrepared(prepared, () => batch);
    context.batchOptions = { source: source.name, pricer: deps.pricer, anonymizer, handover: options.handover ?? false };
    try {
      const pull = await source.pull(context);
      await writeRecords(pull.records, pull.batchIdFor);
      for (const day of pull.emptyDays ?? []) {
        const objectKey = lakeObjectKey('usage', day, source.name, pull.batchIdFor(day));
        if (keys.includes(objectKey)) continue;
        await deps.store.put(objectKey, '');
        keys.push(objectKey);
      }
      const quarantine = refused.length > 0 ? [...pull.quarantine, ...refused] : pull.quarantine;
      if (refused.length > 0) pull.stats.quarantined += refused.length;
      const qKey = await writeQuarantine(deps.store, utcDay(now), source.name, pull.batchIdFor(utcDay(now)), quarantine, redact);
      if (qKey) keys.push(qKey);
      await pull.commit();
      const status: SourceStatus = {
        source: source.name,
        machine: isMachineScoped(source.name) ? deps.config.machine : null,
        last_run_at: startedAt,
        last_success_at: startedAt,
        last_error: null,
        last_error_at: previous?.last_error_at ?? null,
        last_run: { ...pickCounts(pull.stats), objects_written: keys.length },
      };
      await deps.store.put(key, JSON.stringify(status));
      log.info('source synced', { ...status.last_run });
      outcomes.push({ source: source.name, ok: true, error: null, stats: pull.stats, keys });
    } catch (error) {
      const message = redact(errorMessage(error));
      log.error('source failed', { error: message });
      const status: SourceStatus = {
        source: source.name,
        machine: isMachineScoped(source.name) ? deps.config.machine : null,
        last_run_at: startedAt,
        last_success_at: previous?.last_success_at ?? null,
        last_error: message,
        last_error_at: startedAt,
        last_run: { read: 0, records: 0, duplicates: 0, quarantined: 0, skipped: 0, objects_written: 0 },
      };
      try {
        await deps.store.put(key, JSON.stringify(status));
      } catch (statusError) {
        log.error('could not record source status', { error: errorMessage(statusError) });
      }
      // Objects written before the failure stay (the cursor did not move; a rerun overwrites them).
      outcomes.push({ source: source.name, ok: false, error: message, stats: null, keys });
    }
  }
  return { startedAt, outcomes, keys: outcomes.flatMap((o) => o.keys), fresh, skipped: false };
}

function pickCounts(s: SourceStats) {
  return { read: s.read, records: s.records, duplicates: s.duplicates, quarantined: s.quarantined, skipped: s.skipped };
}

// Kept under their old home's name for the importers of lib/pipeline/sync.ts.
