// Source names → implementations. The one place a new source is registered.

import type { SourceName } from '../config.ts';
import { createAnthropicSource } from './anthropic/index.ts';
import { createClaudeCodeSource } from './claude-code/index.ts';
import { createCodexSource } from './codex/index.ts';
import { createDemoSource } from './demo/index.ts';
import { createOpenAiSource } from './openai/index.ts';
import type { Source } from './source.ts';

export function createSource(name: SourceName): Source {
  switch (name) {
    case 'claude-code':
      return createClaudeCodeSource();
    case 'codex':
      return createCodexSource();
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
