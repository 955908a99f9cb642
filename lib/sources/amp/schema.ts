// The parts of an Amp thread that carry usage, as ccusage (adapter/amp/parser.rs) and tokscale
// (sessions/amp.rs) read them: an assistant message's `usage` (Anthropic-style: inputTokens is
// UNCACHED input, cache writes and reads separate) and the thread's `usageLedger.events`.
// Unknown keys are ignored.

import { z } from 'zod';

const tokens = z.int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);
const instant = z.iso.datetime({ offset: true, message: 'timestamp must be an ISO 8601 instant' });

/**
 * e.g. {"model":"claude-sonnet-4-5-20250929","inputTokens":10,"outputTokens":178,
 *  "cacheCreationInputTokens":986,"cacheReadInputTokens":11372,"totalInputTokens":12368,
 *  "timestamp":"2026-01-19T11:42:10.652Z"}
 */
export const ampMessageUsageSchema = z.object({
  model: z.string().min(1, 'model is empty'),
  inputTokens: tokens.nullish(),
  outputTokens: tokens.nullish(),
  cacheCreationInputTokens: tokens.nullish(),
  cacheReadInputTokens: tokens.nullish(),
  timestamp: instant.nullish(),
});

/** A ledger event: one billed operation, `toMessageId` the assistant message it produced. */
export const ampLedgerEventSchema = z.object({
  id: z.union([z.string(), z.number()]).nullish(),
  timestamp: instant,
  model: z.string().min(1, 'model is empty'),
  toMessageId: z.number().int().nullish(),
  tokens: z
    .object({
      input: tokens.nullish(),
      output: tokens.nullish(),
      cacheCreationInputTokens: tokens.nullish(),
      cacheReadInputTokens: tokens.nullish(),
    })
    .nullish(),
});
