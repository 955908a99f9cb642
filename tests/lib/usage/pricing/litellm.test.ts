import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledPriceTable } from '../../../../lib/usage/pricing/catalogue.generated.ts';
import {
  checkModelCount,
  convertLitellm,
  modelsSha256,
  PriceSourceError,
  perMillion,
  renderCatalogueModule,
  sha256Hex,
} from '../../../../lib/usage/pricing/litellm.ts';
import { priceTableSchema } from '../../../../lib/usage/pricing/price-table.ts';

// A small file in LiteLLM's format with made-up models (tests/lib/usage/pricing/litellm-sample.json):
// what each entry must become is written out below by hand, in USD per million tokens.
const sampleText = readFileSync(new URL('./litellm-sample.json', import.meta.url), 'utf8');
const options = { commit: 'abcdef0123456789abcdef0123456789abcdef01', date: '2026-07-18', validFrom: '2023-01-01' };

describe('convertLitellm (the generator)', () => {
  const { table, counts } = convertLitellm(sampleText, options);

  it('keeps the per-token chat / responses models of our providers, and nothing else', () => {
    expect(Object.keys(table.models)).toEqual([
      'anthropic.claude-lyra-3-20260102-v1:0',
      'azure/eu/gpt-7.2',
      'claude-lyra-2-20250101',
      'claude-lyra-3-20260102',
      'gemini/gemini-4-pro',
      'gpt-7.1-codex',
      'gpt-7.2',
      'jp.anthropic.claude-lyra-3-20260102-v1:0',
      'vertex_ai/claude-lyra-3@20260102',
    ]);
    expect(counts).toEqual({ anthropic: 2, bedrock: 2, vertex_ai: 1, openai: 2, azure: 1, gemini: 1 });
  });

  it('converts per-token prices to per-million with long-context tiers (Claude cache rates from the multipliers)', () => {
    expect(table.models['claude-lyra-3-20260102']).toEqual({
      provider: 'anthropic',
      input: 2,
      output: 10,
      cache_write_5m: 2.5,
      cache_write_1h: 4,
      cache_read: 0.2,
      // LiteLLM lists only input/output above 200k: the cache rates follow 1.25× / 2× / 0.1× of 4.
      above_200k: { input: 4, output: 15, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.4 },
    });
    // A 1-hour write that is not 2× input (9 vs 1.6) is a copy slip: 2× input; no read field: 0.1×.
    expect(table.models['claude-lyra-2-20250101']).toEqual({
      provider: 'anthropic',
      input: 0.8,
      output: 4,
      cache_write_5m: 1,
      cache_write_1h: 1.6,
      cache_read: 0.08,
    });
  });

  it('keeps Bedrock regional rates under their own keys and Vertex @dates as LiteLLM spells them', () => {
    expect(table.models['jp.anthropic.claude-lyra-3-20260102-v1:0']).toEqual({
      provider: 'bedrock',
      input: 2.2,
      output: 11,
      cache_write_5m: 2.75,
      cache_write_1h: 4.4,
      cache_read: 0.22,
    });
    expect(table.models['anthropic.claude-lyra-3-20260102-v1:0']?.input).toBe(2);
    expect(table.models['vertex_ai/claude-lyra-3@20260102']).toMatchObject({ provider: 'vertex_ai', input: 2, output: 10 });
  });

  it('keeps OpenAI service tiers, the 272k long-context tier, and reasoning rates', () => {
    expect(table.models['gpt-7.2']).toEqual({
      provider: 'openai',
      input: 5,
      output: 30,
      cache_read: 0.5,
      above_272k: { input: 10, output: 45, cache_read: 1 },
      tiers: { batch: { input: 2.5, output: 15 }, flex: { input: 2.5, output: 15, cache_read: 0.25 } },
    });
    expect(table.models['gpt-7.1-codex']).toEqual({
      provider: 'openai',
      input: 1.75,
      output: 14,
      cache_read: 0.175,
      tiers: { priority: { input: 3.5, output: 28, cache_read: 0.35 } },
    });
    expect(table.models['gemini/gemini-4-pro']).toEqual({
      provider: 'gemini',
      input: 2,
      output: 12,
      cache_read: 0.2,
      reasoning: 12,
      above_200k: { input: 4, output: 18 },
    });
  });

  it('records where the table came from: commit, date, the source sha256 and a checksum of the models', () => {
    expect(table.version).toBe(`litellm-abcdef01-${sha256Hex(sampleText).slice(0, 8)}`);
    expect(table.origin).toMatchObject({
      repository: 'BerriAI/litellm',
      commit: options.commit,
      date: '2026-07-18',
      sha256: sha256Hex(sampleText),
    });
    expect(table.origin?.models_sha256).toBe(modelsSha256(table.models));
  });

  it('is deterministic: the same file renders the same module', () => {
    expect(renderCatalogueModule(convertLitellm(sampleText, options).table)).toBe(renderCatalogueModule(table));
  });

  it('rejects a file that is not JSON, a bad field of a kept model, or one with no model we can use', () => {
    expect(() => convertLitellm('<html>rate limited</html>', options)).toThrow(/not JSON/);
    const bad = JSON.parse(sampleText);
    bad['gpt-7.2'].input_cost_per_token = '5e-06';
    expect(() => convertLitellm(JSON.stringify(bad), options)).toThrow(/entry "gpt-7.2", field input_cost_per_token/);
    expect(() => convertLitellm('{"x":{"litellm_provider":"mistral","mode":"chat"}}', options)).toThrow(PriceSourceError);
    expect(() => convertLitellm('[1,2]', options)).toThrow(/not a JSON object/);
  });

  it('refuses a table that lost half its models', () => {
    const { table: small } = convertLitellm(JSON.stringify({ 'gpt-7.2': JSON.parse(sampleText)['gpt-7.2'] }), options);
    expect(() => checkModelCount(small, table)).toThrow(/only 1 models, fewer than half of the 9/);
    expect(() => checkModelCount(table, small)).not.toThrow();
  });

  it('converts without float noise', () => {
    expect(perMillion(1.25e-6)).toBe(1.25);
    expect(perMillion(1.375e-6)).toBe(1.375);
    expect(perMillion(3e-7)).toBe(0.3);
  });
});

