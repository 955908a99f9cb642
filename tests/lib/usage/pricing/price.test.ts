import { describe, expect, it } from 'vitest';
import { builtInPriceTable } from '../../../../lib/usage/pricing/built-in-table.ts';
import { composePriceTables, createPricer } from '../../../../lib/usage/pricing/price.ts';
import { makeRecord } from '../../../../lib/usage/record.ts';

const pricer = createPricer();
const base = { id: 'x'.repeat(32), ts: '2026-03-01T10:00:00.000Z', source: 'test', provider: 'anthropic' };

describe('pricing', () => {
  it('prices an Anthropic request with 5-minute and 1-hour cache writes at their own rates', () => {
    const r = makeRecord({
      ...base,
      model: 'claude-sonnet-4-5-20250929',
      input_tokens: 1000,
      output_tokens: 500,
      cache_creation_tokens: 2000,
      cache_creation_1h_tokens: 1000,
      cache_read_tokens: 10_000,
    });
    // 1000×3 + 500×15 + 1000×3.75 (5m) + 1000×6 (1h) + 10000×0.3 = 23,250 per million
    expect(pricer.price(r)).toBeCloseTo(0.02325, 10);
  });

  it('bills the whole request at long-context rates once total input exceeds 200k (Sonnet 4.5)', () => {
    const r = makeRecord({
      ...base,
      model: 'claude-sonnet-4-5',
      input_tokens: 150_000,
      output_tokens: 1000,
      cache_creation_tokens: 30_000,
      cache_read_tokens: 30_000,
    });
    // 150000×6 + 1000×22.5 + 30000×7.5 + 30000×0.6 = 1,165,500 per million
    expect(pricer.price(r)).toBeCloseTo(1.1655, 10);
  });

  it('stays on base rates at exactly 200k input', () => {
    const r = makeRecord({
      ...base,
      model: 'claude-sonnet-4-5',
      input_tokens: 140_000,
      output_tokens: 1000,
      cache_creation_tokens: 30_000,
      cache_read_tokens: 30_000,
    });
    // 140000×3 + 1000×15 + 30000×3.75 + 30000×0.3 = 556,500 per million
    expect(pricer.price(r)).toBeCloseTo(0.5565, 10);
  });

  it('prices models without a long-context tier flat at every length (Opus 4.7)', () => {
    const r = makeRecord({
      ...base,
      model: 'claude-opus-4-7',
      input_tokens: 150_000,
      output_tokens: 1000,
      cache_creation_tokens: 30_000,
      cache_read_tokens: 30_000,
    });
    // 150000×5 + 1000×25 + 30000×6.25 + 30000×0.5 = 977,500 per million
    expect(pricer.price(r)).toBeCloseTo(0.9775, 10);
  });

  it('uses OpenAI service-tier rates and prices cached input at the cached rate only', () => {
    const r = makeRecord({
      ...base,
      provider: 'openai',
      model: 'gpt-5',
      service_tier: 'flex',
      input_tokens: 1000,
      output_tokens: 100,
      cache_read_tokens: 500,
    });
    // 1000×0.625 + 100×5 + 500×0.0625 = 1156.25 per million
    expect(pricer.price(r)).toBeCloseTo(0.00115625, 12);
    const standard = makeRecord({
      ...base,
      provider: 'openai',
      model: 'gpt-5',
      input_tokens: 1000,
      output_tokens: 100,
      cache_read_tokens: 500,
    });
    // 1000×1.25 + 100×10 + 500×0.125 = 2312.5 per million
    expect(pricer.price(standard)).toBeCloseTo(0.0023125, 12);
  });

  it('never prices an unknown model as zero', () => {
    expect(pricer.price(makeRecord({ ...base, model: 'mystery-model-9', input_tokens: 1000 }))).toBeNull();
  });

  it('resolves provider prefixes and dated ids to the table key', () => {
    expect(pricer.lookup('anthropic/claude-haiku-4-5', base.ts)?.input).toBe(1);
    expect(pricer.lookup('gpt-4o-mini-2024-07-18', base.ts)?.input).toBe(0.15);
    expect(pricer.lookup('gpt-5-mini-2099-01-01', base.ts)?.input).toBe(0.25);
  });

  it('matches the LiteLLM snapshot figures for the main models (USD per million)', () => {
    const m = builtInPriceTable.models;
    expect([
      m['claude-opus-4-7']?.input,
      m['claude-opus-4-7']?.output,
      m['claude-opus-4-7']?.cache_write_5m,
      m['claude-opus-4-7']?.cache_write_1h,
      m['claude-opus-4-7']?.cache_read,
    ]).toEqual([5, 25, 6.25, 10, 0.5]);
    expect([m['claude-opus-4-1']?.input, m['claude-opus-4-1']?.cache_write_5m, m['claude-opus-4-1']?.cache_read]).toEqual([15, 18.75, 1.5]);
    expect(m['claude-sonnet-4-5']?.above_200k).toEqual({
      input: 6,
      output: 22.5,
      cache_write_5m: 7.5,
      cache_write_1h: 12,
      cache_read: 0.6,
    });
    expect([m['claude-haiku-4-5']?.cache_write_1h, m['claude-haiku-4-5']?.cache_read]).toEqual([2, 0.1]);
    expect([m['gpt-4.1']?.input, m['gpt-4.1']?.output, m['gpt-4.1']?.cache_read, m['gpt-4.1']?.tiers?.batch?.input]).toEqual([
      2, 8, 0.5, 1,
    ]);
    expect([m['o4-mini']?.input, m['o4-mini']?.output, m['o4-mini']?.cache_read]).toEqual([1.1, 4.4, 0.275]);
  });

  it('prices each record with the table in force at its time', () => {
    const later = {
      ...builtInPriceTable,
      version: 'v2',
      valid_from: '2026-06-01',
      models: { ...builtInPriceTable.models, 'claude-haiku-4-5': { provider: 'anthropic', input: 2, output: 10 } },
    };
    const dated = createPricer([builtInPriceTable, later]);
    const before = makeRecord({ ...base, model: 'claude-haiku-4-5', ts: '2026-05-31T23:59:59.000Z', input_tokens: 1_000_000 });
    const after = makeRecord({ ...base, model: 'claude-haiku-4-5', ts: '2026-06-01T00:00:00.000Z', input_tokens: 1_000_000 });
    expect(dated.price(before)).toBe(1);
    expect(dated.price(after)).toBe(2);
    expect(dated.versionAt(after.ts)).toBe('v2');
  });
});

