// Source names → implementations. The one place a new source is registered.

import type { SourceName } from '../config.ts';
import { SourceError } from '../errors.ts';
import { createClaudeCodeSource } from './claude-code/index.ts';
import { createDemoSource } from './demo/index.ts';
import type { Source } from './source.ts';

export function createSource(name: SourceName): Source {
  switch (name) {
    case 'claude-code':
      return createClaudeCodeSource();
    case 'demo':
      return createDemoSource();
    case 'anthropic':
    case 'openai':
      return {
        name,
        pull: () => Promise.reject(new SourceError(name, 'this source is not available in this build')),
      };
  }
}

export function createSources(names: readonly SourceName[]): Source[] {
  return names.map(createSource);
}
