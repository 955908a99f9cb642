import { describe, expect, it } from 'vitest';
import { resolveModel } from '../../../../lib/usage/pricing/price.ts';
import { createModelResolver } from '../../../../lib/usage/pricing/resolve.ts';

// A table's keys as LiteLLM spells them, with each key's provider family.
const index = new Map<string, string>([
  ['claude-sonnet-4-5', 'anthropic'],
  ['claude-sonnet-4-5-20250929', 'anthropic'],
  ['claude-3-7-sonnet-20250219', 'anthropic'],
  ['claude-opus-4-20250514', 'anthropic'],
  ['claude-opus-4-1', 'anthropic'],
  ['claude-opus-4-1-20250805', 'anthropic'],
  ['claude-haiku-4-5', 'anthropic'],
  ['claude-haiku-4-5-20251001', 'anthropic'],
  ['claude-3-5-sonnet-20240620', 'anthropic'],
  ['claude-3-5-sonnet-20241022', 'anthropic'],
  ['gpt-5', 'openai'],
  ['gpt-5-mini', 'openai'],
  ['gpt-5.5', 'openai'],
  ['gpt-5.3-codex', 'openai'],
  ['gpt-4o-mini-2024-07-18', 'openai'],
  ['gpt-4o-mini', 'openai'],
  ['gpt-4.1-nano-2025-04-14', 'openai'],
  ['anthropic.claude-haiku-4-5-20251001-v1:0', 'bedrock'],
  ['jp.anthropic.claude-haiku-4-5-20251001-v1:0', 'bedrock'],
  ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'bedrock'],
  ['global.anthropic.claude-opus-4-6-v1', 'bedrock'],
  ['anthropic.claude-opus-4-7', 'bedrock'],
  ['bedrock/us-gov-west-1/anthropic.claude-3-7-sonnet-20250219-v1:0', 'bedrock'],
  ['anthropic.claude-3-7-sonnet-20250219-v1:0', 'bedrock'],
  ['meta.llama3-3-70b-instruct-v1:0', 'bedrock'],
  ['vertex_ai/claude-opus-4-1@20250805', 'vertex_ai'],
  ['vertex_ai/claude-haiku-4-5', 'vertex_ai'],
  ['azure/gpt-5.1-codex', 'azure'],
  ['azure/eu/gpt-4o-2024-08-06', 'azure'],
  ['gemini/gemini-2.5-pro', 'gemini'],
  ['gemini-2.5-pro', 'vertex_ai'],
]);
const resolve = createModelResolver(index);

type Row = [id: string, key: string | null, provider: string | null, region: string | null, geo: string | null];

