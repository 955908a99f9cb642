// A batch of records made ready for the lake, the same way wherever it is done (in sync, or on a
// parser thread): priced unless reported, labels pseudonymised when configured, checked against
// the lake contract (what fails is quarantined with the reason, never written), grouped by UTC
// day, serialised in a stable order, and — for the handover to analyze — rolled up per day.

import { describeIssues, MAX_RAW_CHARS } from '../store/jsonl.ts';
import type { Anonymizer } from './anonymize.ts';
import { groupByDay, type QuarantineEntry, serializeUsageObject } from './lake.ts';
import type { Pricer } from './pricing/price.ts';
import { isUsageRecordFast, type UsageRecord, usageRecordSchema } from './record.ts';
import { DayRollupBuilder } from './rollup.ts';

/** One day's part of a batch: the object's body and, with the handover, its records rolled up. */
export interface DayObject {
  day: string;
  body: string;
  records: number;
  builder: DayRollupBuilder | null;
}

export interface PreparedBatch {
  /** In day order. */
  days: DayObject[];
  /** Records that failed the lake contract. */
  refused: QuarantineEntry[];
}

export interface BatchOptions {
  source: string;
  pricer: Pricer;
  anonymizer: Anonymizer | null;
  /** Roll each day's records up for analyze (see FreshDay). */
  handover: boolean;
}

/** Sets cost_usd from the price table unless the source reported it. */
export function priceRecords(records: UsageRecord[], pricer: Pricer): void {
  for (const r of records) {
    if (r.cost_source === 'reported' && r.cost_usd !== null) continue;
    const cost = pricer.price(r);
    r.cost_usd = cost;
    r.cost_source = cost === null ? 'unpriced' : 'priced';
  }
}

/** Replaces the configured labels by their keyed pseudonyms. */
export function anonymizeLabels(records: UsageRecord[], anonymizer: Anonymizer): void {
  for (const r of records) {
    r.user = anonymizer.label('user', r.user);
    r.project = anonymizer.label('project', r.project);
    r.api_key = anonymizer.label('api_key', r.api_key);
    r.session = anonymizer.label('session', r.session);
    r.machine = anonymizer.label('machine', r.machine);
    r.workspace = anonymizer.label('workspace', r.workspace);
  }
}

/**
 * The records that meet the lake contract; the others become quarantine entries with the reason.
 * Sources build records from checked input, so this is the last guard, not the first: the fast
 * check passes them, and only what it doubts goes to the schema for a verdict.
 */
function keepValidRecords(records: UsageRecord[], source: string, refused: QuarantineEntry[]): UsageRecord[] {
  let valid: UsageRecord[] | null = null;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (isUsageRecordFast(r)) {
      valid?.push(r);
      continue;
    }
    const parsed = usageRecordSchema.safeParse(r);
    if (parsed.success) {
      valid?.push(r);
      continue;
    }
    valid ??= records.slice(0, i);
    refused.push({
      source,
      origin: 'record',
      line: 0,
      reason: `not a valid lake record: ${describeIssues(parsed.error.issues)}`,
      raw: JSON.stringify(r).slice(0, MAX_RAW_CHARS),
    });
  }
  return valid ?? records;
}

export function prepareBatch(records: UsageRecord[], options: BatchOptions): PreparedBatch {
  priceRecords(records, options.pricer);
  if (options.anonymizer) anonymizeLabels(records, options.anonymizer);
  const refused: QuarantineEntry[] = [];
  const valid = keepValidRecords(records, options.source, refused);
  const days: DayObject[] = [];
  for (const [day, list] of [...groupByDay(valid)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let builder: DayRollupBuilder | null = null;
    if (options.handover) {
      builder = new DayRollupBuilder(day, options.pricer, true);
      for (const r of list) builder.add(r);
    }
    days.push({ day, body: serializeUsageObject(list), records: list.length, builder });
  }
  return { days, refused };
}