describe('the bundled table', () => {
  it('is the generator’s output, not a hand edit: its models match the checksum recorded at generation', () => {
    expect(bundledPriceTable.origin?.models_sha256).toBe(modelsSha256(bundledPriceTable.models));
    const text = readFileSync(new URL('../../../../lib/usage/pricing/catalogue.generated.ts', import.meta.url), 'utf8');
    expect(text).toBe(renderCatalogueModule(bundledPriceTable));
  });

  it('validates against the table schema and names its LiteLLM source', () => {
    expect(priceTableSchema.safeParse(bundledPriceTable).success).toBe(true);
    expect(bundledPriceTable.origin).toMatchObject({ repository: 'BerriAI/litellm', commit: '00035b69f416be24e2e323c13198d9b7d2d1bdf9' });
  });

  it('prices the models the issue found unpriced at their list prices (USD per million)', () => {
    const m = bundledPriceTable.models;
    expect([m['gpt-5.3-codex']?.input, m['gpt-5.3-codex']?.output, m['gpt-5.3-codex']?.cache_read]).toEqual([1.75, 14, 0.175]);
    expect([m['gpt-5.5']?.input, m['gpt-5.5']?.output, m['gpt-5.5']?.above_272k?.input]).toEqual([5, 30, 10]);
    expect([m['gpt-5.1-codex']?.input, m['gpt-5.2-codex']?.input]).toEqual([1.25, 1.75]);
    expect(m['jp.anthropic.claude-haiku-4-5-20251001-v1:0']).toMatchObject({
      input: 1.1,
      output: 5.5,
      cache_write_5m: 1.375,
      cache_read: 0.11,
    });
  });
});