// Every id form a user's logs carry, and what it must resolve to. null key = stays unpriced.
const table: Row[] = [
  // dated and undated first-party names
  ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929', 'anthropic', null, null],
  ['claude-sonnet-4-5', 'claude-sonnet-4-5', 'anthropic', null, null],
  ['Claude-Sonnet-4-5 ', 'claude-sonnet-4-5', 'anthropic', null, null],
  ['claude-sonnet-4-5-20991231', 'claude-sonnet-4-5', 'anthropic', null, null], // a newer snapshot: its undated alias
  ['claude-3-7-sonnet', 'claude-3-7-sonnet-20250219', 'anthropic', null, null], // one dated snapshot: its alias
  ['claude-3-5-sonnet', null, null, null, null], // two dated snapshots: no guess
  ['claude-opus-4', 'claude-opus-4-20250514', 'anthropic', null, null],
  ['claude-sonnet-4-5[1m]', 'claude-sonnet-4-5', 'anthropic', null, null],
  ['gpt-5.3-codex', 'gpt-5.3-codex', 'openai', null, null],
  ['gpt-5.5', 'gpt-5.5', 'openai', null, null],
  ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini-2024-07-18', 'openai', null, null],
  ['gpt-5-mini-2099-01-01', 'gpt-5-mini', 'openai', null, null],
  ['gpt-4.1-nano', 'gpt-4.1-nano-2025-04-14', 'openai', null, null], // one dated snapshot, a dotted name
  // provider-routed names
  ['anthropic/claude-haiku-4-5', 'claude-haiku-4-5', 'anthropic', null, null],
  ['openai/gpt-5', 'gpt-5', 'openai', null, null],
  // Bedrock: plain, converse/ and bedrock/ routes, regional and global profiles, -v1:0 suffixes
  ['anthropic.claude-haiku-4-5-20251001-v1:0', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'bedrock', null, null],
  ['anthropic.claude-haiku-4-5-20251001', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'bedrock', null, null],
  ['converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0', 'jp.anthropic.claude-haiku-4-5-20251001-v1:0', 'bedrock', null, 'jp'],
  ['bedrock/converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0', 'jp.anthropic.claude-haiku-4-5-20251001-v1:0', 'bedrock', null, 'jp'],
  ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'bedrock', null, 'us'],
  ['eu.anthropic.claude-haiku-4-5-20251001-v1:0', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'bedrock', null, 'eu'], // no eu rate listed
  ['apac.anthropic.claude-haiku-4-5-20251001-v1:0', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'bedrock', null, 'apac'],
  ['au.anthropic.claude-opus-4-7', 'anthropic.claude-opus-4-7', 'bedrock', null, 'au'],
  ['ca.anthropic.claude-opus-4-7', 'anthropic.claude-opus-4-7', 'bedrock', null, 'ca'],
  ['global.anthropic.claude-opus-4-6-v1', 'global.anthropic.claude-opus-4-6-v1', 'bedrock', null, 'global'],
  ['global.anthropic.claude-opus-4-6-v1:0', 'global.anthropic.claude-opus-4-6-v1', 'bedrock', null, 'global'],
  ['us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5-20250929', 'bedrock', null, 'us-gov'], // no Bedrock entry: Anthropic's price
  [
    'bedrock/us-gov-west-1/anthropic.claude-3-7-sonnet-20250219-v1:0',
    'bedrock/us-gov-west-1/anthropic.claude-3-7-sonnet-20250219-v1:0',
    'bedrock',
    'us-gov-west-1',
    null,
  ],
  [
    'bedrock/eu-west-1/anthropic.claude-3-7-sonnet-20250219-v1:0',
    'anthropic.claude-3-7-sonnet-20250219-v1:0',
    'bedrock',
    'eu-west-1',
    null,
  ],
  ['meta.llama3-3-70b-instruct-v1:0', 'meta.llama3-3-70b-instruct-v1:0', 'bedrock', null, null],
  ['anthropic.claude-haiku-4-5-20251001-v2:0', 'claude-haiku-4-5-20251001', 'bedrock', null, null], // v2 is not v1's Bedrock entry
  // ARNs: inference profiles and foundation models carry the region; application profiles are opaque
  [
    'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'bedrock',
    'us-east-1',
    'us',
  ],
  [
    'arn:aws:bedrock:us-gov-west-1::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0',
    'bedrock/us-gov-west-1/anthropic.claude-3-7-sonnet-20250219-v1:0',
    'bedrock',
    'us-gov-west-1',
    null,
  ],
  [
    'arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
    'anthropic.claude-haiku-4-5-20251001-v1:0',
    'bedrock',
    'ap-northeast-1',
    null,
  ],
  ['arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/a1b2c3d4e5', null, 'bedrock', 'eu-west-1', null],
  // Vertex @dates
  ['claude-opus-4-1@20250805', 'vertex_ai/claude-opus-4-1@20250805', 'vertex_ai', null, null],
  ['vertex_ai/claude-haiku-4-5@20251001', 'vertex_ai/claude-haiku-4-5', 'vertex_ai', null, null],
  ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5-20250929', 'vertex_ai', null, null], // no Vertex entry: Anthropic's
  // Azure OpenAI
  ['azure/gpt-5.1-codex', 'azure/gpt-5.1-codex', 'azure', null, null],
  ['azure/eu/gpt-4o-2024-08-06', 'azure/eu/gpt-4o-2024-08-06', 'azure', null, null],
  ['azure/gpt-5.5', 'gpt-5.5', 'azure', null, null],
  // Gemini
  ['gemini-2.5-pro', 'gemini/gemini-2.5-pro', 'gemini', null, null],
  ['models/gemini-2.5-pro', 'gemini/gemini-2.5-pro', 'gemini', null, null],
  ['vertex_ai/gemini-2.5-pro', 'gemini-2.5-pro', 'vertex_ai', null, null],
  // OpenRouter-style names
  ['anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5', 'anthropic', null, null],
  ['openrouter/anthropic/claude-3.7-sonnet:thinking', 'claude-3-7-sonnet-20250219', 'openrouter', null, null],
  ['openrouter/openai/gpt-5-mini', 'gpt-5-mini', 'openrouter', null, null],
  ['google/gemini-2.5-pro', 'gemini/gemini-2.5-pro', 'gemini', null, null],
  // never a prefix of another model's name
  ['gpt-5.4', null, null, null, null],
  ['claude-opus-4-8', null, null, null, null],
  ['gpt-5-nano', null, null, null, null],
  ['claude-sonnet', null, null, null, null],
  ['mystery-model-9', null, null, null, null],
  ['', null, null, null, null],
];

describe('model id resolution', () => {
  it.each(table)('%s → %s', (id, key, provider, region, geo) => {
    expect(resolve(id)).toEqual({ key, provider, region, geo });
  });

  it('answers the same object for a repeated id (cached per id)', () => {
    expect(resolve('converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0')).toBe(
      resolve('converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0'),
    );
  });

  it('resolves the ids of the real-world report against the bundled table', () => {
    for (const id of ['gpt-5.3-codex', 'gpt-5.5', 'gpt-5.1-codex', 'gpt-5.2-codex']) expect(resolveModel(id).key).toBe(id);
    expect(resolveModel('converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0')).toEqual({
      key: 'jp.anthropic.claude-haiku-4-5-20251001-v1:0',
      provider: 'bedrock',
      region: null,
      geo: 'jp',
    });
  });
});
