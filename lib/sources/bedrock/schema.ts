// The Bedrock model invocation log record, as far as usage needs it. Fields not named here
// (inputBodyJson, outputBodyJson, content types, S3 paths of large bodies) are stripped by the
// parse and never reach the lake or quarantine.
//
// Source: AWS Bedrock user guide, "Monitor model invocation using CloudWatch Logs and Amazon S3",
// section "Log entry format" (schemaType, schemaVersion, timestamp, accountId, region, requestId,
// operation, modelId, identity.arn, requestMetadata, input.inputTokenCount,
// output.outputTokenCount); the cache counts `input.cacheReadInputTokenCount` and
// `input.cacheWriteInputTokenCount` are the names the log uses for prompt caching (the same as the
// `amazon-bedrock-invocationMetrics` of a streamed response).

import { z } from 'zod';

const tokenCount = z.int().nonnegative();

/**
 * One invocation.
 * @example
 * {"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-08-01T10:15:00Z",
 *  "accountId":"111122223333","region":"us-east-1","requestId":"6c1f…","operation":"Converse",
 *  "modelId":"us.anthropic.claude-sonnet-4-5-20250929-v1:0",
 *  "identity":{"arn":"arn:aws:sts::111122223333:assumed-role/Dev/alice"},
 *  "requestMetadata":{"project":"web"},
 *  "input":{"inputTokenCount":1200,"cacheReadInputTokenCount":5000,"cacheWriteInputTokenCount":0},
 *  "output":{"outputTokenCount":340}}
 */
export const invocationLogSchema = z.object({
  schemaType: z.literal('ModelInvocationLog'),
  timestamp: z.iso.datetime({ offset: true }),
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  region: z.string().min(1).max(32).optional(),
  requestId: z.string().min(1).max(256),
  operation: z.string().max(128).optional(),
  modelId: z.string().min(1).max(2048),
  identity: z.object({ arn: z.string().max(2048).optional() }).optional(),
  /** Caller-supplied tags (Converse `requestMetadata`): strings by contract; others are ignored. */
  requestMetadata: z.record(z.string(), z.unknown()).optional(),
  input: z.object({
    /** Uncached input: cache reads and writes are counted apart (Anthropic's convention, which Bedrock logs). */
    inputTokenCount: tokenCount,
    cacheReadInputTokenCount: tokenCount.optional(),
    cacheWriteInputTokenCount: tokenCount.optional(),
  }),
  output: z.object({ outputTokenCount: tokenCount }),
});
export type InvocationLog = z.infer<typeof invocationLogSchema>;
