// Builds a LiteLLM-format price file (USD per token) in a test: every model of a price table, with
// some entries changed, so a refresh has a realistic number of models without shipping LiteLLM's file.

import type { PriceTable } from '../../../../lib/usage/pricing/price-table.ts';

const PROVIDERS: Record<string, string> = {
  anthropic: 'anthropic',
  openai: 'openai',
  bedrock: 'bedrock_converse',
  vertex_ai: 'vertex_ai-anthropic_models',
  azure: 'azure',
  gemini: 'gemini',
};

export function litellmFileFrom(table: PriceTable, changes: Record<string, { input: number; output: number }> = {}): string {
  const out: Record<string, unknown> = { sample_spec: { litellm_provider: 'one of https://docs.litellm.ai/docs/providers', mode: 'chat' } };
  for (const [key, m] of Object.entries(table.models)) {
    const p = changes[key] ?? m;
    out[key] = {
      input_cost_per_token: p.input / 1e6,
      output_cost_per_token: p.output / 1e6,
      ...(m.cache_read !== undefined ? { cache_read_input_token_cost: m.cache_read / 1e6 } : {}),
      litellm_provider: PROVIDERS[m.provider] ?? m.provider,
      mode: 'chat',
    };
  }
  return JSON.stringify(out, null, 4);
}
