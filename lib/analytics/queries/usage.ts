// GET /v1/usage's answers: the entities of one type ranked by cost (paged by an opaque cursor), or
// one entity in detail (totals, daily series, top breakdowns by every other type). Pure: the
// caller loads the period's rollup rows.

import { z } from 'zod';
import { BadRequestError } from '../../core/errors.ts';
import { totalsSchema } from '../analytics.ts';
import { bucketOf, bucketsOf, describePeriod, type Period, periodAnswerSchema } from '../period.ts';
import {
  byCostThenKey,
  type EntityType,
  entityKey,
  entityTypes,
  type HourRow,
  shareOf,
  sumBy,
  sumRows,
  toTotals,
} from '../rollup-query.ts';

const rankedItemSchema = totalsSchema.extend({ rank: z.int().positive(), key: z.string(), share: z.number() });
const breakdownItemSchema = z.object({
  key: z.string(),
  cost_usd: z.number(),
  total_tokens: z.int(),
  requests: z.int(),
  records: z.int(),
  share: z.number(),
});

export const usageListResponseSchema = z.object({
  entity_type: z.enum(entityTypes),
  period: periodAnswerSchema,
  /** Sum over every entity of the period. */
  totals: totalsSchema,
  /** How many entities the period has (all pages). */
  count: z.int(),
  items: z.array(rankedItemSchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: z.string().nullable(),
});
type UsageList = z.output<typeof usageListResponseSchema>;

export const usageEntityResponseSchema = z.object({
  entity_type: z.enum(entityTypes),
  entity_id: z.string(),
  period: periodAnswerSchema,
  totals: totalsSchema,
  /** The entity's part of the period's whole cost, 0–1. */
  share: z.number(),
  daily: z.array(totalsSchema.extend({ day: z.string() })),
  /** Top entities of every other type within this one (e.g. a project's models and users), by cost; share within the entity. */
  breakdowns: z.record(z.string(), z.array(breakdownItemSchema)),
});
type UsageEntity = z.output<typeof usageEntityResponseSchema>;

interface UsageCursor {
  offset: number;
  entity_type: EntityType;
  start: number;
  end: number;
}

function encodeCursor(c: UsageCursor): string {
  return Buffer.from(JSON.stringify([c.offset, c.entity_type, c.start, c.end]), 'utf8').toString('base64url');
}

const cursorSchema = z.tuple([z.int().nonnegative(), z.enum(entityTypes), z.int(), z.int()]);

/** The offset a cursor resumes at; a 400 when it is not ours or belongs to another query. */
function decodeCursor(text: string, expected: Omit<UsageCursor, 'offset'>): number {
  let parsed: z.infer<typeof cursorSchema> | null = null;
  try {
    const result = cursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    if (result.success) parsed = result.data;
  } catch {
    parsed = null;
  }
  if (!parsed) throw new BadRequestError('invalid cursor', [{ field: 'cursor', reason: 'not a cursor this API issued' }]);
  const [offset, type, start, end] = parsed;
  if (type !== expected.entity_type || start !== expected.start || end !== expected.end) {
    throw new BadRequestError('invalid cursor', [
      { field: 'cursor', reason: 'belongs to another query (entity_type or period differ; a window moves at midnight)' },
    ]);
  }
  return offset;
}

/** One page of the entities of `type`, most cost first; `cursor` is the previous page's next_cursor. */
export function rankUsage(
  rows: readonly HourRow[],
  period: Period,
  page: { type: EntityType; limit: number; cursor?: string | undefined },
): UsageList {
  const all = sumRows(rows);
  const cursorBase = { entity_type: page.type, start: period.start.getTime(), end: period.end.getTime() };
  const offset = page.cursor === undefined ? 0 : decodeCursor(page.cursor, cursorBase);
  const ranked = [...sumBy(rows, (r) => entityKey(r.row, page.type)).entries()]
    .map(([key, s]) => ({ key, totals: toTotals(s) }))
    .sort(byCostThenKey);
  const items = ranked.slice(offset, offset + page.limit);
  const nextOffset = offset + items.length;
  return {
    entity_type: page.type,
    period: describePeriod(period),
    totals: toTotals(all),
    count: ranked.length,
    items: items.map((item, i) => ({
      rank: offset + i + 1,
      key: item.key,
      ...item.totals,
      share: shareOf(item.totals.cost_usd, all.cost_usd),
    })),
    next_cursor: nextOffset < ranked.length ? encodeCursor({ ...cursorBase, offset: nextOffset }) : null,
  };
}

/** One entity: its totals, its share of the period, its local days and its top `limit` of every other type. */
export function entityUsage(rows: readonly HourRow[], period: Period, type: EntityType, id: string, limit: number): UsageEntity {
  const all = sumRows(rows);
  const mine = rows.filter((r) => entityKey(r.row, type) === id);
  const total = sumRows(mine);
  const byDay = sumBy(mine, (r) => bucketOf(r.at, 'day', period.timeZone));
  const breakdowns: UsageEntity['breakdowns'] = {};
  for (const other of entityTypes) {
    if (other === type) continue;
    breakdowns[other] = [...sumBy(mine, (r) => entityKey(r.row, other)).entries()]
      .map(([key, s]) => ({ key, totals: toTotals(s) }))
      .sort(byCostThenKey)
      .slice(0, limit)
      .map(({ key, totals }) => ({
        key,
        cost_usd: totals.cost_usd,
        total_tokens: totals.total_tokens,
        requests: totals.requests,
        records: totals.records,
        share: shareOf(totals.cost_usd, total.cost_usd),
      }));
  }
  return {
    entity_type: type,
    entity_id: id,
    period: describePeriod(period),
    totals: toTotals(total),
    share: shareOf(total.cost_usd, all.cost_usd),
    daily: bucketsOf(period, 'day').map(({ bucket: day }) => ({ day, ...toTotals(byDay.get(day) ?? sumRows([])) })),
    breakdowns,
  };
}
