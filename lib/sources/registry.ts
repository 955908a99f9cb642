// Source names → implementations. The one place a new source is registered.

import type { SourceName } from '../config.ts';
import { createAmpSource } from './amp/index.ts';
import { createAnthropicSource } from './anthropic/index.ts';
import { createClaudeCodeSource } from './claude-code/index.ts';
import { createCodexSource } from './codex/index.ts';
import { createDemoSource } from './demo/index.ts';
import { createGeminiCliSource } from './gemini-cli/index.ts';
import { createOpenAiSource } from './openai/index.ts';
import { createOpenCodeSource } from './opencode/index.ts';
import { createQwenCodeSource } from './qwen-code/index.ts';
import type { Source } from './source.ts';

export function createSource(name: SourceName): Source {
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
  }
}

export function createSources(names: readonly SourceName[]): Source[] {
  return names.map(createSource);
}
