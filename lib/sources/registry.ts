// Source names → implementations. The one place a new source is registered.

import type { SourceName } from '../config/config.ts';
import { createAmpSource } from './amp/index.ts';
import { createAnthropicSource } from './anthropic/index.ts';
import { createBedrockSource } from './bedrock/index.ts';
import { createBedrockMetricsSource } from './bedrock-metrics/index.ts';
import { createClaudeCodeSource } from './claude-code/index.ts';
import { createCodexSource } from './codex/index.ts';
import { createDemoSource } from './demo/index.ts';
import { createGeminiCliSource } from './gemini-cli/index.ts';
import { createOpenAiSource } from './openai/index.ts';
import { createOpenCodeSource } from './opencode/index.ts';
import { createQwenCodeSource } from './qwen-code/index.ts';
import type { Source } from './source.ts';

function createSource(name: SourceName): Source {
  switch (name) {
    case 'claude-code':
      return createClaudeCodeSource();
    case 'codex':
      return createCodexSource();
    case 'gemini-cli':
      return createGeminiCliSource();
    case 'qwen-code':
      return createQwenCodeSource();
    case 'opencode':
      return createOpenCodeSource();
    case 'amp':
      return createAmpSource();
    case 'demo':
      return createDemoSource();
    case 'anthropic':
      return createAnthropicSource();
    case 'openai':
      return createOpenAiSource();
    case 'bedrock':
      return createBedrockSource();
    case 'bedrock-metrics':
      return createBedrockMetricsSource();
  }
}

export function createSources(names: readonly SourceName[]): Source[] {
  // The invocation logs run before the metrics fallback, so the hours they cover this run are
  // already left out of the metrics written in the same run.
  const ordered: SourceName[] = names.filter((n) => n !== 'bedrock-metrics');
  if (names.includes('bedrock-metrics')) ordered.splice(ordered.indexOf('bedrock') + 1 || ordered.length, 0, 'bedrock-metrics');
  return ordered.map(createSource);
}
