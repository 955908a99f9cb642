// The OTLP export requests as plain data (the OTLP/JSON shape, which the binary path decodes to
// as well), validated with zod: the envelope strictly (a bad one is a 400), each log record, metric
// and span on its own (a bad one is rejected, the rest lands). Also the value helpers every
// mapper shares: attributes as a flat map, nanosecond timestamps, whole-number counts.

import { z } from 'zod';

/** OTLP AnyValue (common.proto); one member is set. */
interface AnyValue {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | string | undefined;
  arrayValue?: { values?: AnyValue[] | undefined } | undefined;
  kvlistValue?: { values?: KeyValue[] | undefined } | undefined;
  bytesValue?: string | undefined;
}
interface KeyValue {
  key: string;
  value?: AnyValue | undefined;
}

// 64-bit integers: a decimal string (proto3 JSON and the binary path) or a JSON number.
const int64Schema = z.union([
  z.string().regex(/^-?\d{1,20}$/, 'not a 64-bit integer'),
  z.number().refine(Number.isInteger, 'not an integer'),
]);
const nanosSchema = z.union([
  z.string().regex(/^\d{1,20}$/, 'not a nanosecond timestamp'),
  z.number().nonnegative().refine(Number.isInteger, 'not a nanosecond timestamp'),
]);

const anyValueSchema: z.ZodType<AnyValue> = z.object({
  stringValue: z.string().optional(),
  boolValue: z.boolean().optional(),
  intValue: int64Schema.optional(),
  // proto3 JSON writes NaN and ±Infinity as strings.
  doubleValue: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).optional(),
  get arrayValue() {
    return z.object({ values: z.array(anyValueSchema).optional() }).optional();
  },
  get kvlistValue() {
    return z.object({ values: z.array(keyValueSchema).optional() }).optional();
  },
  bytesValue: z.string().optional(),
});
const keyValueSchema: z.ZodType<KeyValue> = z.object({ key: z.string(), value: anyValueSchema.optional() });
const attributesSchema = z.array(keyValueSchema).optional();

const resourceSchema = z.object({ attributes: attributesSchema }).optional();
const scopeSchema = z.object({ name: z.string().optional(), version: z.string().optional() }).optional();

/** One LogRecord (logs.proto): the fields the mappers read. */
export const logRecordSchema = z.object({
  timeUnixNano: nanosSchema.optional(),
  observedTimeUnixNano: nanosSchema.optional(),
  body: anyValueSchema.optional(),
  attributes: attributesSchema,
  eventName: z.string().optional(),
});
export type LogRecord = z.infer<typeof logRecordSchema>;

/** A NumberDataPoint (metrics.proto). The value is checked by the mapper, which names what is wrong. */
export const numberDataPointSchema = z.object({
  attributes: attributesSchema,
  startTimeUnixNano: nanosSchema.optional(),
  timeUnixNano: nanosSchema.optional(),
  asDouble: z.unknown().optional(),
  asInt: int64Schema.optional(),
  flags: z.number().int().nonnegative().optional(),
});
export type NumberDataPoint = z.infer<typeof numberDataPointSchema>;

/** A Metric with a Sum or Gauge; other kinds (histograms, summaries) are not read. */
export const metricSchema = z.object({
  name: z.string(),
  unit: z.string().optional(),
  sum: z
    .object({
      dataPoints: z.array(z.unknown()).optional(),
      aggregationTemporality: z.number().int().optional(),
      isMonotonic: z.boolean().optional(),
    })
    .optional(),
  gauge: z.object({ dataPoints: z.array(z.unknown()).optional() }).optional(),
});

/** A Span (trace.proto); ids are hex in both encodings by the time they get here. */
export const spanSchema = z.object({
  traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, 'traceId is 16 bytes as hex'),
  spanId: z.string().regex(/^[0-9a-fA-F]{16}$/, 'spanId is 8 bytes as hex'),
  name: z.string().optional(),
  startTimeUnixNano: nanosSchema.optional(),
  endTimeUnixNano: nanosSchema.optional(),
  attributes: attributesSchema,
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
});
export type Span = z.infer<typeof spanSchema>;

// Envelopes: resource and scope are checked here; the items stay `unknown` until their mapper
// validates each one, so one malformed record rejects only itself.
const items = z.array(z.unknown()).optional();

