// Claude's 5-hour usage blocks, as Anthropic's plans count them and ccusage shows them: a block
// starts at the first message after the previous block ended, floored to the UTC hour, and holds
// every message of the five hours [start, start + 5 h). Owns the block math (membership, sums,
// burn rate, projection to the block's end); pure: the caller passes the activity and `now`.
// Glossary: "activity" = usage of one or more messages that share a UTC hour (a record is one).

import { z } from 'zod';
import { totalTokens } from '../usage/record.ts';

export const BLOCK_HOURS = 5;
const HOUR_MS = 3_600_000;
const BLOCK_MS = BLOCK_HOURS * HOUR_MS;
const MINUTE_MS = 60_000;

/**
 * Usage of one message, or of several within one UTC hour (an hourly rollup row): blocks never
 * split an hour, since a block starts on the hour and lasts whole hours.
 */
export interface BlockActivity {
  /** First message, ms since the epoch. */
  first: number;
  /** Last message (= first for one message), ms. */
  last: number;
  model: string;
  records: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_read_tokens: number;
  /** USD of the priced or reported part; the rest is counted in unpriced_records. */
  cost_usd: number;
  unpriced_records: number;
}

export interface Block {
  /** Start (on the UTC hour) and end (start + 5 h, exclusive), ms. */
  start: number;
  end: number;
  first: number;
  last: number;
  records: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_read_tokens: number;
  cost_usd: number;
  unpriced_records: number;
  /** Models by cost, most first. */
  models: string[];
}

function floorToHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/**
 * Groups activity into blocks. A message at or after the current block's end starts the next
 * one; a gap of 5 h or more since the last message therefore always does too (the last message
 * lies inside the block, so the gap reaches past its end). ccusage counts a message exactly at
 * the end into the closing block; here the block is half-open, so it opens the next one.
 */
export function identifyBlocks(activity: readonly BlockActivity[]): Block[] {
  const sorted = [...activity].sort((a, b) => a.first - b.first || a.last - b.last);
  const blocks: Block[] = [];
  let current: (Block & { costByModel: Map<string, number> }) | null = null;
  const close = () => {
    if (!current) return;
    const { costByModel, ...block } = current;
    block.models = [...costByModel].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([model]) => model);
    blocks.push(block);
  };
  for (const a of sorted) {
    if (!current || a.first >= current.end) {
      close();
      const start = floorToHour(a.first);
      current = {
        start,
        end: start + BLOCK_MS,
        first: a.first,
        last: a.last,
        records: 0,
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_tokens: 0,
        cache_read_tokens: 0,
        cost_usd: 0,
        unpriced_records: 0,
        models: [],
        costByModel: new Map(),
      };
    }
    current.last = Math.max(current.last, a.last);
    current.records += a.records;
    current.input_tokens += a.input_tokens;
    current.output_tokens += a.output_tokens;
    current.cache_creation_tokens += a.cache_creation_tokens;
    current.cache_read_tokens += a.cache_read_tokens;
    current.cost_usd += a.cost_usd;
    current.unpriced_records += a.unpriced_records;
    current.costByModel.set(a.model, (current.costByModel.get(a.model) ?? 0) + a.cost_usd);
  }
  close();
  return blocks;
}

export function blockTokens(b: Pick<Block, 'input_tokens' | 'output_tokens' | 'cache_creation_tokens' | 'cache_read_tokens'>): number {
  return totalTokens(b);
}

/** Whether `now` lies inside the block's five hours (its last message is then less than 5 h old). */
export function isActiveBlock(b: Pick<Block, 'start' | 'end'>, now: number): boolean {
  return now >= b.start && now < b.end;
}

interface BurnRate {
  /** Tokens of every kind per minute between the block's first and last message. */
  tokens_per_minute: number;
  /** Input + output tokens per minute (cache reads dwarf them; ccusage's indicator uses these). */
  io_tokens_per_minute: number;
  cost_usd_per_hour: number;
}

/** Usage per minute from the first to the last message; null for one message (no elapsed time). */
export function burnRate(b: Block): BurnRate | null {
  const minutes = (b.last - b.first) / MINUTE_MS;
  if (!(minutes > 0)) return null;
  return {
    tokens_per_minute: blockTokens(b) / minutes,
    io_tokens_per_minute: (b.input_tokens + b.output_tokens) / minutes,
    cost_usd_per_hour: (b.cost_usd / minutes) * 60,
  };
}

