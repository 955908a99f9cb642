// The OTLP protobuf wire format of the three export requests and their answers, decoded and
// encoded by protobufjs from a reflection descriptor. Owns field numbers and types only; what the
// fields mean is lib/otlp/schema.ts's, and no mapping happens here.

import protobuf from 'protobufjs/light.js';

// The descriptor follows opentelemetry-proto (opentelemetry/proto/{common,resource,logs,metrics,
// trace}/v1/*.proto, collector/*/v1/*_service.proto, v1.x) for the fields tokenlake reads; others
// are skipped by protobufjs as unknown fields, as the spec asks of receivers. google.rpc.Status
// (googleapis google/rpc/status.proto) is the body of error answers. tests/lib/otlp/proto.test.ts
// holds it to OpenTelemetry's own serializers.

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const field = (type: string, id: number) => ({ type, id });

/** protobufjs JSON descriptor; names are the proto3 JSON (lowerCamelCase) names. */
const descriptor = {
  nested: {
    AnyValue: {
      fields: {
        stringValue: field('string', 1),
        boolValue: field('bool', 2),
        intValue: field('int64', 3),
        doubleValue: field('double', 4),
        arrayValue: field('ArrayValue', 5),
        kvlistValue: field('KeyValueList', 6),
        bytesValue: field('bytes', 7),
      },
    },
    ArrayValue: { fields: { values: repeated('AnyValue', 1) } },
    KeyValueList: { fields: { values: repeated('KeyValue', 1) } },
    KeyValue: { fields: { key: field('string', 1), value: field('AnyValue', 2) } },
    InstrumentationScope: { fields: { name: field('string', 1), version: field('string', 2), attributes: repeated('KeyValue', 3) } },
    Resource: { fields: { attributes: repeated('KeyValue', 1) } },

    LogRecord: {
      fields: {
        timeUnixNano: field('fixed64', 1),
        observedTimeUnixNano: field('fixed64', 11),
        severityNumber: field('int32', 2),
        severityText: field('string', 3),
        body: field('AnyValue', 5),
        attributes: repeated('KeyValue', 6),
        traceId: field('bytes', 9),
        spanId: field('bytes', 10),
        eventName: field('string', 12),
      },
    },
    ScopeLogs: { fields: { scope: field('InstrumentationScope', 1), logRecords: repeated('LogRecord', 2) } },
    ResourceLogs: { fields: { resource: field('Resource', 1), scopeLogs: repeated('ScopeLogs', 2) } },
    ExportLogsServiceRequest: { fields: { resourceLogs: repeated('ResourceLogs', 1) } },

    NumberDataPoint: {
      fields: {
        attributes: repeated('KeyValue', 7),
        startTimeUnixNano: field('fixed64', 2),
        timeUnixNano: field('fixed64', 3),
        asDouble: field('double', 4),
        asInt: field('sfixed64', 6),
        flags: field('uint32', 8),
      },
    },
    Gauge: { fields: { dataPoints: repeated('NumberDataPoint', 1) } },
    // aggregation_temporality is an enum on the wire (a varint), read as its number.
    Sum: {
      fields: { dataPoints: repeated('NumberDataPoint', 1), aggregationTemporality: field('int32', 2), isMonotonic: field('bool', 3) },
    },
    Metric: {
      fields: {
        name: field('string', 1),
        description: field('string', 2),
        unit: field('string', 3),
        gauge: field('Gauge', 5),
        sum: field('Sum', 7),
      },
    },
    ScopeMetrics: { fields: { scope: field('InstrumentationScope', 1), metrics: repeated('Metric', 2) } },
    ResourceMetrics: { fields: { resource: field('Resource', 1), scopeMetrics: repeated('ScopeMetrics', 2) } },
    ExportMetricsServiceRequest: { fields: { resourceMetrics: repeated('ResourceMetrics', 1) } },

    SpanStatus: { fields: { message: field('string', 2), code: field('int32', 3) } },
    Span: {
      fields: {
        traceId: field('bytes', 1),
        spanId: field('bytes', 2),
        parentSpanId: field('bytes', 4),
        name: field('string', 5),
        kind: field('int32', 6),
        startTimeUnixNano: field('fixed64', 7),
        endTimeUnixNano: field('fixed64', 8),
        attributes: repeated('KeyValue', 9),
        status: field('SpanStatus', 15),
      },
    },
    ScopeSpans: { fields: { scope: field('InstrumentationScope', 1), spans: repeated('Span', 2) } },
    ResourceSpans: { fields: { resource: field('Resource', 1), scopeSpans: repeated('ScopeSpans', 2) } },
    ExportTraceServiceRequest: { fields: { resourceSpans: repeated('ResourceSpans', 1) } },

    ExportLogsPartialSuccess: { fields: { rejectedLogRecords: field('int64', 1), errorMessage: field('string', 2) } },
    ExportLogsServiceResponse: { fields: { partialSuccess: field('ExportLogsPartialSuccess', 1) } },
    ExportMetricsPartialSuccess: { fields: { rejectedDataPoints: field('int64', 1), errorMessage: field('string', 2) } },
    ExportMetricsServiceResponse: { fields: { partialSuccess: field('ExportMetricsPartialSuccess', 1) } },
    ExportTracePartialSuccess: { fields: { rejectedSpans: field('int64', 1), errorMessage: field('string', 2) } },
    ExportTraceServiceResponse: { fields: { partialSuccess: field('ExportTracePartialSuccess', 1) } },
    Status: { fields: { code: field('int32', 1), message: field('string', 2) } },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** The three OTLP signals, named as in the URL path (`/v1/logs`, `/v1/metrics`, `/v1/traces`). */
export type Signal = 'logs' | 'metrics' | 'traces';

const REQUEST_TYPE: Record<Signal, protobuf.Type> = {
  logs: root.lookupType('ExportLogsServiceRequest'),
  metrics: root.lookupType('ExportMetricsServiceRequest'),
  traces: root.lookupType('ExportTraceServiceRequest'),
};
const RESPONSE_TYPE: Record<Signal, protobuf.Type> = {
  logs: root.lookupType('ExportLogsServiceResponse'),
  metrics: root.lookupType('ExportMetricsServiceResponse'),
  traces: root.lookupType('ExportTraceServiceResponse'),
};
const STATUS_TYPE = root.lookupType('Status');

/** The partial-success field that counts rejected items, per signal. */
export const REJECTED_FIELD: Record<Signal, 'rejectedLogRecords' | 'rejectedDataPoints' | 'rejectedSpans'> = {
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
  traces: 'rejectedSpans',
};

/**
 * A binary export request as the plain object its OTLP/JSON encoding would parse to: 64-bit
 * integers as decimal strings, enums as numbers, and trace/span ids as hex (the OTLP/JSON
 * deviation from proto3 JSON), so one schema validates both encodings. Throws on bytes that are
 * not a valid message.
 */
export function decodeRequest(signal: Signal, bytes: Uint8Array): unknown {
  const type = REQUEST_TYPE[signal];
  const message = type.decode(bytes);
  const plain = type.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false }) as Record<string, unknown>;
  if (signal === 'traces') hexSpanIds(plain);
  return plain;
}

