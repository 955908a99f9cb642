// One day's usage rollup brought up to date with its lake objects (analyze, aggregate, report):
// skipped when current, folded when objects were only added, handed over from a first sync, or
// rebuilt from every lake object — here, or from bytes built on a rollup thread (day-refresher.ts).

import { CorruptObjectError, DayRollupError } from '../core/errors.ts';
import { quarantinePrefix, usageIdsKey, usageRollupKey } from '../store/layout.ts';
import type { ObjectStore, StoredObject } from '../store/object-store.ts';
import { listUsageDay, readUsageObject } from '../usage/lake.ts';
import type { UsageRecord } from '../usage/record.ts';
import {
  buildDay,
  checkRollup,
  DayRollupBuilder,
  type FreshDay,
  inputsFingerprint,
  type Rollup,
  readRollup,
  readUsageIdIndex,
  rollupIsCurrent,
  type UsageIdIndex,
  writeRollup,
  writeUsageIdIndex,
} from '../usage/rollup.ts';
import type { AnalyzeDeps } from './analyze-deps.ts';
import type { DayBuildOutcome } from './rollup-threads.ts';

/**
 * Brings one day's rollup up to date with its lake objects: nothing when they are unchanged; a
 * fold when objects were only added (reading just those, deduplicated against the day's id
 * index); the handed-over builder of a first sync; otherwise a rebuild from every object.
 */
export async function refreshDay(deps: AnalyzeDeps, day: string, force: boolean, fresh?: FreshDay): Promise<DayRefresh> {
  return finishDay(deps, await planDay(deps, day), force, fresh);
}

export interface DayRefresh {
  rollup: Rollup | null;
  rebuilt: boolean;
  lakeObjectsRead: number;
}

/** What a day's refresh starts from (read only): its lake and quarantine objects now, its last rollup. */
export interface DayPlan {
  day: string;
  objects: StoredObject[];
  quarantine: StoredObject[];
  inputs: StoredObject[];
  priceTable: string;
  existing: Rollup | null;
}

export async function planDay(deps: AnalyzeDeps, day: string): Promise<DayPlan> {
  const objects = await listUsageDay(deps.store, day);
  const quarantine = await deps.store.list(quarantinePrefix(day));
  const inputs = [...objects, ...quarantine];
  const priceTable = deps.pricer.versionAt(`${day}T12:00:00.000Z`);
  let existing: Rollup | null = null;
  try {
    existing = await readRollup(deps.store, day);
  } catch (error) {
    if (!(error instanceof CorruptObjectError)) throw error;
    deps.log.warn('corrupt rollup rebuilt from the lake', { day, error: error.message });
  }
  return { day, objects, quarantine, inputs, priceTable, existing };
}

/**
 * The rest of refreshDay, from its plan. `built`: the day already read and built on a rollup
 * thread, which is used where the day is rebuilt from every lake object (rebuildsFromLake said so).
 */
export async function finishDay(
  deps: AnalyzeDeps,
  plan: DayPlan,
  force: boolean,
  fresh: FreshDay | undefined,
  built?: Promise<DayBuildOutcome>,
): Promise<DayRefresh> {
  const { day, objects, quarantine, inputs, priceTable, existing } = plan;
  if (!force && existing && rollupIsCurrent(existing, inputs, priceTable)) {
    return { rollup: existing, rebuilt: false, lakeObjectsRead: 0 };
  }
  if (inputs.length === 0) {
    // Nothing left for this day (retention or compaction removed it): drop the rollup's data.
    if (!existing) return { rollup: null, rebuilt: false, lakeObjectsRead: 0 };
  }
  if (!force && existing && existing.price_table === priceTable) {
    const folded = await foldDay(deps, existing, objects, quarantine);
    if (folded) return folded;
  }
  if (!force && !existing && fresh && !fresh.builder.conflicted && coversExactly(fresh, objects)) {
    fresh.builder.quarantinedLines += await countQuarantined(deps.store, quarantine);
    return {
      rollup: await storeDay(deps, day, () => fresh.builder.finish(deps.now().toISOString(), inputs)),
      rebuilt: true,
      lakeObjectsRead: 0,
    };
  }
  if (built) return { rollup: await storeBuilt(deps, day, await built), rebuilt: true, lakeObjectsRead: objects.length };
  const records: UsageRecord[] = [];
  let invalid = 0;
  for (const o of objects) {
    const content = await readUsageObject(deps.store, o.key);
    for (const r of content.records) records.push(r);
    invalid += content.rejects.length;
    warnInvalid(deps, o.key, content.rejects.length, content.rejects[0]?.reason);
  }
  const quarantined = await countQuarantined(deps.store, quarantine);
  const rollup = await storeDay(deps, day, () =>
    buildDay({
      day,
      builtAt: deps.now().toISOString(),
      pricer: deps.pricer,
      inputs,
      records,
      invalidLines: invalid,
      quarantinedLines: quarantined,
    }),
  );
  return { rollup, rebuilt: true, lakeObjectsRead: objects.length };
}

