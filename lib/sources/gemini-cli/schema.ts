// The parts of a Gemini CLI chat that carry usage (google-gemini/gemini-cli
// packages/core/src/services/chatRecordingTypes.ts: ConversationRecord, MessageRecord,
// TokensSummary). Unknown keys are ignored: the CLI adds fields often.

import { z } from 'zod';

const tokens = z.int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);

/**
 * One response's usage, copied from the API's usageMetadata: input = promptTokenCount (which
 * INCLUDES cachedContentTokenCount), output = candidatesTokenCount (thoughts NOT included),
 * cached, thoughts = thoughtsTokenCount, tool = toolUsePromptTokenCount, total = totalTokenCount.
 * e.g. {"input":12000,"output":300,"cached":8000,"thoughts":120,"tool":0,"total":12420}
 */
const geminiTokensSchema = z.object({
  input: tokens,
  output: tokens,
  cached: tokens.nullish(),
  thoughts: tokens.nullish(),
  tool: tokens.nullish(),
  total: tokens.nullish(),
});

/** A `type: "gemini"` message that carries tokens. */
export const geminiMessageSchema = z.object({
  id: z.string().min(1, 'id is empty'),
  timestamp: z.iso.datetime({ offset: true, message: 'timestamp must be an ISO 8601 instant' }),
  type: z.literal('gemini'),
  model: z.string().nullish(),
  tokens: geminiTokensSchema,
});
