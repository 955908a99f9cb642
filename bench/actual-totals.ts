// What each side answered, turned into daily totals to compare with the generator's: the lake as
// the embedded S3 stores it (de-duplicated by id the way rollups do), tokenlake's report / analytics
// daily series, and ccusage's daily JSON.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DailyTotals, emptyDay } from './expected-totals.ts';

interface LakeLine {
  id: string;
  ts: string;
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_creation_1h_tokens: number;
  cache_read_tokens: number;
  cost_usd: number | null;
}

const total = (r: LakeLine) => r.input_tokens + r.output_tokens + r.cache_creation_tokens + r.cache_read_tokens;

/**
 * Daily totals of the usage lake in an embedded-S3 folder, read from its files (not through
 * tokenlake), keeping one copy per id per day as rollups do: the larger token total, then the later ts.
 */
export function lakeTotalsFromFolder(dataDir: string, bucket = 'tokenlake'): { daily: DailyTotals; lines: number; duplicates: number } {
  const root = join(dataDir, bucket, 'lake', 'usage');
  const daily: DailyTotals = {};
  let lines = 0;
  let duplicates = 0;
  let partitions: string[];
  try {
    partitions = readdirSync(root)
      .filter((p) => p.startsWith('dt='))
      .sort();
  } catch {
    return { daily, lines, duplicates };
  }
  for (const partition of partitions) {
    const day = partition.slice(3);
    const byId = new Map<string, LakeLine>();
    for (const file of readdirSync(join(root, partition)).filter((f) => f.endsWith('.jsonl'))) {
      const text = readFileSync(join(root, partition, file), 'utf8');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        lines++;
        const r = JSON.parse(line) as LakeLine;
        const seen = byId.get(r.id);
        if (seen) {
          duplicates++;
          if (total(r) > total(seen) || (total(r) === total(seen) && r.ts > seen.ts)) byId.set(r.id, r);
        } else byId.set(r.id, r);
      }
    }
    const d = emptyDay();
    daily[day] = d;
    for (const r of byId.values()) {
      d.messages++;
      d.input_tokens += r.input_tokens;
      d.output_tokens += r.output_tokens;
      d.cache_creation_tokens += r.cache_creation_tokens;
      d.cache_creation_1h_tokens += r.cache_creation_1h_tokens;
      d.cache_read_tokens += r.cache_read_tokens;
      d.cost_usd += r.cost_usd ?? 0;
    }
  }
  return { daily, lines, duplicates };
}

export interface AnalyticsDailyPoint {
  day: string;
  records: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_read_tokens: number;
  cost_usd: number;
}

/** Totals from analytics' (or `tokenlake report --json`'s) daily series; empty days are left out. */
export function totalsFromAnalyticsDaily(points: readonly AnalyticsDailyPoint[]): DailyTotals {
  const daily: DailyTotals = {};
  for (const p of points) {
    if (p.records === 0) continue;
    daily[p.day] = {
      ...emptyDay(),
      messages: p.records,
      input_tokens: p.input_tokens,
      output_tokens: p.output_tokens,
      cache_creation_tokens: p.cache_creation_tokens,
      cache_read_tokens: p.cache_read_tokens,
      cost_usd: p.cost_usd,
    };
  }
  return daily;
}

export interface CcusageDaily {
  daily: Array<{
    date: string;
    inputTokens: number;
    outputTokens: number;
    cacheCreationTokens: number;
    cacheReadTokens: number;
    totalCost: number;
  }>;
}

/** Totals from `ccusage claude daily --json` (it reports tokens and its own cost; no message count). */
export function totalsFromCcusage(report: CcusageDaily): DailyTotals {
  const daily: DailyTotals = {};
  for (const d of report.daily) {
    daily[d.date] = {
      ...emptyDay(),
      input_tokens: d.inputTokens,
      output_tokens: d.outputTokens,
      cache_creation_tokens: d.cacheCreationTokens,
      cache_read_tokens: d.cacheReadTokens,
      cost_usd: d.totalCost,
    };
  }
  return daily;
}