describe('pricing the models of the real-world report', () => {
  it('prices Codex models at OpenAI list price and a Bedrock Japan profile at its regional rate', () => {
    const codex = makeRecord({
      ...base,
      provider: 'openai',
      model: 'gpt-5.3-codex',
      input_tokens: 10_000,
      output_tokens: 2_000,
      cache_read_tokens: 50_000,
    });
    // 10000×1.75 + 2000×14 + 50000×0.175 = 54,250 per million
    expect(pricer.price(codex)).toBeCloseTo(0.05425, 12);
    const gpt55 = makeRecord({
      ...base,
      provider: 'openai',
      model: 'gpt-5.5',
      input_tokens: 10_000,
      output_tokens: 2_000,
      cache_read_tokens: 50_000,
    });
    // 10000×5 + 2000×30 + 50000×0.5 = 135,000 per million
    expect(pricer.price(gpt55)).toBeCloseTo(0.135, 12);
    const jp = makeRecord({
      ...base,
      provider: 'bedrock',
      model: 'converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0',
      input_tokens: 1000,
      output_tokens: 500,
      cache_creation_tokens: 2000,
      cache_read_tokens: 10_000,
    });
    // Japan's rates (10 % above the base 1/5): 1000×1.1 + 500×5.5 + 2000×1.375 + 10000×0.11 = 7,700 per million
    expect(pricer.price(jp)).toBeCloseTo(0.0077, 12);
  });

  it('bills a whole OpenAI request at the 272k tier once its input passes 272k (gpt-5.5)', () => {
    const long = makeRecord({
      ...base,
      provider: 'openai',
      model: 'gpt-5.5',
      input_tokens: 200_000,
      output_tokens: 1000,
      cache_read_tokens: 80_000,
    });
    // 280k input > 272k: 200000×10 + 1000×45 + 80000×1 = 2,125,000 per million
    expect(pricer.price(long)).toBeCloseTo(2.125, 10);
    const atLimit = makeRecord({
      ...base,
      provider: 'openai',
      model: 'gpt-5.5',
      input_tokens: 192_000,
      output_tokens: 1000,
      cache_read_tokens: 80_000,
    });
    // exactly 272k: 192000×5 + 1000×30 + 80000×0.5 = 1,030,000 per million
    expect(pricer.price(atLimit)).toBeCloseTo(1.03, 10);
  });
});

describe('tables over time', () => {
  const t = (version: string, valid_from: string, input: number) => ({
    version,
    valid_from,
    models: { 'acme-1': { provider: 'acme', input, output: 0 } },
  });
  const usage = (ts: string) => makeRecord({ ...base, model: 'acme-1', ts, input_tokens: 1_000_000 });

  it('a table valid from an instant prices what comes after it; the day it starts carries both labels', () => {
    const p = createPricer([t('a', '2023-01-01', 1), t('b', '2026-03-01T14:00:00.000Z', 2)]);
    expect(p.price(usage('2026-03-01T13:59:59.999Z'))).toBe(1);
    expect(p.price(usage('2026-03-01T14:00:00.000Z'))).toBe(2);
    expect([
      p.versionAt('2026-02-28T12:00:00.000Z'),
      p.versionAt('2026-03-01T12:00:00.000Z'),
      p.versionAt('2026-03-02T12:00:00.000Z'),
    ]).toEqual(['a', 'a+b', 'b']);
  });

  it('lays a user table over every base table in force, so its models survive a fetched table', () => {
    const composed = composePriceTables(
      [t('bundled', '2023-01-01', 1), t('fetched', '2026-05-01T00:00:00.000Z', 3)],
      [{ version: 'mine', valid_from: '2026-01-01', models: { 'private-9': { provider: 'acme', input: 7, output: 0 } } }],
    );
    const p = createPricer(composed);
    expect(composed.map((c) => c.version)).toEqual(['bundled', 'bundled+mine', 'fetched+mine']);
    expect(p.price(makeRecord({ ...base, model: 'private-9', ts: '2025-12-31T00:00:00.000Z', input_tokens: 1_000_000 }))).toBeNull();
    expect(p.price(makeRecord({ ...base, model: 'private-9', ts: '2026-06-01T00:00:00.000Z', input_tokens: 1_000_000 }))).toBe(7);
    expect(p.price(usage('2026-06-01T00:00:00.000Z'))).toBe(3);
  });
});

describe('pricing provider buckets', () => {
  it('never applies the long-context tier to an hourly bucket of many requests', () => {
    const bucket = makeRecord({
      ...base,
      model: 'claude-sonnet-4-5',
      requests: 0,
      bucket_seconds: 3600,
      input_tokens: 150_000,
      output_tokens: 1000,
      cache_creation_tokens: 30_000,
      cache_read_tokens: 30_000,
    });
    // Base rates: 150000×3 + 1000×15 + 30000×3.75 + 30000×0.3 = 586,500 per million
    expect(pricer.price(bucket)).toBeCloseTo(0.5865, 10);
  });
});
