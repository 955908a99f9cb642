// The parts of a Claude Code transcript line that carry usage. Field names from public parsers
// (ccusage data-loader); unknown keys are ignored because Claude Code adds fields often.

import { z } from 'zod';
import { FIRST_DAY, isInstantInCalendar, LAST_DAY } from '../../core/calendar.ts';
import { isUtcInstant } from '../../usage/record.ts';

const tokens = z.int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);

const claudeUsageSchema = z.object({
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
  timestamp: z.iso
    .datetime({ offset: true, message: 'timestamp must be an ISO 8601 instant' })
    .refine((ts) => isInstantInCalendar(new Date(ts)), `timestamp must lie between ${FIRST_DAY} and ${LAST_DAY}`),
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
type ClaudeAssistantLine = z.infer<typeof claudeAssistantLineSchema>;

const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;
const isOptionalCount = (v: unknown) => v === undefined || v === null || isCount(v);
const isOptionalString = (v: unknown) => v === undefined || v === null || typeof v === 'string';
/**
 * The hot-path check of an assistant line (a sync reads millions): accepts only what
 * `claudeAssistantLineSchema` accepts, in the shape Claude Code writes (UTC timestamps), and
 * returns the line itself; anything else returns null and the schema decides, with its reason.
 * tests/lib/sources/claude-code.test.ts holds the two to the same answers on generated lines.
 */
export function parseAssistantLineFast(value: unknown): ClaudeAssistantLine | null {
  const l = value as Record<string, unknown>;
  if (l.type !== 'assistant' || typeof l.timestamp !== 'string' || !isUtcInstant(l.timestamp)) return null;
  if (!isOptionalString(l.sessionId) || !isOptionalString(l.uuid) || !isOptionalString(l.requestId) || !isOptionalString(l.cwd))
    return null;
  if (l.isSidechain !== undefined && l.isSidechain !== null && typeof l.isSidechain !== 'boolean') return null;
  const cost = l.costUSD;
  if (cost !== undefined && cost !== null && !(typeof cost === 'number' && Number.isFinite(cost) && cost >= 0)) return null;
  const m = l.message as Record<string, unknown> | null | undefined;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return null;
  if (!isOptionalString(m.id) || typeof m.model !== 'string' || m.model.length === 0) return null;
  const u = m.usage as Record<string, unknown> | null | undefined;
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return null;
  if (!isCount(u.input_tokens) || !isCount(u.output_tokens)) return null;
  if (!isOptionalCount(u.cache_creation_input_tokens) || !isOptionalCount(u.cache_read_input_tokens) || !isOptionalString(u.service_tier))
    return null;
  const c = u.cache_creation as Record<string, unknown> | null | undefined;
  if (c !== undefined && c !== null) {
    if (typeof c !== 'object' || Array.isArray(c)) return null;
    if (!isOptionalCount(c.ephemeral_5m_input_tokens) || !isOptionalCount(c.ephemeral_1h_input_tokens)) return null;
  }
  return value as ClaudeAssistantLine;
}
