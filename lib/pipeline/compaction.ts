// Nightly housekeeping of the lake: compacts each closed day's small objects into one
// de-duplicated object per source, and applies retention: rollups older than 25 months always, raw
// days older than the retention age only when one is configured (opt-in: by default the raw lake,
// the source of truth, is kept forever). New objects are written before old ones are deleted, so a reader
// never sees a day empty; during the swap a raw reader may see a record twice, which every reader
// of ours absorbs by keeping one record per id (Athena queries in infra/ do the same).

import { addDays, utcDay } from '../core/calendar.ts';
import type { Logger } from '../core/log.ts';
import { dayOfDayObject, partitionPrefix, USAGE_ROLLUP_PREFIX } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { batchId, listUsageDays, readUsageObject, serializeUsageObject } from '../usage/lake.ts';
import type { UsageRecord } from '../usage/record.ts';
import { dedupeRecords } from '../usage/rollup.ts';

/** Rollups live 25 months so year-over-year views work. */
const ROLLUP_RETENTION_DAYS = 760;

interface CompactionDeps {
  store: ObjectStore;
  now: () => Date;
  log: Logger;
  /** Raw lake days kept; null keeps every day. */
  retentionDays: number | null;
}

interface CompactionResult {
  compactedDays: string[];
  objectsRemoved: number;
  expiredDays: string[];
  expiredRollups: number;
}

/** Compacts one day: per source, all objects → one. Returns how many objects were removed. */
async function compactDay(store: ObjectStore, day: string): Promise<number> {
  const objects = await store.list(partitionPrefix('usage', day));
  if (objects.length < 2) return 0;
  const bySource = new Map<string, { keys: string[]; records: UsageRecord[] }>();
  for (const o of objects) {
    const content = await readUsageObject(store, o.key);
    // An object holding lines that no longer validate is left alone: compaction must not drop data.
    if (content.rejects.length > 0) continue;
    const source = content.records[0]?.source ?? 'empty';
    let group = bySource.get(source);
    if (!group) {
      group = { keys: [], records: [] };
      bySource.set(source, group);
    }
    group.keys.push(o.key);
    for (const r of content.records) group.records.push(r);
  }
  let removed = 0;
  for (const [source, group] of bySource) {
    if (group.keys.length < 2) continue;
    const { unique } = dedupeRecords(group.records);
    const key = `${partitionPrefix('usage', day)}${source}-c${batchId(...group.keys.sort())}.jsonl`;
    if (unique.length > 0) await store.put(key, serializeUsageObject(unique));
    const old = group.keys.filter((k) => k !== key);
    await store.delete(old);
    removed += old.length;
  }
  return removed;
}

export async function runCompaction(deps: CompactionDeps): Promise<CompactionResult> {
  const today = utcDay(deps.now());
  const oldestKept = deps.retentionDays === null ? null : addDays(today, -deps.retentionDays);
  const days = await listUsageDays(deps.store);
  const compactedDays: string[] = [];
  const expiredDays: string[] = [];
  let objectsRemoved = 0;
  for (const day of days) {
    if (oldestKept !== null && day < oldestKept) {
      const keys = (await deps.store.list(partitionPrefix('usage', day))).map((o) => o.key);
      await deps.store.delete(keys);
      expiredDays.push(day);
      continue;
    }
    // Only closed days: today and yesterday may still receive late lines.
    if (day >= addDays(today, -1)) continue;
    const removed = await compactDay(deps.store, day);
    if (removed > 0) {
      compactedDays.push(day);
      objectsRemoved += removed;
    }
  }
  const oldestRollup = addDays(today, -ROLLUP_RETENTION_DAYS);
  const expiredRollupKeys = (await deps.store.list(USAGE_ROLLUP_PREFIX))
    .map((o) => o.key)
    .filter((k) => (dayOfDayObject(k) ?? '9999') < oldestRollup);
  await deps.store.delete(expiredRollupKeys);
  deps.log.info('compaction done', {
    compacted_days: compactedDays.length,
    objects_removed: objectsRemoved,
    expired_days: expiredDays.length,
    retention_days: deps.retentionDays,
  });
  return { compactedDays, objectsRemoved, expiredDays, expiredRollups: expiredRollupKeys.length };
}
