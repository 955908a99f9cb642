// The local stack over an existing data folder, for the API and export cases: no scheduled sync,
// so the benchmark measures serving only. Prints {"url","apiKey"} once listening; stops on SIGTERM.

import { parseArgs } from 'node:util';
import { parseConfig } from '../../lib/config/config.ts';
import { createLogger } from '../../lib/core/log.ts';
import { startLocalStack } from '../../local/stack.ts';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, 'api-key': { type: 'string' } } });
const apiKey = values['api-key'] ?? 'bench-key-0123456789abcdef';
const config = parseConfig({
  TOKENLAKE_DATA_DIR: values['data-dir'],
  TOKENLAKE_SOURCES: 'demo',
  TOKENLAKE_API_KEY: apiKey,
  PORT: '0',
  TOKENLAKE_MACHINE: 'bench',
  TOKENLAKE_USER: 'bench',
});
const stack = await startLocalStack({ config, schedule: false, log: createLogger({ level: 'warn' }) });
process.stdout.write(`${JSON.stringify({ url: stack.url, apiKey: stack.apiKey })}\n`);
await new Promise<void>((resolve) => {
  process.on('SIGTERM', () => resolve());
  process.on('SIGINT', () => resolve());
});
await stack.stop();
