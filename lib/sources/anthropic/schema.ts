// Wire shapes of the Anthropic Admin API usage and cost reports (see shared specs
// provider-usage-apis.md §1). Unknown keys are allowed (Anthropic adds fields often) and every
// dimension is nullable: a dimension is null unless grouped by, and null even then for the default
// workspace (workspace_id) or Console usage (api_key_id).

import { z } from 'zod';

const tokens = z.int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);
const dimension = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === '' ? null : v));
const instant = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 instant' });

/** One row of `usage_report/messages`: one bucket × group. */
const messagesUsageRowSchema = z.looseObject({
  uncached_input_tokens: tokens,
  cache_creation: z.looseObject({
    ephemeral_5m_input_tokens: tokens,
    ephemeral_1h_input_tokens: tokens,
  }),
  cache_read_input_tokens: tokens,
  output_tokens: tokens,
  model: dimension,
  api_key_id: dimension,
  workspace_id: dimension,
  service_tier: dimension,
  context_window: dimension,
  inference_geo: dimension,
});

/** A decimal string such as "2345.6789" (no exponent, no thousands separators). */
const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "123.45"');

/** One row of `cost_report`: `amount` is in the currency's lowest unit (cents for USD). */
const costRowSchema = z.looseObject({
  amount: decimalString,
  currency: z.string().min(1),
  cost_type: dimension,
  description: dimension,
  model: dimension,
  token_type: dimension,
  service_tier: dimension,
  context_window: dimension,
  workspace_id: dimension,
});

function reportPageSchema<Row extends z.ZodType>(row: Row) {
  return z.looseObject({
    data: z.array(
      z.looseObject({
        starting_at: instant,
        ending_at: instant,
        results: z.array(row),
      }),
    ),
    has_more: z.boolean(),
    next_page: z.string().nullish(),
  });
}

export const messagesUsagePageSchema = reportPageSchema(messagesUsageRowSchema);
export type MessagesUsagePage = z.infer<typeof messagesUsagePageSchema>;
export const costReportPageSchema = reportPageSchema(costRowSchema);
export type CostReportPage = z.infer<typeof costReportPageSchema>;