/** ExportLogsServiceRequest. */
export const logsRequestSchema = z.object({
  resourceLogs: z
    .array(z.object({ resource: resourceSchema, scopeLogs: z.array(z.object({ scope: scopeSchema, logRecords: items })).optional() }))
    .optional(),
});
/** ExportMetricsServiceRequest. */
export const metricsRequestSchema = z.object({
  resourceMetrics: z
    .array(z.object({ resource: resourceSchema, scopeMetrics: z.array(z.object({ scope: scopeSchema, metrics: items })).optional() }))
    .optional(),
});
/** ExportTraceServiceRequest. */
export const tracesRequestSchema = z.object({
  resourceSpans: z
    .array(z.object({ resource: resourceSchema, scopeSpans: z.array(z.object({ scope: scopeSchema, spans: items })).optional() }))
    .optional(),
});
export type LogsRequest = z.infer<typeof logsRequestSchema>;
export type MetricsRequest = z.infer<typeof metricsRequestSchema>;
export type TracesRequest = z.infer<typeof tracesRequestSchema>;

// ── values ───────────────────────────────────────────────────────────────────────────────────

/** An attribute as a label: arrays and maps become their JSON text. */
export type AttributeValue = string | number | boolean;
export type Attributes = ReadonlyMap<string, AttributeValue>;

function plainValue(v: AnyValue | undefined): unknown {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) {
    const n = Number(v.intValue);
    // Beyond 2^53 a number would silently change the value; keep the digits.
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if (v.doubleValue !== undefined) return typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue);
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(plainValue);
  if (v.kvlistValue !== undefined) return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key, plainValue(kv.value)]));
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}

/** A string body or attribute value, or null. */
export function stringOf(v: AnyValue | undefined): string | null {
  return v?.stringValue ?? null;
}

/** The key/value list as a map; later keys win, empty values are left out. */
export function attributeMap(list: readonly KeyValue[] | undefined): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  for (const kv of list ?? []) {
    const v = plainValue(kv.value);
    if (v === null || v === undefined) continue;
    out.set(kv.key, typeof v === 'object' ? JSON.stringify(v) : (v as AttributeValue));
  }
  return out;
}

/** Record attributes over resource attributes (the record's own value wins). */
export function mergeAttributes(resource: Attributes, own: Attributes): Map<string, AttributeValue> {
  return new Map([...resource, ...own]);
}

/** A non-empty string attribute (numbers are ids too: `event.sequence`), or null. */
export function labelOf(attrs: Attributes, ...keys: string[]): string | null {
  for (const key of keys) {
    const v = attrs.get(key);
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return null;
}

/** Nanoseconds since the epoch → milliseconds; 0 and absent are "not set" (null). */
export function nanosToMs(v: string | number | undefined): number | null {
  if (v === undefined) return null;
  const ms = typeof v === 'string' ? Number(BigInt(v) / 1_000_000n) : Math.floor(v / 1e6);
  return ms > 0 ? ms : null;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A token count: a whole number ≥ 0 as an int, a whole double or a decimal string (tools send
 * all three). Beyond 2^53 it could not be stored exactly, so it is refused rather than rounded.
 */
export function countOf(v: AttributeValue | undefined, name: string): Parsed<number | null> {
  if (v === undefined) return { ok: true, value: null };
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*\d+(\.0+)?\s*$/.test(v)) {
    const digits = v.trim().replace(/\.0+$/, '');
    if (BigInt(digits) > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: `${name} = ${digits} is too large to count exactly` };
    n = Number(digits);
  } else return { ok: false, reason: `${name} must be a whole number ≥ 0, got ${JSON.stringify(v)}` };
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < 0) return { ok: false, reason: `${name} must be a whole number ≥ 0, got ${v}` };
  if (!Number.isSafeInteger(n)) return { ok: false, reason: `${name} = ${v} is too large to count exactly` };
  return { ok: true, value: n };
}

/** A finite number ≥ 0 (a duration, a cost) from a number or a decimal string. */
export function amountOf(v: AttributeValue | undefined, name: string): Parsed<number | null> {
  if (v === undefined) return { ok: true, value: null };
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) return { ok: false, reason: `${name} must be a finite number ≥ 0, got ${JSON.stringify(v)}` };
  return { ok: true, value: n };
}
