// The parts of an OpenCode message that carry usage (anomalyco/opencode
// packages/opencode/src/session/message-v2.ts Assistant; getUsage in session/index.ts): `tokens.input`
// is UNCACHED input (OpenCode subtracts the cache reads and writes), `cache.read`/`cache.write`
// separate, `reasoning` separate from `output` (older versions left it inside output too), `cost`
// OpenCode's own estimate in USD. Unknown keys are ignored.

import { z } from 'zod';

const tokens = z.int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);

/**
 * e.g. {"role":"assistant","modelID":"claude-sonnet-4-5","providerID":"anthropic",
 *  "time":{"created":1767312000000,"completed":1767312004200},"cost":0.0123,
 *  "tokens":{"input":12,"output":340,"reasoning":0,"cache":{"read":41000,"write":900},"total":42252},
 *  "path":{"cwd":"/home/alice/web","root":"/home/alice/web"}}
 */
export const openCodeAssistantSchema = z.object({
  role: z.literal('assistant'),
  modelID: z.string().min(1, 'modelID is empty'),
  providerID: z.string().nullish(),
  time: z.object({
    created: z.number().int().positive('time.created must be epoch milliseconds').max(8.64e15, 'time.created is out of range'),
    completed: z.number().nullish(),
  }),
  cost: z.number().nonnegative().finite().nullish(),
  tokens: z.object({
    input: tokens.nullish(),
    output: tokens.nullish(),
    reasoning: tokens.nullish(),
    total: tokens.nullish(),
    cache: z.object({ read: tokens.nullish(), write: tokens.nullish() }).nullish(),
  }),
  path: z.object({ cwd: z.string().nullish(), root: z.string().nullish() }).nullish(),
});
