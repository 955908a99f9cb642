// Bedrock model invocation log batches built by hand from the documented record format (AWS Bedrock
// user guide, "Monitor model invocation using CloudWatch Logs and Amazon S3", "Log entry format"),
// gzipped as Bedrock delivers them under
// AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/<name>.json.gz. Nothing here
// was copied from a real log.

import { constants, createGzip, gzipSync } from 'node:zlib';

export interface Invocation {
  requestId: string;
  timestamp: string;
  region: string;
  account?: string;
  operation: 'Converse' | 'ConverseStream' | 'InvokeModel' | 'InvokeModelWithResponseStream';
  modelId: string;
  arn: string;
  input: number | null;
  output: number | null;
  cacheRead?: number;
  cacheWrite?: number;
  metadata?: Record<string, string>;
  /** Converse: metrics.latencyMs in the body; a stream: the last chunk's invocationLatency. */
  latencyMs?: number;
}

export const ACCOUNT = '111122223333';

/** One log line, with bodies like the real ones (they carry prompts the source must never keep). */
export function invocationLine(i: Invocation): string {
  const converse = i.operation.startsWith('Converse');
  const stream = i.operation.endsWith('Stream');
  const inputBody = converse
    ? { messages: [{ role: 'user', content: [{ text: `secret prompt of ${i.requestId}` }] }], inferenceConfig: { maxTokens: 512 } }
    : {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 512,
        messages: [{ role: 'user', content: `secret prompt of ${i.requestId}` }],
      };
  let outputBody: unknown;
  if (stream && !converse) {
    outputBody = [
      { type: 'message_start', message: { id: `msg_bdrk_${i.requestId}`, usage: { input_tokens: i.input } } },
      { type: 'content_block_delta', delta: { type: 'text_delta', text: 'secret answer' } },
      {
        type: 'message_stop',
        'amazon-bedrock-invocationMetrics': {
          inputTokenCount: i.input,
          outputTokenCount: i.output,
          ...(i.latencyMs !== undefined ? { invocationLatency: i.latencyMs, firstByteLatency: 100 } : {}),
        },
      },
    ];
  } else if (converse) {
    outputBody = {
      output: { message: { role: 'assistant', content: [{ text: 'secret answer' }] } },
      stopReason: 'end_turn',
      ...(i.latencyMs !== undefined ? { metrics: { latencyMs: i.latencyMs } } : {}),
      usage: { inputTokens: i.input, outputTokens: i.output, totalTokens: (i.input ?? 0) + (i.output ?? 0) },
    };
  } else {
    outputBody = { id: `msg_bdrk_${i.requestId}`, content: [{ type: 'text', text: 'secret answer' }], usage: { input_tokens: i.input } };
  }
  const input: Record<string, unknown> = { inputContentType: 'application/json', inputBodyJson: inputBody };
  if (i.input !== null) input.inputTokenCount = i.input;
  if (i.cacheRead !== undefined) input.cacheReadInputTokenCount = i.cacheRead;
  if (i.cacheWrite !== undefined) input.cacheWriteInputTokenCount = i.cacheWrite;
  const output: Record<string, unknown> = { outputContentType: 'application/json', outputBodyJson: outputBody };
  if (i.output !== null) output.outputTokenCount = i.output;
  return JSON.stringify({
    schemaType: 'ModelInvocationLog',
    schemaVersion: '1.0',
    timestamp: i.timestamp,
    accountId: i.account ?? ACCOUNT,
    identity: { arn: i.arn },
    region: i.region,
    requestId: i.requestId,
    operation: i.operation,
    modelId: i.modelId,
    ...(i.metadata ? { requestMetadata: i.metadata } : {}),
    input,
    output,
  });
}

export function batchBytes(lines: string[]): Buffer {
  return gzipSync(Buffer.from(`${lines.join('\n')}\n`));
}

/**
 * A batch cut short: the first lines are flushed whole (a sync flush), then the gzip stream stops a
 * few bytes into the next line, as an interrupted upload would leave it.
 */
export async function truncatedBatch(whole: string[], cut: string[]): Promise<Buffer> {
  const gzip = createGzip();
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  gzip.write(`${whole.join('\n')}\n`);
  await new Promise<void>((resolve) => gzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
  const flushed = Buffer.concat(chunks).length;
  const ended = new Promise<void>((resolve) => gzip.on('end', () => resolve()));
  gzip.end(`${cut.join('\n')}\n`);
  await ended;
  return Buffer.concat(chunks).subarray(0, flushed + 6);
}

export function logKey(root: string, region: string, hour: string, name: string, account = ACCOUNT): string {
  const [day, hh] = hour.split('T') as [string, string];
  return `${root}AWSLogs/${account}/BedrockModelInvocationLogs/${region}/${day.replaceAll('-', '/')}/${hh}/${name}`;
}

export const roleArn = (session: string, role = 'Developer') => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`;
export const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
