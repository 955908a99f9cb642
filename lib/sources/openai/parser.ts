// OpenAI usage rows → UsageRecords and cost rows → reported costs. OpenAI's `input_tokens`
// includes cached and cache-write tokens, so the record's (uncached) input is derived; cost
// amounts are numbers in dollars with a lower-case currency.

import { utcDay } from '../../core/calendar.ts';
import { makeRecord, recordId, type UsageRecord } from '../../usage/record.ts';
import { type JoinLevel, modelFamily, type ReportedCost } from '../reported-cost.ts';
import { countSkip, type SourceStats } from '../source.ts';
import type { CompletionsPage, CompletionsRow, CostsPage, InputOnlyPage } from './schema.ts';

export const SOURCE = 'openai';

/** Uncached input: the explicit field when sent (since 2026-07), else input − cached − cache writes. */
export function uncachedInput(
  row: Pick<CompletionsRow, 'input_tokens' | 'input_cached_tokens' | 'input_cache_write_tokens' | 'input_uncached_tokens'>,
): number {
  if (row.input_uncached_tokens !== null) return row.input_uncached_tokens;
  // Clamped: a row whose parts exceed its total is inconsistent, and a count cannot be negative.
  return Math.max(0, row.input_tokens - (row.input_cached_tokens ?? 0) - (row.input_cache_write_tokens ?? 0));
}

interface Bucket<Row> {
  start_time: number;
  end_time: number;
  results: Row[];
}

function eachRow<Row>(pages: ReadonlyArray<{ data: Array<Bucket<Row>> }>, visit: (row: Row, ts: string, seconds: number) => void): void {
  for (const page of pages) {
    for (const bucket of page.data) {
      const ts = new Date(bucket.start_time * 1000).toISOString();
      const seconds = bucket.end_time > bucket.start_time ? bucket.end_time - bucket.start_time : 3600;
      for (const row of bucket.results) visit(row, ts, seconds);
    }
  }
}

function keep(byId: Map<string, UsageRecord>, record: UsageRecord): void {
  const seen = byId.get(record.id);
  if (!seen) {
    byId.set(record.id, record);
    return;
  }
  seen.input_tokens += record.input_tokens;
  seen.output_tokens += record.output_tokens;
  seen.cache_creation_tokens += record.cache_creation_tokens;
  seen.cache_read_tokens += record.cache_read_tokens;
  seen.requests += record.requests;
}

export function completionsRecords(pages: readonly CompletionsPage[], stats: SourceStats): UsageRecord[] {
  const byId = new Map<string, UsageRecord>();
  eachRow(pages, (row, ts, seconds) => {
    stats.read++;
    if (row.input_tokens + row.output_tokens + row.num_model_requests === 0) {
      countSkip(stats, 'zero-usage');
      return;
    }
    const model = row.model ?? 'unknown';
    // Batch is a billing tier of its own (half price); the price table keys it as 'batch'.
    const tier = row.batch === true ? 'batch' : row.service_tier;
    keep(
      byId,
      makeRecord({
        id: recordId(
          SOURCE,
          'completions',
          ts,
          model,
          row.project_id,
          row.api_key_id,
          row.user_id,
          row.service_tier,
          row.batch === null ? null : String(row.batch),
        ),
        ts,
        source: SOURCE,
        provider: 'openai',
        model,
        project: row.project_id,
        user: row.user_id,
        api_key: row.api_key_id,
        service_tier: tier,
        input_tokens: uncachedInput(row),
        output_tokens: row.output_tokens,
        cache_creation_tokens: row.input_cache_write_tokens ?? 0,
        cache_read_tokens: row.input_cached_tokens ?? 0,
        requests: row.num_model_requests,
        bucket_seconds: seconds,
      }),
    );
  });
  return [...byId.values()];
}

/** Embeddings and moderations: input tokens and requests only. */
export function inputOnlyRecords(endpoint: string, pages: readonly InputOnlyPage[], stats: SourceStats): UsageRecord[] {
  const byId = new Map<string, UsageRecord>();
  eachRow(pages, (row, ts, seconds) => {
    stats.read++;
    if (row.input_tokens + row.num_model_requests === 0) {
      countSkip(stats, 'zero-usage');
      return;
    }
    const model = row.model ?? 'unknown';
    keep(
      byId,
      makeRecord({
        id: recordId(SOURCE, endpoint, ts, model, row.project_id, row.api_key_id, row.user_id),
        ts,
        source: SOURCE,
        provider: 'openai',
        model,
        project: row.project_id,
        user: row.user_id,
        api_key: row.api_key_id,
        input_tokens: row.input_tokens,
        requests: row.num_model_requests,
        bucket_seconds: seconds,
      }),
    );
  });
  return [...byId.values()];
}

/**
 * The model named by a cost line item. Its format is not documented; observed items read
 * "<model>, <kind>" (e.g. "gpt-4o-mini-2024-07-18, input"), so the part before the first comma is
 * taken, without a parenthesised note. Items without a comma name no model.
 */
export function lineItemModel(lineItem: string | null): string | null {
  if (lineItem === null || !lineItem.includes(',')) return null;
  const model = lineItem
    .split(',')[0]!
    .replace(/\s*\(.*?\)\s*/g, ' ')
    .trim();
  return /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(model) ? model : null;
}

export function reportedCostsFromPages(pages: readonly CostsPage[], stats: SourceStats): ReportedCost[] {
  const out: ReportedCost[] = [];
  for (const page of pages) {
    for (const bucket of page.data) {
      const day = utcDay(new Date(bucket.start_time * 1000));
      for (const row of bucket.results) {
        stats.read++;
        if (row.amount === null) {
          countSkip(stats, 'cost-without-amount');
          continue;
        }
        if (row.amount.currency.toLowerCase() !== 'usd') {
          countSkip(stats, 'non-usd-cost');
          continue;
        }
        const model = lineItemModel(row.line_item);
        const project = row.project_id ?? '';
        out.push({
          day,
          usd: row.amount.value,
          keys: [model === null ? null : `${modelFamily(model)}\u0000${project}`, project],
          orphan: { model: model ?? row.line_item ?? 'unattributed', project: row.project_id, workspace: null, service_tier: null },
        });
      }
    }
  }
  return out;
}

/**
 * First by (day, model, project); what names no usage model falls back to (day, project) over the
 * records no model-level cost reached, so tokens priced and cost reported are never both counted.
 */
export const openaiJoinLevels: JoinLevel[] = [
  { recordKey: (r) => `${modelFamily(r.model)}\u0000${r.project ?? ''}`, onlyUnassigned: false },
  { recordKey: (r) => r.project ?? '', onlyUnassigned: true },
];
