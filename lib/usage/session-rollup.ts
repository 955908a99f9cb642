// Daily session rollups: per UTC day, the usage of every session per hour and model, with its
// first and last message, built from the same de-duplicated, priced records as the day's rollup
// (which has no session dimension: a row per session and hour would make it much larger). What
// `report --by session` reads instead of the lake. Building one is pure; a day whose session
// rollup is missing or older than its usage rollup is built from that day's lake objects.

import { z } from 'zod';
import { utcDaysOfRange } from '../core/calendar.ts';
import { CorruptObjectError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { quarantinePrefix, sessionRollupKey } from '../store/layout.ts';
import type { ObjectStore, StoredObject } from '../store/object-store.ts';
import { readStoredJson } from '../store/stored-json.ts';
import { listUsageDay, readUsageObject } from './lake.ts';
import type { Pricer } from './pricing/price.ts';
import { RECORD_LIMITS, totalTokens, type UsageRecord } from './record.ts';
import { addRecordToSums, dedupeRecords, emptySums, type Rollup, sameInputs, usageSumsSchema } from './rollup.ts';

const HOUR_MS = 3_600_000;

const sessionRollupRowSchema = z.object({
  /** UTC hour of the day, 0–23. */
  hour: z.int().min(0).max(23),
  /** null for records without a session (provider usage APIs). */
  session: z.string().nullable(),
  source: z.string(),
  provider: z.string(),
  model: z.string(),
  project: z.string().nullable(),
  user: z.string().nullable(),
  machine: z.string().nullable(),
  /** First and last record of the row, ISO UTC. */
  first_ts: z.string(),
  last_ts: z.string(),
  ...usageSumsSchema.shape,
});
type SessionRollupRow = z.infer<typeof sessionRollupRowSchema>;

/**
 * A day's session rollup (`rollups/sessions/dt=YYYY-MM-DD.json`). `inputs` and `price_table` are
 * the usage rollup's: equal ones mean it was built from the same lake objects and prices.
 * @example {"schema_version":1,"day":"2026-01-31","built_at":"2026-02-01T00:05:00.000Z","price_table":"litellm-00035b69",
 *  "inputs":[{"key":"lake/usage/dt=2026-01-31/claude-code-ab12.jsonl","etag":"9b2c…","size":5120}],
 *  "rows":[{"hour":13,"session":"3b1f…","source":"claude-code","provider":"anthropic","model":"claude-sonnet-4-5","project":"web",
 *   "user":"alice","machine":"mbp","first_ts":"2026-01-31T13:02:11.000Z","last_ts":"2026-01-31T13:48:40.000Z","input_tokens":1200,
 *   "output_tokens":340,"cache_creation_tokens":0,"cache_read_tokens":5100,"requests":2,"records":2,"cost_usd":0.01,
 *   "reported_cost_usd":0,"reported_priced_usd":0,"unpriced_records":0,"unpriced_tokens":0}]}
 */
const sessionRollupSchema = z.object({
  schema_version: z.literal(1),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  built_at: z.string(),
  price_table: z.string(),
  inputs: z.array(z.object({ key: z.string(), etag: z.string(), size: z.number() })),
  rows: z.array(sessionRollupRowSchema),
});
type SessionRollup = z.infer<typeof sessionRollupSchema>;

interface SessionRollupInput {
  day: string;
  builtAt: string;
  pricer: Pricer;
  /** The lake and quarantine objects of the day, as the usage rollup records them. */
  inputs: readonly StoredObject[];
  records: readonly UsageRecord[];
}

/**
 * Sums a day's records per (hour, session, source, provider, model, project, user, machine), priced
 * as the usage rollup prices them: a reported cost wins, a priced one above the per-record cap is
 * refused, an unknown model is counted unpriced.
 */
export function buildSessionRollup(input: SessionRollupInput): SessionRollup {
  const { unique } = dedupeRecords(input.records);
  const rows = new Map<string, SessionRollupRow>();
  for (const r of unique) {
    const reported = r.cost_source === 'reported' && r.cost_usd !== null;
    let priced = input.pricer.price(r);
    if (priced !== null && !(priced <= RECORD_LIMITS.cost_usd)) {
      if (!reported) continue;
      priced = null;
    }
    const hour = Number(r.ts.slice(11, 13));
    const key = [hour, r.session, r.source, r.provider, r.model, r.project, r.user, r.machine].join('\u0000');
    let row = rows.get(key);
    if (!row) {
      row = {
        hour,
        session: r.session,
        source: r.source,
        provider: r.provider,
        model: r.model,
        project: r.project,
        user: r.user,
        machine: r.machine,
        first_ts: r.ts,
        last_ts: r.ts,
        ...emptySums(),
      };
      rows.set(key, row);
    }
    if (r.ts < row.first_ts) row.first_ts = r.ts;
    if (r.ts > row.last_ts) row.last_ts = r.ts;
    addRecordToSums(row, r, totalTokens(r), reported, priced);
  }
  return {
    schema_version: 1,
    day: input.day,
    built_at: input.builtAt,
    price_table: input.pricer.versionAt(`${input.day}T12:00:00.000Z`),
    inputs: input.inputs.map((o) => ({ key: o.key, etag: o.etag, size: o.size })),
    rows: [...rows.values()].sort((a, b) => a.hour - b.hour || (a.first_ts < b.first_ts ? -1 : a.first_ts > b.first_ts ? 1 : 0)),
  };
}

export async function readSessionRollup(store: ObjectStore, day: string): Promise<SessionRollup | null> {
  return (await readStoredJson(store, sessionRollupKey(day), sessionRollupSchema))?.value ?? null;
}

async function writeSessionRollup(store: ObjectStore, rollup: SessionRollup): Promise<void> {
  await store.put(sessionRollupKey(rollup.day), JSON.stringify(sessionRollupSchema.parse(rollup)));
}

/** Built from the same objects and prices as the day's usage rollup. */
function sessionRollupIsCurrent(sessions: SessionRollup, usage: Pick<Rollup, 'inputs' | 'price_table'>): boolean {
  return sessions.price_table === usage.price_table && sameInputs(sessions.inputs, usage.inputs as StoredObject[]);
}

/** A session rollup row with the instant its UTC hour starts (ms). */
interface SessionHourRow {
  at: number;
  row: SessionRollupRow;
}

interface PeriodSessions {
  rows: SessionHourRow[];
  /** Days whose session rollup was missing or stale and was built from the lake. */
  built: string[];
}

/**
 * The session rows of a period from the days' usage rollups (already loaded by the caller): a
 * current session rollup is read; any other day is built from its lake objects with `pricer`,
 * and written back when `write` (the CLI does; a GET in the API does not).
 */
export async function loadPeriodSessions(
  store: ObjectStore,
  period: { start: Date; end: Date },
  usageRollups: readonly Rollup[],
  options: { pricer: Pricer; now: Date; write: boolean; log?: Logger },
): Promise<PeriodSessions> {
  const byDay = new Map(usageRollups.map((r) => [r.day, r]));
  const start = period.start.getTime();
  const end = period.end.getTime();
  const rows: SessionHourRow[] = [];
  const built: string[] = [];
  for (const day of utcDaysOfRange(period)) {
    const usage = byDay.get(day);
    if (!usage || usage.rows.length === 0) continue;
    let sessions: SessionRollup | null = null;
    try {
      sessions = await readSessionRollup(store, day);
    } catch (error) {
      if (!(error instanceof CorruptObjectError)) throw error;
      options.log?.warn('corrupt session rollup rebuilt from the lake', { day, error: error.message });
    }
    if (!sessions || !sessionRollupIsCurrent(sessions, usage)) {
      sessions = await buildSessionRollupFromLake(store, day, options.pricer, options.now);
      built.push(day);
      if (options.write) await writeSessionRollup(store, sessions);
    }
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    for (const row of sessions.rows) {
      const at = dayStart + row.hour * HOUR_MS;
      if (at >= start && at < end) rows.push({ at, row });
    }
  }
  return { rows, built };
}

async function buildSessionRollupFromLake(store: ObjectStore, day: string, pricer: Pricer, now: Date): Promise<SessionRollup> {
  const objects = await listUsageDay(store, day);
  const quarantine = await store.list(quarantinePrefix(day));
  const records: UsageRecord[] = [];
  for (const o of objects) for (const r of (await readUsageObject(store, o.key)).records) records.push(r);
  return buildSessionRollup({ day, builtAt: now.toISOString(), pricer, inputs: [...objects, ...quarantine], records });
}