function base64ToHex(value: unknown): unknown {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('hex') : value;
}

function hexSpanIds(request: Record<string, unknown>): void {
  for (const rs of asArray(request.resourceSpans)) {
    for (const ss of asArray((rs as Record<string, unknown>).scopeSpans)) {
      for (const span of asArray((ss as Record<string, unknown>).spans) as Array<Record<string, unknown>>) {
        for (const key of ['traceId', 'spanId', 'parentSpanId']) if (key in span) span[key] = base64ToHex(span[key]);
      }
    }
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `Export<Signal>ServiceResponse`; no partial success = an empty message (zero bytes). */
export function encodeResponse(signal: Signal, partial: { rejected: number; errorMessage: string } | null): Uint8Array {
  const type = RESPONSE_TYPE[signal];
  const value = partial ? { partialSuccess: { [REJECTED_FIELD[signal]]: partial.rejected, errorMessage: partial.errorMessage } } : {};
  return type.encode(type.fromObject(value)).finish();
}

/** google.rpc.Status for 4xx/5xx answers (the spec leaves `code` optional; it is omitted). */
export function encodeStatus(message: string): Uint8Array {
  return STATUS_TYPE.encode(STATUS_TYPE.fromObject({ message })).finish();
}

/** Test helper counterpart of decodeRequest for building binary payloads from plain objects. */
export function encodeRequest(signal: Signal, value: Record<string, unknown>): Uint8Array {
  const type = REQUEST_TYPE[signal];
  return type.encode(type.fromObject(value)).finish();
}

/** Decodes an answer (tests read what the receiver said). */
export function decodeResponse(signal: Signal, bytes: Uint8Array): Record<string, unknown> {
  const type = RESPONSE_TYPE[signal];
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as Record<string, unknown>;
}

export function decodeStatus(bytes: Uint8Array): { message?: string } {
  return STATUS_TYPE.toObject(STATUS_TYPE.decode(bytes), { defaults: false }) as { message?: string };
}
