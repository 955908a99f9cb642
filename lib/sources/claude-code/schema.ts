// The parts of a Claude Code transcript line that carry usage. Field names from public parsers
// (ccusage data-loader); unknown keys are ignored because Claude Code adds fields often.

import { z } from 'zod';

const tokens = z.int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);

export const claudeUsageSchema = z.object({
  input_tokens: tokens,
  output_tokens: tokens,
  cache_creation_input_tokens: tokens.nullish(),
  cache_read_input_tokens: tokens.nullish(),
  cache_creation: z
    .object({
      ephemeral_5m_input_tokens: tokens.nullish(),
      ephemeral_1h_input_tokens: tokens.nullish(),
    })
    .nullish(),
  service_tier: z.string().nullish(),
});

export const claudeAssistantLineSchema = z.object({
  type: z.literal('assistant'),
  timestamp: z.iso.datetime({ offset: true, message: 'timestamp must be an ISO 8601 instant' }),
  sessionId: z.string().nullish(),
  uuid: z.string().nullish(),
  requestId: z.string().nullish(),
  cwd: z.string().nullish(),
  isSidechain: z.boolean().nullish(),
  costUSD: z.number().nonnegative().finite().nullish(),
  message: z.object({
    id: z.string().nullish(),
    model: z.string().min(1, 'model is empty'),
    usage: claudeUsageSchema,
  }),
});
export type ClaudeAssistantLine = z.infer<typeof claudeAssistantLineSchema>;
