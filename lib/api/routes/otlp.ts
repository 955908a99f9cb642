// POST /v1/otlp/v1/{logs,metrics,traces}: the OTLP/HTTP receiver, so OTEL_EXPORTER_OTLP_ENDPOINT=
// <api>/v1/otlp works with the standard path suffixes. A thin adapter: the router checks the key,
// the media type, the size and undoes gzip; the bytes go to lib/otlp (decode, map, land) and the
// outcome comes back in the request's own encoding, as the OTLP/HTTP spec asks (a Status message
// for a body it cannot decode; Retry-After on 503).

import { z } from 'zod';
import { BadRequestError, ServiceUnavailableError } from '../../core/errors.ts';
import { decodeExportRequest, type Encoding, MAX_DECODED_BYTES } from '../../otlp/body.ts';
import { ingestOtlp } from '../../otlp/ingest.ts';
import { REJECTED_FIELD, type Signal } from '../../otlp/proto.ts';
import { binaryBody, contentResponse, defineRoute, errorBodySchema, type Route } from '../contract.ts';
import { exportAnswer, failureAnswer } from './otlp-response.ts';

const SIGNALS: readonly Signal[] = ['logs', 'metrics', 'traces'];
const SERVICE: Record<Signal, string> = { logs: 'Logs', metrics: 'Metrics', traces: 'Trace' };
const retryAfter = {
  'retry-after': { description: 'Seconds to wait before retrying.', schema: z.string().regex(/^\d+$/), required: true },
};

/** google.rpc.Status in proto3 JSON (what a failure body holds for a JSON request). */
const statusJsonSchema = z.object({ message: z.string() });

/** The ContentType → encoding of the answer; the router has already refused any other type. */
function encodingOf(mediaType: string): Encoding {
  return mediaType === 'application/x-protobuf' ? 'protobuf' : 'json';
}

function routeFor(signal: Signal): Route {
  const service = `Export${SERVICE[signal]}Service`;
  const partialJson = z.object({
    partialSuccess: z.object({ [REJECTED_FIELD[signal]]: z.string(), errorMessage: z.string() }).optional(),
  });
  return defineRoute({
    method: 'POST',
    path: `/v1/otlp/v1/${signal}`,
    scope: 'ingest',
    tag: 'ingest',
    summary: `Receive OTLP/HTTP ${signal} (protobuf or JSON, gzip allowed): usage-bearing telemetry lands in the lake.`,
    description:
      'What OpenTelemetry exporters send with OTEL_EXPORTER_OTLP_ENDPOINT=<api>/v1/otlp and the http/protobuf (or http/json) ' +
      'protocol: Claude Code, Codex and Gemini CLI events, Claude Code token/cost counters and GenAI spans become usage ' +
      'records; docs/sources.md has the mapping. gRPC is not served.',
    body: {
      description: `An ${service}Request, protobuf-encoded or in proto3 JSON.`,
      content: {
        'application/x-protobuf': binaryBody('Protobuf-encoded (what http/protobuf exporters send).'),
        'application/json': binaryBody('proto3 JSON (http/json exporters).'),
      },
      maxBytes: MAX_DECODED_BYTES,
      encodings: ['gzip'],
    },
    responses: {
      200: contentResponse(`An ${service}Response in the request's encoding; partial_success names what was rejected.`, {
        'application/x-protobuf': { binary: true, description: 'Protobuf-encoded.' },
        'application/json': { schema: partialJson, description: 'proto3 JSON (int64 counts as strings).' },
      }),
      400: contentResponse('Not an OTLP export request: a google.rpc.Status in the request encoding (or the usual error body).', {
        'application/x-protobuf': { binary: true, description: 'A protobuf google.rpc.Status.' },
        'application/json': { schema: z.union([statusJsonSchema, errorBodySchema]) },
      }),
      503: contentResponse(
        'The lake could not be written: retry after Retry-After seconds (every write is idempotent).',
        {
          'application/x-protobuf': { binary: true, description: 'A protobuf google.rpc.Status.' },
          'application/json': { schema: statusJsonSchema },
        },
        { headers: retryAfter },
      ),
    },
    errors: {
      413: `Over ${MAX_DECODED_BYTES} bytes once gzip is undone.`,
      415: 'Another media type or content encoding.',
    },
  }).handle(async ({ body, deps }) => {
    const encoding = encodingOf(body.mediaType);
    const reply = (answer: ReturnType<typeof exportAnswer>) => ({
      contentType: encoding === 'protobuf' ? ('application/x-protobuf' as const) : ('application/json' as const),
      body: answer.body ?? '',
      isBase64Encoded: answer.isBase64Encoded ?? false,
    });
    let exported: ReturnType<typeof decodeExportRequest>;
    try {
      exported = decodeExportRequest(signal, encoding, body.bytes);
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      const detail = error.details[0];
      const message = detail ? `${error.message}: ${detail.field}: ${detail.reason}` : error.message;
      return { status: 400, ...reply(failureAnswer(encoding, 400, message)) };
    }
    try {
      const result = await ingestOtlp(
        {
          store: deps.store,
          now: deps.now(),
          log: deps.log,
          pricer: deps.analysis?.pricer ?? null,
          anonymization: { anonymize: deps.anonymize ?? [], hmacKey: deps.anonymizationKey },
        },
        signal,
        exported,
      );
      return { status: 200, ...reply(exportAnswer(signal, encoding, result)) };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError)) throw error;
      return {
        status: 503,
        headers: { 'retry-after': String(error.retryAfterSeconds) },
        ...reply(failureAnswer(encoding, 503, error.message, error.retryAfterSeconds)),
      };
    }
  });
}

export const otlpRoutes: Route[] = SIGNALS.map(routeFor);