/**
 * Whether finishDay will rebuild the day from every one of its lake objects: there are some, and no
 * skip (current rollup), fold (same price table) or hand-over (fresh) can apply.
 */
export function rebuildsFromLake(plan: DayPlan, force: boolean, fresh: FreshDay | undefined): boolean {
  if (plan.objects.length === 0) return false;
  if (force) return true;
  if (plan.existing) return plan.existing.price_table !== plan.priceTable;
  return !(fresh && !fresh.builder.conflicted && coversExactly(fresh, plan.objects));
}

/** Whether the handed-over objects are exactly the day's lake objects, at the same ETags. */
function coversExactly(fresh: FreshDay, objects: readonly StoredObject[]): boolean {
  return objects.length === fresh.objects.size && objects.every((o) => fresh.objects.get(o.key) === o.etag);
}

/**
 * Adds the day's new objects to its rollup when the others are unchanged and the id index written
 * with the rollup is there; null when that is not the case (or a new copy of an id outgrows the
 * counted one), and the caller rebuilds.
 */
async function foldDay(
  deps: AnalyzeDeps,
  existing: Rollup,
  objects: readonly StoredObject[],
  quarantine: readonly StoredObject[],
): Promise<{ rollup: Rollup; rebuilt: boolean; lakeObjectsRead: number } | null> {
  const recorded = new Map(existing.inputs.map((i) => [i.key, i.etag]));
  const inputs = [...objects, ...quarantine];
  const present = new Set(inputs.map((o) => o.key));
  if (existing.inputs.some((i) => !present.has(i.key))) return null;
  if (inputs.some((o) => recorded.has(o.key) && recorded.get(o.key) !== o.etag)) return null;
  const added = (list: readonly StoredObject[]) => list.filter((o) => !recorded.has(o.key));
  const newObjects = added(objects);
  const newQuarantine = added(quarantine);
  if (newObjects.length + newQuarantine.length === 0) return null;
  const index = await readUsageIdIndex(deps.store, existing.day);
  if (!index || index.inputs !== inputsFingerprint(existing.inputs)) return null;
  const builder = DayRollupBuilder.resume(existing, index, deps.pricer);
  for (const o of newObjects) {
    const content = await readUsageObject(deps.store, o.key);
    try {
      for (const r of content.records) if (builder.add(r) === 'conflict') return null;
    } catch (error) {
      throw new DayRollupError(existing.day, 'usage', { cause: error });
    }
    builder.invalidLines += content.rejects.length;
    warnInvalid(deps, o.key, content.rejects.length, content.rejects[0]?.reason);
  }
  builder.quarantinedLines += await countQuarantined(deps.store, newQuarantine);
  const rollup = await storeDay(deps, existing.day, () => builder.finish(deps.now().toISOString(), inputs));
  return { rollup, rebuilt: true, lakeObjectsRead: newObjects.length };
}

function warnInvalid(deps: AnalyzeDeps, key: string, lines: number, first: string | undefined): void {
  if (lines === 0) return;
  deps.log.warn('lake lines failed validation and were not counted', { key, lines, first });
}

export async function countQuarantined(store: ObjectStore, objects: readonly StoredObject[]): Promise<number> {
  let lines = 0;
  for (const q of objects) {
    const got = await store.getText(q.key);
    if (got) lines += got.text.split('\n').filter((l) => l.trim() !== '').length;
  }
  return lines;
}

/**
 * Builds (pure), checks and stores a day's rollup and its id index. The index goes first: a crash
 * between the two leaves an index whose fingerprint matches no rollup, which is never used.
 */
async function storeDay(deps: AnalyzeDeps, day: string, build: () => { rollup: Rollup; index: UsageIdIndex }): Promise<Rollup> {
  let built: { rollup: Rollup; index: UsageIdIndex };
  try {
    built = build();
    checkRollup(built.rollup);
  } catch (error) {
    throw new DayRollupError(day, 'usage', { cause: error });
  }
  await writeUsageIdIndex(deps.store, built.index);
  await writeRollup(deps.store, built.rollup);
  return built.rollup;
}

/** storeDay for a day built on a rollup thread: its bytes are what storeDay would write. */
async function storeBuilt(deps: AnalyzeDeps, day: string, outcome: DayBuildOutcome): Promise<Rollup> {
  for (const o of outcome.invalid) warnInvalid(deps, o.key, o.lines, o.first);
  if (!outcome.ok) throw new DayRollupError(day, 'usage', { cause: new Error(outcome.error) });
  await deps.store.put(usageIdsKey(day), outcome.index);
  await deps.store.put(usageRollupKey(day), outcome.rollup);
  // Checked on the thread (checkRollup) before it was serialised.
  return JSON.parse(outcome.rollup) as Rollup;
}
