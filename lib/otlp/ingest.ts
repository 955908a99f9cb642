// One OTLP export request into the lake: map it (pure), settle Claude Code's session claims, price
// and anonymise as sync does, write usage, twin events and quarantine (rejects, with reasons) under
// keys that name their content, so an exporter's retry writes nothing. A store failure is a 503
// with Retry-After: every write is idempotent, so the retry is safe.

import type { Config } from '../config/config.ts';
import { errorMessage, HttpError, ServiceUnavailableError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { type EventRecord, eventRecordSchema, familyOf, serializeEventRecord } from '../events/schema.ts';
import { anonymizeRecords } from '../pipeline/sync.ts';
import type { SourceStatus } from '../sources/status.ts';
import { MAX_RAW_CHARS } from '../store/jsonl.ts';
import { lakeObjectKey, quarantineKey, statusKey } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { batchId, groupByDay, type QuarantineEntry, serializeUsageObject, writeQuarantine } from '../usage/lake.ts';
import { priceRecords } from '../usage/lake-batch.ts';
import type { Pricer } from '../usage/pricing/price.ts';
import { preferredCopy, type UsageRecord } from '../usage/record.ts';
import type { ExportRequests } from './body.ts';
import { mapClaudeCodeMetrics } from './claude-code-metrics.ts';
import { mapSpans } from './genai-spans.ts';
import { mapLogs } from './logs.ts';
import { type Candidate, type ClaimSignal, type MapResult, OTLP_SOURCE, type Rejection } from './mapping.ts';
import type { Signal } from './proto.ts';
import { claimSessions } from './session-claims.ts';

/** What an exporter is told to wait before retrying after a store failure (seconds). */
const RETRY_AFTER_SECONDS = 5;
/** The receiver's status object (data_quality.sources) is rewritten at most this often per process. */
const STATUS_INTERVAL_MS = 60_000;
const MESSAGE_CHARS = 2000;

export interface OtlpIngestDeps {
  store: ObjectStore;
  now: Date;
  log: Logger;
  /** Prices records without a reported cost as they land (the rollups re-price either way). */
  pricer: Pricer | null;
  /** TOKENLAKE_ANONYMIZE and TOKENLAKE_HMAC_KEY: the same pseudonyms as sync. */
  anonymization: Pick<Config, 'anonymize' | 'hmacKey'>;
}

interface OtlpIngestResult {
  /** Log records, data points or spans refused (the partial-success count). */
  rejected: number;
  /** Why, for the partial-success error_message; also carries warnings (unpriced models). */
  message: string | null;
  /** Usage records in the lake after this request (new or already there). */
  landed: number;
  /** Claude Code records dropped because the session's other report owns it. */
  superseded: number;
  /** Items that carry no usage. */
  ignored: number;
  written: string[];
}

const NOUN: Record<Signal, string> = { logs: 'log records', metrics: 'data points', traces: 'spans' };

function mapRequest<S extends Signal>(signal: S, request: ExportRequests[S], now: Date): MapResult {
  if (signal === 'logs') return mapLogs(request as ExportRequests['logs'], now);
  if (signal === 'metrics') return mapClaudeCodeMetrics(request as ExportRequests['metrics'], now);
  return mapSpans(request as ExportRequests['traces']);
}

/** One candidate per id: a request may repeat an item (the larger copy wins, as in the rollups). */
function dedupe(candidates: readonly Candidate[]): Candidate[] {
  const byId = new Map<string, Candidate>();
  for (const c of candidates) {
    const seen = byId.get(c.record.id);
    byId.set(c.record.id, seen && preferredCopy(seen.record, c.record) === seen.record ? seen : c);
  }
  return [...byId.values()];
}

function describeRejections(rejected: readonly Rejection[], noun: string): string | null {
  if (rejected.length === 0) return null;
  const count = rejected.reduce((a, r) => a + r.items, 0);
  let text = `${count} ${noun} rejected: `;
  for (const [i, r] of rejected.entries()) {
    const part = `${i > 0 ? '; ' : ''}${r.path} (${r.what}): ${r.reason}`;
    if (text.length + part.length > MESSAGE_CHARS) {
      text += `; and ${rejected.length - i} more`;
      break;
    }
    text += part;
  }
  return text;
}

function twinOf(c: Candidate, receivedAt: string): EventRecord | null {
  if (!c.twin) return null;
  const parsed = eventRecordSchema.safeParse({
    id: c.record.id,
    ts: c.record.ts,
    event_type: c.twin.event_type,
    family: familyOf(c.twin.event_type),
    entity_type: null,
    entity_id: null,
    attributes: c.twin.attributes,
    metrics: c.twin.metrics,
    source: OTLP_SOURCE,
    received_at: receivedAt,
  });
  // Labels are a convenience: a twin that does not validate is left out, its usage still lands.
  return parsed.success ? parsed.data : null;
}

async function putOnce(store: ObjectStore, key: string, body: string, written: string[]): Promise<void> {
  if (await store.head(key)) return;
  await store.put(key, body, { contentType: 'application/x-ndjson' });
  written.push(key);
}

const lastStatusAt = new WeakMap<ObjectStore, number>();

async function writeStatus(deps: OtlpIngestDeps, run: SourceStatus['last_run']): Promise<void> {
  const at = deps.now.getTime();
  if (at - (lastStatusAt.get(deps.store) ?? Number.NEGATIVE_INFINITY) < STATUS_INTERVAL_MS) return;
  lastStatusAt.set(deps.store, at);
  const iso = deps.now.toISOString();
  const status: SourceStatus = {
    source: OTLP_SOURCE,
    machine: null,
    last_run_at: iso,
    last_success_at: iso,
    last_error: null,
    last_error_at: null,
    last_run: run,
  };
  try {
    await deps.store.put(statusKey(OTLP_SOURCE, null), JSON.stringify(status), { contentType: 'application/json' });
  } catch (error) {
    // The usage is stored; a missing status line must not make the exporter send it again.
    deps.log.warn('otlp status not written', { error: errorMessage(error) });
  }
}

export async function ingestOtlp<S extends Signal>(deps: OtlpIngestDeps, signal: S, request: ExportRequests[S]): Promise<OtlpIngestResult> {
  const mapped = mapRequest(signal, request, deps.now);
  const candidates = dedupe(mapped.candidates);
  const written: string[] = [];
  try {
    const wanted = new Map<string, ClaimSignal>();
    for (const c of candidates) if (c.claim) wanted.set(c.claim.session, c.claim.signal);
    const owners = wanted.size > 0 ? await claimSessions(deps.store, wanted, deps.now) : new Map<string, ClaimSignal>();
    const landing = candidates.filter((c) => !c.claim || owners.get(c.claim.session) === c.claim.signal);
    const superseded = candidates.length - landing.length;

    const records: UsageRecord[] = landing.map((c) => ({ ...c.record }));
    if (deps.pricer) priceRecords(records, deps.pricer);
    await anonymizeRecords(records, deps.store, deps.anonymization);
    for (const [day, list] of [...groupByDay(records)].sort(([a], [b]) => a.localeCompare(b))) {
      const body = serializeUsageObject(list);
      await putOnce(deps.store, lakeObjectKey('usage', day, OTLP_SOURCE, batchId(body)), body, written);
    }

    const receivedAt = deps.now.toISOString();
    const twins = landing.map((c) => twinOf(c, receivedAt)).filter((e): e is EventRecord => e !== null);
    const twinsByDay = new Map<string, EventRecord[]>();
    for (const e of twins) twinsByDay.set(e.ts.slice(0, 10), [...(twinsByDay.get(e.ts.slice(0, 10)) ?? []), e]);
    for (const [day, list] of twinsByDay) {
      // Named by the ids (not the bytes, which hold received_at): the first acceptance wins.
      const key = lakeObjectKey('events', day, OTLP_SOURCE, batchId(...list.map((e) => e.id).sort()));
      const body = list
        .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : 1))
        .map((e) => `${serializeEventRecord(e)}\n`)
        .join('');
      await putOnce(deps.store, key, body, written);
    }

    if (mapped.rejected.length > 0) {
      const entries: QuarantineEntry[] = mapped.rejected.map((r, i) => ({
        source: OTLP_SOURCE,
        origin: `otlp/${signal}:${r.path}`,
        line: i + 1,
        reason: `${r.what}: ${r.reason}`,
        raw: JSON.stringify(r.raw ?? null).slice(0, MAX_RAW_CHARS),
      }));
      const day = receivedAt.slice(0, 10);
      const batch = batchId(signal, ...entries.map((e) => `${e.origin}\u0000${e.reason}\u0000${e.raw}`));
      if (!(await deps.store.head(quarantineKey(day, OTLP_SOURCE, batch)))) {
        const key = await writeQuarantine(deps.store, day, OTLP_SOURCE, batch, entries);
        if (key) written.push(key);
      }
    }

    const rejected = mapped.rejected.reduce((a, r) => a + r.items, 0);
    await writeStatus(deps, {
      read: candidates.length + rejected + mapped.ignored,
      records: records.length,
      duplicates: mapped.candidates.length - candidates.length,
      quarantined: rejected,
      skipped: mapped.ignored + superseded,
      objects_written: written.length,
    });

    const unpriced = [...new Set(records.filter((r) => r.cost_source === 'unpriced').map((r) => `${r.provider}/${r.model}`))].sort();
    const warning =
      unpriced.length > 0
        ? `no price for ${unpriced.slice(0, 5).join(', ')}${unpriced.length > 5 ? ', …' : ''}: their usage lands as unpriced`
        : null;
    const message = [describeRejections(mapped.rejected, NOUN[signal]), warning].filter((m): m is string => m !== null).join('. ') || null;
    deps.log.info('otlp export received', {
      signal,
      landed: records.length,
      rejected,
      superseded,
      ignored: mapped.ignored,
      objects_written: written.length,
    });
    return { rejected, message, landed: records.length, superseded, ignored: mapped.ignored, written };
  } catch (error) {
    if (error instanceof HttpError) throw error;
    // Objects written before the failure are named by their content: the retry finds them.
    deps.log.warn('otlp export not stored; the exporter will retry', {
      signal,
      error: errorMessage(error),
      objects_written: written.length,
    });
    throw new ServiceUnavailableError('the lake could not be written; retry later', RETRY_AFTER_SECONDS, { cause: error });
  }
}
