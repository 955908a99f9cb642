// The cold-start wiring shared by the handlers: parse the environment once, build the runtime
// once, reuse it across invocations. The only module that reads process.env.

import { existsSync } from 'node:fs';
import { parseConfig } from '../lib/config.ts';
import { createRuntime, type Runtime } from '../lib/runtime.ts';

let cached: Promise<Runtime> | undefined;

export function runtimeFromEnv(): Promise<Runtime> {
  cached ??= createRuntime(parseConfig(process.env, { dirExists: existsSync }));
  return cached;
}

export type RuntimeProvider = () => Promise<Runtime>;
