// The parts of a Codex CLI rollout line that carry usage or its context. Every line is an envelope
// {timestamp, type, payload}; field names from the Codex protocol (codex-rs/protocol TokenUsage,
// TokenUsageInfo) as ccusage (apps/codex) and tokscale (sessions/codex.rs) read them. Unknown keys
// are ignored: Codex adds fields often.

import { z } from 'zod';
import { FIRST_DAY, isInstantInCalendar, LAST_DAY } from '../../core/calendar.ts';

const tokens = z.int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);

/**
 * One TokenUsage. `input_tokens` INCLUDES `cached_input_tokens`; `output_tokens` INCLUDES
 * `reasoning_output_tokens`; `total_tokens` = input + output.
 * e.g. {"input_tokens":1200,"cached_input_tokens":200,"output_tokens":500,"reasoning_output_tokens":64,"total_tokens":1700}
 */
const codexTokenUsageSchema = z.object({
  input_tokens: tokens,
  cached_input_tokens: tokens.nullish(),
  /** An older spelling of cached_input_tokens. */
  cache_read_input_tokens: tokens.nullish(),
  output_tokens: tokens,
  reasoning_output_tokens: tokens.nullish(),
  total_tokens: tokens.nullish(),
});
export type CodexTokenUsage = z.infer<typeof codexTokenUsageSchema>;

/**
 * An `event_msg` whose payload is a token_count with usage. `total_token_usage` is cumulative for
 * the session, `last_token_usage` the last model response alone.
 */
export const codexTokenCountLineSchema = z.object({
  timestamp: z.iso
    .datetime({ offset: true, message: 'timestamp must be an ISO 8601 instant' })
    .refine((ts) => isInstantInCalendar(new Date(ts)), `timestamp must lie between ${FIRST_DAY} and ${LAST_DAY}`),
  type: z.literal('event_msg'),
  payload: z.object({
    type: z.literal('token_count'),
    info: z.object({
      total_token_usage: codexTokenUsageSchema.nullish(),
      last_token_usage: codexTokenUsageSchema.nullish(),
      model: z.string().nullish(),
      model_name: z.string().nullish(),
    }),
  }),
});

/** The first line of a file: the session's id, working directory and, for a fork, its parent. */
export const codexSessionMetaSchema = z.object({
  id: z.string().nullish(),
  cwd: z.string().nullish(),
  forked_from_id: z.string().nullish(),
  model_provider: z.string().nullish(),
  /** `{"subagent":{"thread_spawn":{"parent_thread_id":"…"}}}` for a thread Codex spawned itself. */
  source: z.unknown().optional(),
});

/** Written before each turn: the model (and cwd) the following token_count lines belong to. */
export const codexTurnContextSchema = z.object({
  model: z.string().nullish(),
  cwd: z.string().nullish(),
  turn_id: z.string().nullish(),
});
