// POST /v1/otlp/v1/{logs,metrics,traces}: the OTLP/HTTP receiver, so OTEL_EXPORTER_OTLP_ENDPOINT=
// <api>/v1/otlp works with the standard path suffixes. A thin adapter: the body's bytes go to
// lib/otlp (decode, map, land) and the outcome comes back in the request's own encoding.

import { HttpError, ServiceUnavailableError } from '../errors.ts';
import { decodeExportRequest, type Encoding, encodingOf, inflateBody, MAX_BODY_BYTES } from '../otlp/body.ts';
import { ingestOtlp } from '../otlp/ingest.ts';
import type { Signal } from '../otlp/proto.ts';
import { exportAnswer, failureAnswer } from '../otlp/response.ts';
import type { ApiResponse } from './http.ts';
import type { Route, RouteContext } from './router.ts';

const SIGNALS: readonly Signal[] = ['logs', 'metrics', 'traces'];

async function receive(signal: Signal, context: RouteContext): Promise<ApiResponse> {
  const { request, deps } = context;
  // Until the content type is known, failures are answered in JSON.
  let encoding: Encoding = 'json';
  try {
    if (Object.keys(request.query).length > 0) throw new HttpError(400, 'OTLP export requests take no query parameters');
    encoding = encodingOf(request.headers['content-type']);
    const bytes = inflateBody(request.rawBody ?? Buffer.from(request.body ?? '', 'utf8'), request.headers['content-encoding']);
    const exported = decodeExportRequest(signal, encoding, bytes);
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
    return exportAnswer(signal, encoding, result);
  } catch (error) {
    if (error instanceof ServiceUnavailableError) return failureAnswer(encoding, 503, error.message, error.retryAfterSeconds);
    if (error instanceof HttpError && error.statusCode < 500) {
      const detail = error.details[0];
      return failureAnswer(encoding, error.statusCode, detail ? `${error.message}: ${detail.field}: ${detail.reason}` : error.message);
    }
    throw error;
  }
}

function routeFor(signal: Signal): Route {
  return {
    method: 'POST',
    path: `/v1/otlp/v1/${signal}`,
    scope: 'ingest',
    summary:
      `OTLP/HTTP ${signal} export (application/x-protobuf or application/json, gzip allowed, ≤ ${MAX_BODY_BYTES} bytes). ` +
      'Usage-bearing telemetry (Claude Code, Codex, Gemini CLI events; Claude Code token/cost counters; GenAI spans) lands in the lake.',
    responses: {
      '200': {
        description: `Export${signal === 'traces' ? 'Trace' : signal === 'logs' ? 'Logs' : 'Metrics'}ServiceResponse; partial_success names what was rejected`,
        contentType: ['application/x-protobuf', 'application/json'],
      },
      '400': { description: 'undecodable body or not an OTLP export request (google.rpc.Status)' },
      '413': { description: 'body over the size limit (after gzip too)' },
      '415': { description: 'content-type or content-encoding not OTLP/HTTP' },
      '503': { description: 'the lake could not be written; Retry-After says when to try again' },
    },
    handle: (context) => receive(signal, context),
  };
}

export const otlpRoutes: Route[] = SIGNALS.map(routeFor);
