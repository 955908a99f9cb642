// The provider of a model, for agents that log only the model id (Amp, Gemini CLI, Qwen Code): the
// lake's `provider` column. Pricing does not depend on it (the price table is keyed by model).

const FAMILIES: Array<[RegExp, string]> = [
  [/^(claude|opus|sonnet|haiku)/, 'anthropic'],
  [/^(gpt|o\d|chatgpt|codex|text-embedding|davinci)/, 'openai'],
  [/^(gemini|gemma)/, 'google'],
  [/^(qwen|qwq)/, 'alibaba'],
  [/^grok/, 'xai'],
  [/^deepseek/, 'deepseek'],
  [/^(mistral|codestral|devstral|magistral|ministral)/, 'mistral'],
  [/^kimi/, 'moonshot'],
  [/^glm/, 'zhipu'],
  [/^llama/, 'meta'],
];

/**
 * `anthropic/claude-…` → anthropic; otherwise by the model family (`claude-…` → anthropic,
 * `gpt-…`/`o3` → openai, `gemini-…` → google, `qwen…` → alibaba, …); else `fallback`.
 */
export function providerOfModel(model: string, fallback: string): string {
  const m = model.trim().toLowerCase();
  const slash = m.indexOf('/');
  if (slash > 0) return m.slice(0, slash);
  for (const [pattern, provider] of FAMILIES) if (pattern.test(m)) return provider;
  return fallback;
}
