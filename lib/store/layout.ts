// The bucket map: every prefix and key tokenlake writes or reads, built and parsed here and nowhere
// else (the deploy template's IAM grants and S3 notification filters use it too).
//
//   lake/usage/dt=YYYY-MM-DD/<source>-<batch>.jsonl    usage records (the public contract)
//   lake/events/dt=YYYY-MM-DD/<source>-<batch>.jsonl   pushed events
//   quarantine/dt=YYYY-MM-DD/<source>-<batch>.jsonl    rejected lines, with the reason
//   rollups/usage/dt=YYYY-MM-DD.json                   daily usage rollups
//   rollups/usage-ids/dt=YYYY-MM-DD.jsonl              the ids a usage rollup counted (to fold new objects in)
//   rollups/sessions/dt=YYYY-MM-DD.json                daily usage per session, hour and model
//   rollups/events/dt=YYYY-MM-DD.json                  daily event rollups
//   analytics/analytics.json                           the pre-computed document
//   state/…                                            cursors, statuses, leases, alert and event-id claims
//   state/cursors/bedrock/<hash of location>.json      per log location: what the bedrock source read
//   state/bedrock/…                                    which hours the Bedrock logs cover (for bedrock-metrics)
//   config/…                                           API keys, budgets, the anonymisation key, fetched price tables
//   exports/…                                          large exports behind a presigned URL

import { createHash } from 'node:crypto';

type Dataset = 'usage' | 'events';

const LAKE_PREFIX = 'lake/';
export const QUARANTINE_PREFIX = 'quarantine/';
export const USAGE_ROLLUP_PREFIX = 'rollups/usage/';
const USAGE_IDS_PREFIX = 'rollups/usage-ids/';
const SESSION_ROLLUP_PREFIX = 'rollups/sessions/';
export const EVENT_ROLLUP_PREFIX = 'rollups/events/';
export const ANALYTICS_KEY = 'analytics/analytics.json';
const STATE_PREFIX = 'state/';
export const STATUS_PREFIX = 'state/status/';
export const MACHINES_PREFIX = 'state/machines/';
const ALERTS_PREFIX = 'state/alerts/';
export const BUDGETS_LAST_GOOD_KEY = 'state/budgets-last-good.json';
/** Which report (events or metrics) claimed a Claude Code session that exports over OTLP. */
export const OTLP_CLAIMS_PREFIX = 'state/otlp/sessions/';
/** Which hours the Bedrock invocation logs cover (lib/sources/bedrock/coverage.ts). */
export const BEDROCK_LOGGED_HOURS_KEY = 'state/bedrock/logged-hours.json';
/** The coverage sequence number bedrock-metrics last applied. */
export const BEDROCK_METRICS_APPLIED_KEY = 'state/bedrock/metrics-applied.json';
/** The first copy of each client event id (lib/events/identity.ts): ids are identities across days. */
const EVENT_ID_CLAIMS_PREFIX = 'state/events/ids/';
export const API_KEYS_KEY = 'config/api-keys.json';
export const BUDGETS_KEY = 'config/budgets.json';
export const ANONYMIZATION_KEY_KEY = 'config/anonymization-key';
/** Price tables fetched from LiteLLM's price map (dated by the fetch) and the fetch's own state. */
export const PRICE_TABLES_PREFIX = 'config/prices/tables/';
export const PRICES_STATE_KEY = 'config/prices/state.json';
export const EXPORTS_PREFIX = 'exports/';

const DAY = '\\d{4}-\\d{2}-\\d{2}';

/** A name made safe as one key segment (machine and source names come from the outside). */
function keySegment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 128);
}

export function datasetPrefix(dataset: Dataset): string {
  return `${LAKE_PREFIX}${dataset}/`;
}

export function partitionPrefix(dataset: Dataset, day: string): string {
  return `${datasetPrefix(dataset)}dt=${day}/`;
}

export function lakeObjectKey(dataset: Dataset, day: string, source: string, batchId: string): string {
  return `${partitionPrefix(dataset, day)}${source}-${batchId}.jsonl`;
}

export function quarantinePrefix(day: string): string {
  return `${QUARANTINE_PREFIX}dt=${day}/`;
}

export function quarantineKey(day: string, source: string, batchId: string): string {
  return `${quarantinePrefix(day)}${source}-${batchId}.jsonl`;
}

