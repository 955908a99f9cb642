// The descriptor in lib/otlp/proto.ts against OpenTelemetry's own serializers: the same SDK data
// encoded as binary protobuf (ProtobufXSerializer) and as OTLP/JSON (JsonXSerializer) must read
// back identically, field by field, through decodeRequest and the request schemas.

import { SeverityNumber } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, decodeStatus, encodeResponse, encodeStatus } from '../../../lib/otlp/proto.ts';
import {
  logRecordSchema,
  logsRequestSchema,
  metricSchema,
  metricsRequestSchema,
  numberDataPointSchema,
  spanSchema,
  tracesRequestSchema,
} from '../../../lib/otlp/schema.ts';

const resource = resourceFromAttributes({ 'service.name': 'claude-code', 'service.version': '2.1.90', 'host.arch': 'arm64' });
const INT64_KEYS = new Set(['intValue', 'asInt', 'timeUnixNano', 'observedTimeUnixNano', 'startTimeUnixNano', 'endTimeUnixNano']);

/**
 * JSON may write int64 as numbers and hex ids in any case, and writes proto3 defaults (`code: 0`)
 * that the binary encoding leaves out; both mean the same message.
 */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== 0 && v !== '' && v !== false)
        .map(([k, v]) => [k, INT64_KEYS.has(k) ? String(v) : k === 'traceId' || k === 'spanId' ? String(v).toLowerCase() : normalize(v)]),
    );
  }
  return value;
}

function jsonOf(bytes: Uint8Array | undefined): unknown {
  return JSON.parse(new TextDecoder().decode(bytes));
}

describe('OTLP protobuf descriptor', () => {
  it('reads log records exactly as their OTLP/JSON encoding says', async () => {
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
    provider.getLogger('com.anthropic.claude_code.events').emit({
      eventName: 'claude_code.api_request',
      body: 'claude_code.api_request',
      severityNumber: SeverityNumber.INFO,
      timestamp: new Date('2026-08-01T10:00:00.123Z'),
      attributes: { 'session.id': 's1', input_tokens: 12, cost_usd: 0.5, ok: true, big: 2 ** 40, list: ['a', 1], nested: { k: 'v' } },
    });
    await provider.forceFlush();
    const records = memory.getFinishedLogRecords();
    const fromBinary = logsRequestSchema.parse(decodeRequest('logs', ProtobufLogsSerializer.serializeRequest(records)!));
    const fromJson = logsRequestSchema.parse(jsonOf(JsonLogsSerializer.serializeRequest(records)));
    const items = (r: typeof fromJson) => r.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.map((x) => logRecordSchema.parse(x));
    expect(normalize(items(fromBinary))).toEqual(normalize(items(fromJson)));
    expect(normalize(fromBinary.resourceLogs?.[0]?.resource)).toEqual(normalize(fromJson.resourceLogs?.[0]?.resource));
    expect(items(fromBinary)?.[0]).toMatchObject({ eventName: 'claude_code.api_request', timeUnixNano: '1785578400123000000' });
  });

  it('reads counters (delta sums, int and double points) exactly as their OTLP/JSON encoding says', async () => {
    class Reader extends MetricReader {
      protected onForceFlush = () => Promise.resolve();
      protected onShutdown = () => Promise.resolve();
    }
    const reader = new Reader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
    const meter = new MeterProvider({ resource, readers: [reader] }).getMeter('com.anthropic.claude_code');
    meter.createCounter('claude_code.token.usage', { unit: 'tokens' }).add(1500, { 'session.id': 's1', type: 'input', model: 'm' });
    meter.createCounter('claude_code.cost.usage', { unit: 'USD' }).add(0.0125, { 'session.id': 's1', model: 'm' });
    const { resourceMetrics } = await reader.collect();
    const fromBinary = metricsRequestSchema.parse(decodeRequest('metrics', ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!));
    const fromJson = metricsRequestSchema.parse(jsonOf(JsonMetricsSerializer.serializeRequest(resourceMetrics)));
    const items = (r: typeof fromJson) =>
      r.resourceMetrics?.[0]?.scopeMetrics?.[0]?.metrics?.map((m) => {
        const metric = metricSchema.parse(m);
        return { ...metric, sum: { ...metric.sum, dataPoints: metric.sum?.dataPoints?.map((p) => numberDataPointSchema.parse(p)) } };
      });
    expect(normalize(items(fromBinary))).toEqual(normalize(items(fromJson)));
    expect(
      items(fromBinary)?.map((m) => [m.name, m.sum.aggregationTemporality, m.sum.isMonotonic, m.sum.dataPoints?.[0]?.asDouble]),
    ).toEqual([
      ['claude_code.token.usage', 1, true, 1500],
      ['claude_code.cost.usage', 1, true, 0.0125],
    ]);
  });

  it('reads spans, ids as hex, exactly as their OTLP/JSON encoding says', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    const span = provider.getTracer('app').startSpan('chat gpt-4.1', {
      startTime: new Date('2026-08-01T07:00:00.000Z'),
      attributes: { 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.usage.input_tokens': 900 },
    });
    span.end(new Date('2026-08-01T07:00:01.750Z'));
    await provider.forceFlush();
    const spans = memory.getFinishedSpans();
    const fromBinary = tracesRequestSchema.parse(decodeRequest('traces', ProtobufTraceSerializer.serializeRequest(spans)!));
    const fromJson = tracesRequestSchema.parse(jsonOf(JsonTraceSerializer.serializeRequest(spans)));
    const items = (r: typeof fromJson) => r.resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.map((s) => spanSchema.parse(s));
    expect(normalize(items(fromBinary))).toEqual(normalize(items(fromJson)));
    expect(items(fromBinary)?.[0]?.spanId).toBe(spans[0]?.spanContext().spanId);
    expect(items(fromBinary)?.[0]?.traceId).toBe(spans[0]?.spanContext().traceId);
  });

  it('encodes answers the OpenTelemetry reader decodes: empty on success, counts and reasons on partial success', () => {
    expect(encodeResponse('logs', null)).toHaveLength(0);
    expect(decodeResponse('metrics', encodeResponse('metrics', { rejected: 3, errorMessage: 'NaN' }))).toEqual({
      partialSuccess: { rejectedDataPoints: 3, errorMessage: 'NaN' },
    });
    expect(ProtobufTraceSerializer.deserializeResponse(encodeResponse('traces', { rejected: 2, errorMessage: 'no model' }))).toMatchObject({
      partialSuccess: { rejectedSpans: 2, errorMessage: 'no model' },
    });
    expect(decodeStatus(encodeStatus('body is not JSON'))).toEqual({ message: 'body is not JSON' });
  });

  it('throws on bytes that are not a message', () => {
    expect(() => decodeRequest('logs', Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))).toThrow();
  });
});
