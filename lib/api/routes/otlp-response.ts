// OTLP/HTTP answers in the encoding of the request: Export<Signal>ServiceResponse (empty on full
// success, `partial_success` with the rejected count and the reasons otherwise) and, for 4xx/5xx,
// a google.rpc.Status message; Retry-After on 503. Binary bodies travel base64 (API Gateway v2).

import type { Encoding } from '../../otlp/body.ts';
import { encodeResponse, encodeStatus, REJECTED_FIELD, type Signal } from '../../otlp/proto.ts';
import type { ApiResponse } from '../http.ts';

function body(
  encoding: Encoding,
  binary: Uint8Array,
  json: unknown,
  statusCode: number,
  headers: Record<string, string> = {},
): ApiResponse {
  if (encoding === 'protobuf') {
    return {
      statusCode,
      headers: { 'content-type': 'application/x-protobuf', 'cache-control': 'no-store', ...headers },
      body: Buffer.from(binary).toString('base64'),
      isBase64Encoded: true,
    };
  }
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(json),
  };
}

/**
 * 200 either way, as the spec wants: the partial-success field is set when items were rejected
 * (or, with 0 rejected, to carry a warning) and left out on full success.
 */
export function exportAnswer(signal: Signal, encoding: Encoding, result: { rejected: number; message: string | null }): ApiResponse {
  const partial = result.rejected > 0 || result.message ? { rejected: result.rejected, errorMessage: result.message ?? '' } : null;
  // proto3 JSON writes int64 as a decimal string.
  const json = partial
    ? { partialSuccess: { [REJECTED_FIELD[signal]]: String(partial.rejected), errorMessage: partial.errorMessage } }
    : {};
  return body(encoding, encodeResponse(signal, partial), json, 200);
}

/** A failure as a Status message; `retryAfterSeconds` adds the header throttled clients honour. */
export function failureAnswer(encoding: Encoding, statusCode: number, message: string, retryAfterSeconds?: number): ApiResponse {
  const headers: Record<string, string> = retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {};
  return body(encoding, encodeStatus(message), { message }, statusCode, headers);
}
