import { describe, expect, it } from 'vitest';
import { exportAnswer, failureAnswer } from '../../../../lib/api/routes/otlp-response.ts';
import { decodeResponse, decodeStatus } from '../../../../lib/otlp/proto.ts';

const bytesOf = (body: string | undefined) => new Uint8Array(Buffer.from(body ?? '', 'base64'));

describe('OTLP answers', () => {
  it('answers in the encoding it was asked in, partial success with the count as proto3 JSON writes int64', () => {
    const json = exportAnswer('logs', 'json', { rejected: 2, message: 'two bad' });
    expect(json).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(String(json.body))).toEqual({ partialSuccess: { rejectedLogRecords: '2', errorMessage: 'two bad' } });
    const binary = exportAnswer('traces', 'protobuf', { rejected: 1, message: 'no model' });
    expect(binary).toMatchObject({ statusCode: 200, isBase64Encoded: true, headers: { 'content-type': 'application/x-protobuf' } });
    expect(decodeResponse('traces', bytesOf(binary.body))).toEqual({ partialSuccess: { rejectedSpans: 1, errorMessage: 'no model' } });
  });

  it('leaves partial success out on full success', () => {
    expect(JSON.parse(String(exportAnswer('metrics', 'json', { rejected: 0, message: null }).body))).toEqual({});
    expect(exportAnswer('metrics', 'protobuf', { rejected: 0, message: null }).body).toBe('');
  });

  it('sends failures as a Status, with Retry-After when the client should come back', () => {
    const busy = failureAnswer('protobuf', 503, 'the lake could not be written; retry later', 5);
    expect(busy).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5' } });
    expect(decodeStatus(bytesOf(busy.body))).toEqual({ message: 'the lake could not be written; retry later' });
    expect(JSON.parse(String(failureAnswer('json', 400, 'body is not JSON').body))).toEqual({ message: 'body is not JSON' });
  });
});
