// Wire shapes of the OpenAI organization Usage and Costs APIs (shared specs
// provider-usage-apis.md §2, from openai/openai-openapi). Unknown keys are allowed and every
// dimension is nullable (null unless grouped by). Times are Unix seconds.

import { z } from 'zod';

const tokens = z.int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);
const optionalTokens = tokens.nullish().transform((v) => v ?? null);
const dimension = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === '' ? null : v));

/** Dimensions shared by the token-counting usage endpoints. */
const dimensions = {
  project_id: dimension,
  user_id: dimension,
  api_key_id: dimension,
  model: dimension,
};

/** `organization.usage.completions.result`: `input_tokens` INCLUDES cached and cache-write tokens. */
const completionsRowSchema = z.looseObject({
  input_tokens: tokens,
  output_tokens: tokens,
  num_model_requests: tokens,
  input_cached_tokens: optionalTokens,
  /** Added 2026-07; absent from older answers. */
  input_cache_write_tokens: optionalTokens,
  input_uncached_tokens: optionalTokens,
  ...dimensions,
  batch: z
    .boolean()
    .nullish()
    .transform((v) => v ?? null),
  service_tier: dimension,
});
export type CompletionsRow = z.infer<typeof completionsRowSchema>;

/** `organization.usage.embeddings.result` and `…moderations.result`: input tokens only. */
const inputOnlyRowSchema = z.looseObject({
  input_tokens: tokens,
  num_model_requests: tokens,
  ...dimensions,
});

/** `organization.costs.result`: only `object` is required; `amount.value` is in dollars. */
const costsRowSchema = z.looseObject({
  object: z.string(),
  amount: z
    .looseObject({ value: z.number().finite(), currency: z.string().min(1) })
    .nullish()
    .transform((v) => v ?? null),
  line_item: dimension,
  project_id: dimension,
  api_key_id: dimension,
});

function pageSchema<Row extends z.ZodType>(row: Row) {
  return z.looseObject({
    data: z.array(
      z.looseObject({
        start_time: z.int().nonnegative(),
        end_time: z.int().nonnegative(),
        results: z.array(row),
      }),
    ),
    has_more: z.boolean(),
    next_page: z.string().nullish(),
  });
}

export const completionsPageSchema = pageSchema(completionsRowSchema);
export type CompletionsPage = z.infer<typeof completionsPageSchema>;
export const inputOnlyPageSchema = pageSchema(inputOnlyRowSchema);
export type InputOnlyPage = z.infer<typeof inputOnlyPageSchema>;
export const costsPageSchema = pageSchema(costsRowSchema);
export type CostsPage = z.infer<typeof costsPageSchema>;
