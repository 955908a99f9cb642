import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../../lib/core/errors.ts';
import { decodeExportRequest, encodingOf, inflateBody, MAX_BODY_BYTES, MAX_DECODED_BYTES } from '../../../lib/otlp/body.ts';
import { encodeRequest } from '../../../lib/otlp/proto.ts';
import { CLAUDE_CODE_RESOURCE, claudeCodeUserPrompt, logsRequest } from '../../support/otlp-payloads.ts';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const payload = logsRequest(CLAUDE_CODE_RESOURCE, [claudeCodeUserPrompt('s', 1, '2026-08-01T10:00:00.000Z')]);

describe('OTLP/HTTP bodies', () => {
  it('picks the encoding from the content type and refuses anything else with 415', () => {
    expect(encodingOf('application/x-protobuf')).toBe('protobuf');
    expect(encodingOf('application/json; charset=utf-8')).toBe('json');
    expect(() => encodingOf('application/grpc')).toThrow(UnsupportedMediaTypeError);
    expect(() => encodingOf(undefined)).toThrow(/got none/);
  });

  it('reads the same request from JSON, binary and gzip-compressed binary', () => {
    const json = decodeExportRequest('logs', 'json', utf8(JSON.stringify(payload)));
    const binary = decodeExportRequest('logs', 'protobuf', encodeRequest('logs', payload));
    const gzipped = decodeExportRequest('logs', 'protobuf', inflateBody(gzipSync(encodeRequest('logs', payload)), 'gzip'));
    expect(binary).toEqual(json);
    expect(gzipped).toEqual(json);
    expect(json.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords).toHaveLength(1);
  });

  it('answers 413 for a body over the limit and for gzip that inflates past it, 400 for broken gzip, 415 for other codings', () => {
    expect(() => inflateBody(new Uint8Array(MAX_BODY_BYTES + 1), undefined)).toThrow(PayloadTooLargeError);
    const bomb = gzipSync(Buffer.alloc(MAX_DECODED_BYTES + 1024));
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
    expect(() => inflateBody(bomb, 'gzip')).toThrow(PayloadTooLargeError);
    expect(() => inflateBody(utf8('not gzip'), 'gzip')).toThrow(BadRequestError);
    expect(() => inflateBody(utf8('{}'), 'br')).toThrow(UnsupportedMediaTypeError);
  });

  it('refuses undecodable protobuf, non-JSON, JSON that is not this export request, and a malformed envelope with 400', () => {
    expect(() => decodeExportRequest('logs', 'protobuf', Uint8Array.from([0x0a, 0x05, 0x01]))).toThrow(/not a protobuf-encoded OTLP logs/);
    expect(() => decodeExportRequest('logs', 'json', utf8('{"resourceLogs":'))).toThrow(/not JSON/);
    expect(() => decodeExportRequest('logs', 'json', utf8('[1,2]'))).toThrow(/not an OTLP logs export request/);
    expect(caught(() => decodeExportRequest('logs', 'json', utf8('{"events":[{"event_type":"task.completed"}]}')))).toMatchObject({
      statusCode: 400,
      details: [{ field: 'body', reason: 'expected "resourceLogs", found events' }],
    });
    expect(() => decodeExportRequest('metrics', 'json', utf8('{"resourceMetrics":{"oops":1}}'))).toThrow(BadRequestError);
  });

  it('accepts an empty request as the spec asks', () => {
    expect(decodeExportRequest('traces', 'json', utf8('{}'))).toEqual({});
    expect(decodeExportRequest('traces', 'protobuf', new Uint8Array())).toEqual({});
  });
});