const LAKE_KEY = new RegExp(`^lake/(usage|events)/dt=(${DAY})/[^/]+\\.jsonl$`);
const QUARANTINE_KEY = new RegExp(`^quarantine/dt=(${DAY})/[^/]+\\.jsonl$`);
const PARTITION = new RegExp(`dt=(${DAY})/$`);
const DAY_OBJECT = new RegExp(`dt=(${DAY})\\.jsonl?$`);

/** `lake/usage/dt=2026-01-31/x.jsonl` → { dataset, day }; null for anything else. */
export function parseLakeKey(key: string): { dataset: Dataset; day: string } | null {
  const m = LAKE_KEY.exec(key);
  return m ? { dataset: m[1] as Dataset, day: m[2]! } : null;
}

export function parseQuarantineKey(key: string): { day: string } | null {
  const m = QUARANTINE_KEY.exec(key);
  return m ? { day: m[1]! } : null;
}

/** The day of a partition prefix (`…/dt=2026-01-31/`), or null. */
export function dayOfPartition(prefix: string): string | null {
  return PARTITION.exec(prefix)?.[1] ?? null;
}

/** Lake and quarantine objects are what analyze reacts to (the deploy's notification filter too). */
const ANALYZE_TRIGGER_PREFIXES = [datasetPrefix('usage'), datasetPrefix('events'), QUARANTINE_PREFIX] as const;

export function triggersAnalyze(key: string): boolean {
  return ANALYZE_TRIGGER_PREFIXES.some((p) => key.startsWith(p)) && key.endsWith('.jsonl');
}

export function usageRollupKey(day: string): string {
  return `${USAGE_ROLLUP_PREFIX}dt=${day}.json`;
}

export function usageIdsKey(day: string): string {
  return `${USAGE_IDS_PREFIX}dt=${day}.jsonl`;
}

export function sessionRollupKey(day: string): string {
  return `${SESSION_ROLLUP_PREFIX}dt=${day}.json`;
}

export function eventRollupKey(day: string): string {
  return `${EVENT_ROLLUP_PREFIX}dt=${day}.json`;
}

/** The day of a per-day object (`rollups/usage/dt=2026-01-31.json`), or null. */
export function dayOfDayObject(key: string): string | null {
  return DAY_OBJECT.exec(key)?.[1] ?? null;
}

/** Per-machine state (log sources, pushing laptops): each machine needs access to its own only. */
function machinePrefix(machine: string): string {
  return `${MACHINES_PREFIX}${keySegment(machine)}/`;
}

/** Log sources are per machine (many laptops push into one bucket); API sources are global. */
export function cursorKey(source: string, machine?: string): string {
  return machine ? `${machinePrefix(machine)}cursors/${keySegment(source)}.json` : `${STATE_PREFIX}cursors/${keySegment(source)}.json`;
}

/**
 * One cursor per Bedrock log location (`s3://bucket/prefix/`), named by a hash of it: a location is
 * read on its own and a changed list of locations keeps the cursors of the ones that stay.
 */
export function bedrockLogCursorKey(locationUrl: string): string {
  return `${STATE_PREFIX}cursors/bedrock/${createHash('sha256').update(locationUrl).digest('hex').slice(0, 20)}.json`;
}

export function statusKey(source: string, machine: string | null): string {
  return machine ? `${machinePrefix(machine)}status/${keySegment(source)}.json` : `${STATUS_PREFIX}${keySegment(source)}.json`;
}

const MACHINE_STATUS_KEY = /^state\/machines\/[^/]+\/status\/[^/]+\.json$/;

export function isMachineStatusKey(key: string): boolean {
  return MACHINE_STATUS_KEY.test(key);
}

/** One sync of a machine at a time: the lease beside its cursors. */
export function syncLeaseKey(machine: string): string {
  return `${machinePrefix(machine)}lock.json`;
}

const SYNC_LEASE_KEY = /^state\/machines\/([^/]+)\/lock\.json$/;

/** `state/machines/<m>/lock.json` → the machine's key segment; null for anything else. */
export function machineOfSyncLeaseKey(key: string): string | null {
  return SYNC_LEASE_KEY.exec(key)?.[1] ?? null;
}

/** The claim of an event id, by the id's hex hash (ids are client text; keys never hold it). */
export function eventIdClaimKey(idHash: string): string {
  return `${EVENT_ID_CLAIMS_PREFIX}${idHash.slice(0, 2)}/${idHash}.json`;
}

export function alertKey(identity: string): string {
  return `${ALERTS_PREFIX}${identity.replace(/[^A-Za-z0-9._=-]/g, '_')}.json`;
}