interface Projection {
  remaining_minutes: number;
  /** Tokens and cost at the block's end if the burn rate holds. */
  total_tokens: number;
  cost_usd: number;
}

/** Where the active block ends up at its burn rate; null for a past block or one without a rate. */
export function projectBlock(b: Block, now: number): Projection | null {
  if (!isActiveBlock(b, now)) return null;
  const rate = burnRate(b);
  if (!rate) return null;
  const remaining = Math.max(0, (b.end - now) / MINUTE_MS);
  return {
    remaining_minutes: remaining,
    total_tokens: blockTokens(b) + rate.tokens_per_minute * remaining,
    cost_usd: b.cost_usd + (rate.cost_usd_per_hour / 60) * remaining,
  };
}

// ── the `blocks --json` shape ────────────────────────────────────────────────────────────────

const count = z.int().nonnegative();

export const blockJsonSchema = z.object({
  /** Block start (on the UTC hour), ISO UTC. */
  start: z.string(),
  /** start + 5 h, exclusive, ISO UTC. */
  end: z.string(),
  first_activity: z.string(),
  last_activity: z.string(),
  /** Whether now lies inside the block. */
  active: z.boolean(),
  records: count,
  input_tokens: count,
  output_tokens: count,
  cache_creation_tokens: count,
  cache_read_tokens: count,
  total_tokens: count,
  /** USD, priced or reported; unpriced records are counted, not priced at 0. */
  cost_usd: z.number(),
  unpriced_records: count,
  models: z.array(z.string()),
  burn_rate: z.object({ tokens_per_minute: z.number(), io_tokens_per_minute: z.number(), cost_usd_per_hour: z.number() }).nullable(),
  /** The active block's end state at its burn rate; null for the others. */
  projection: z.object({ remaining_minutes: z.number(), total_tokens: z.number(), cost_usd: z.number() }).nullable(),
});
type BlockJson = z.infer<typeof blockJsonSchema>;

/**
 * What `tokenlake blocks --json` prints.
 * @example {"generated_at":"2026-05-11T14:20:00.000Z","time_zone":"UTC","source":"claude-code","block_hours":5,
 *  "covers_from":"2026-05-04T14:00:00.000Z","blocks":[{"start":"2026-05-11T12:00:00.000Z","end":"2026-05-11T17:00:00.000Z",
 *  "first_activity":"2026-05-11T12:10:00.000Z","last_activity":"2026-05-11T14:10:00.000Z","active":true,"records":3,
 *  "input_tokens":3000,"output_tokens":1500,"cache_creation_tokens":0,"cache_read_tokens":0,"total_tokens":4500,
 *  "cost_usd":0.0315,"unpriced_records":0,"models":["claude-sonnet-4-5"],"burn_rate":{"tokens_per_minute":37.5,
 *  "io_tokens_per_minute":37.5,"cost_usd_per_hour":0.01575},"projection":{"remaining_minutes":160,"total_tokens":10500,
 *  "cost_usd":0.0735}}]}
 */
export const blocksReportSchema = z.object({
  generated_at: z.string(),
  time_zone: z.string(),
  source: z.literal('claude-code'),
  block_hours: z.literal(BLOCK_HOURS),
  /** The earliest instant whose usage is complete in this answer (older blocks are not listed). */
  covers_from: z.string(),
  /** Oldest first. */
  blocks: z.array(blockJsonSchema),
});
export type BlocksReport = z.infer<typeof blocksReportSchema>;

export function blockToJson(b: Block, now: number): BlockJson {
  return {
    start: new Date(b.start).toISOString(),
    end: new Date(b.end).toISOString(),
    first_activity: new Date(b.first).toISOString(),
    last_activity: new Date(b.last).toISOString(),
    active: isActiveBlock(b, now),
    records: b.records,
    input_tokens: b.input_tokens,
    output_tokens: b.output_tokens,
    cache_creation_tokens: b.cache_creation_tokens,
    cache_read_tokens: b.cache_read_tokens,
    total_tokens: blockTokens(b),
    cost_usd: b.cost_usd,
    unpriced_records: b.unpriced_records,
    models: b.models,
    burn_rate: burnRate(b),
    projection: projectBlock(b, now),
  };
}
