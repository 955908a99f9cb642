// An OTLP/HTTP request body → a validated export request: the content type picks the encoding
// (binary protobuf or OTLP/JSON), gzip is undone within a size limit, and the envelope is checked.
// What cannot be decoded is a 400, too large a 413, an unknown encoding a 415 (the spec's codes).

import { gunzipSync } from 'node:zlib';
import { BadRequestError, issuesToDetails, PayloadTooLargeError, UnsupportedMediaTypeError } from '../core/errors.ts';
import { decodeRequest, type Signal } from './proto.ts';
import {
  type LogsRequest,
  logsRequestSchema,
  type MetricsRequest,
  metricsRequestSchema,
  type TracesRequest,
  tracesRequestSchema,
} from './schema.ts';

/** API Gateway's payload limit: a larger body never reaches the function. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;
/**
 * After gunzip. The spec recommends 64 MiB; half of that keeps a decoded request (and the objects
 * built from it) well inside a 1 GiB Lambda, and a 6 MB gzip body rarely inflates beyond it.
 */
export const MAX_DECODED_BYTES = 32 * 1024 * 1024;

export type Encoding = 'protobuf' | 'json';

export interface ExportRequests {
  logs: LogsRequest;
  metrics: MetricsRequest;
  traces: TracesRequest;
}

const TOP_FIELD: Record<Signal, string> = { logs: 'resourceLogs', metrics: 'resourceMetrics', traces: 'resourceSpans' };
const SCHEMA = { logs: logsRequestSchema, metrics: metricsRequestSchema, traces: tracesRequestSchema };

/** `application/x-protobuf` or `application/json` (parameters such as charset ignored). */
export function encodingOf(contentType: string | undefined): Encoding {
  const type = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new UnsupportedMediaTypeError(
    `content-type must be application/x-protobuf or application/json (OTLP/HTTP), got ${type ? `"${type}"` : 'none'}; gRPC is not served here`,
  );
}

/** The body with gzip undone; a gzip bomb stops at MAX_DECODED_BYTES. */
export function inflateBody(body: Uint8Array, contentEncoding: string | undefined): Uint8Array {
  if (body.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(`body is ${body.length} bytes; at most ${MAX_BODY_BYTES}`);
  const coding = contentEncoding?.trim().toLowerCase() ?? '';
  if (coding === '' || coding === 'identity') return body;
  if (coding !== 'gzip' && coding !== 'x-gzip')
    throw new UnsupportedMediaTypeError(`content-encoding must be gzip or none, got "${coding}"`);
  try {
    return gunzipSync(body, { maxOutputLength: MAX_DECODED_BYTES });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new PayloadTooLargeError(`gzip body inflates beyond ${MAX_DECODED_BYTES} bytes`);
    }
    throw new BadRequestError('body is not valid gzip', [{ field: 'body', reason: (error as Error).message }]);
  }
}

/**
 * The export request of a signal from its (inflated) bytes. JSON that is not an object, or an
 * object naming none of the request's fields but others (an events batch sent here by mistake),
 * is refused; `{}` is an empty request, which the spec says to accept.
 */
export function decodeExportRequest<S extends Signal>(signal: S, encoding: Encoding, bytes: Uint8Array): ExportRequests[S] {
  let value: unknown;
  if (encoding === 'protobuf') {
    try {
      value = decodeRequest(signal, bytes);
    } catch (error) {
      throw new BadRequestError(`body is not a protobuf-encoded OTLP ${signal} export request`, [
        { field: 'body', reason: (error as Error).message },
      ]);
    }
  } else {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new BadRequestError('body is not JSON', [{ field: 'body', reason: (error as Error).message }]);
    }
    const top = TOP_FIELD[signal];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new BadRequestError(`body is not an OTLP ${signal} export request`, [
        { field: 'body', reason: `expected an object with "${top}"` },
      ]);
    }
    const keys = Object.keys(value);
    if (keys.length > 0 && !keys.includes(top)) {
      throw new BadRequestError(`body is not an OTLP ${signal} export request`, [
        { field: 'body', reason: `expected "${top}", found ${keys.slice(0, 5).join(', ')}` },
      ]);
    }
  }
  const parsed = SCHEMA[signal].safeParse(value);
  if (!parsed.success)
    throw new BadRequestError(`invalid OTLP ${signal} export request`, issuesToDetails(parsed.error.issues.slice(0, 5), 'body'));
  return parsed.data as ExportRequests[S];
}
