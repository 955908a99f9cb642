// The parts of a Qwen Code chat record that carry usage (QwenLM/qwen-code
// packages/core/src/services/chatRecordingService.ts: ChatRecord). usageMetadata is the Gemini
// API's GenerateContentResponseUsageMetadata, filled by Qwen Code's converters from whatever API it
// called. Unknown keys are ignored.

import { z } from 'zod';

const tokens = z.int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);

/** e.g. {"promptTokenCount":14000,"candidatesTokenCount":220,"cachedContentTokenCount":12000,"thoughtsTokenCount":80,"totalTokenCount":14300} */
const qwenUsageSchema = z.object({
  promptTokenCount: tokens.nullish(),
  candidatesTokenCount: tokens.nullish(),
  cachedContentTokenCount: tokens.nullish(),
  thoughtsTokenCount: tokens.nullish(),
  toolUsePromptTokenCount: tokens.nullish(),
  totalTokenCount: tokens.nullish(),
});

/** An assistant record: one model response. `uuid` is kept verbatim when /branch copies it into a fork. */
export const qwenAssistantRecordSchema = z.object({
  uuid: z.string().min(1, 'uuid is empty'),
  sessionId: z.string().nullish(),
  timestamp: z.iso.datetime({ offset: true, message: 'timestamp must be an ISO 8601 instant' }),
  type: z.literal('assistant'),
  cwd: z.string().nullish(),
  model: z.string().nullish(),
  usageMetadata: qwenUsageSchema,
});
