// GET /v1/export: a period's lake records (usage, events) or daily sums (from the rollups) as CSV,
// JSON, NDJSON, Parquet or FOCUS. Answered inline (200, Content-Disposition, x-row-count) when the
// encoded answer fits the Lambda response limit; a larger one is written to `exports/` and answered
// 303 See Other with the presigned GET URL (valid 15 minutes) in Location and a JSON link body.

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { alignToHours, type Period, periodQueryShape, resolvePeriod } from '../../analytics/period.ts';
import { loadPeriodRollups } from '../../analytics/rollup-query.ts';
import { BadRequestError, HttpError } from '../../core/errors.ts';
import { toCsv, toCsvRows } from '../../export/csv.ts';
import {
  DAILY_COLUMNS,
  dailyTable,
  EVENT_COLUMNS,
  eventsTable,
  loadEventRecords,
  loadUsageRecords,
  USAGE_COLUMNS,
  usageRecordsByDay,
  usageTable,
} from '../../export/datasets.ts';
import { FOCUS_COLUMNS, FOCUS_VERSION, focusMetadata, focusTable } from '../../export/focus.ts';
import { toJsonArray, toJsonElements } from '../../export/json.ts';
import { toNdjson } from '../../export/ndjson.ts';
import { toParquet } from '../../export/parquet.ts';
import { type ColumnSpec, type ExportTable, selectColumns } from '../../export/table.ts';
import { createPricer, type Pricer } from '../../pricing/price.ts';
import { datasetPrefix, EXPORTS_PREFIX } from '../../store/layout.ts';
import { type AnonymizableField, anonymizableFields, createAnonymizer, resolveAnonymizationKey } from '../../usage/anonymize.ts';
import { contentResponse, defineRoute, jsonResponse, type RouteContext } from '../contract.ts';

/** Lambda answers at most 6 MB; keep a margin for headers and the response envelope. */
export const DEFAULT_EXPORT_INLINE_LIMIT_BYTES = 5_000_000;
export const EXPORT_URL_SECONDS = 15 * 60;

const formats = ['csv', 'json', 'ndjson', 'parquet', 'focus'] as const;
type ExportFormat = (typeof formats)[number];
const datasets = ['usage', 'daily', 'events'] as const;
type ExportDataset = (typeof datasets)[number];

const FORMAT_MEDIA = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  focus: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  parquet: { contentType: 'application/vnd.apache.parquet', extension: 'parquet' },
} as const satisfies Record<ExportFormat, { contentType: string; extension: string }>;

const COLUMNS: Record<ExportDataset, ColumnSpec[]> = { usage: USAGE_COLUMNS, daily: DAILY_COLUMNS, events: EVENT_COLUMNS };

export const exportQuerySchema = z.object({
  format: z
    .enum(formats)
    .default('csv')
    .describe('csv (RFC 4180), json (one array), ndjson, parquet (typed columns), focus (FinOps FOCUS 1.2 CSV).'),
  dataset: z
    .enum(datasets)
    .default('usage')
    .describe('usage: the lake records; daily: sums per local day and group (from rollups); events: pushed events.'),
  fields: z.string().min(1).max(2000).optional().describe('Comma-separated columns to keep, in that order (not with format=focus).'),
  anonymize: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(`Comma-separated labels to replace by a keyed HMAC pseudonym: ${anonymizableFields.join(', ')}.`),
  ...periodQueryShape,
});

/**
 * Where to fetch an export too large to answer inline (also in the 303's Location header).
 * @example {"url":"https://acme-llm-lake.s3.amazonaws.com/exports/3f…c1.csv?X-Amz-Signature=…","expires_at":"2026-03-15T12:49:56.000Z",
 *  "key":"exports/3f…c1.csv","format":"csv","dataset":"usage","rows":120000,"bytes":31000000,"content_type":"text/csv; charset=utf-8",
 *  "filename":"tokenlake-usage-2026-02-14-to-2026-03-15.csv"}
 */
export const exportLinkResponseSchema = z.object({
  /** Presigned GET URL of the export; no key needed (send none: the URL is its own credential). */
  url: z.string(),
  expires_at: z.iso.datetime(),
  /** The object's key in the bucket, under exports/. */
  key: z.string(),
  format: z.enum(formats),
  dataset: z.enum(datasets),
  rows: z.int().nonnegative(),
  bytes: z.int().nonnegative(),
  content_type: z.string(),
  filename: z.string(),
});

/** A JSON export: one array of flat records (events keep their attributes and metrics objects). */
const exportJsonSchema = z.array(z.record(z.string(), z.unknown()));

const rowCountHeader = {
  description: 'Rows in the export (CSV: without the header line).',
  schema: z.string().regex(/^\d+$/),
  required: true,
} as const;

function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function checkFields(list: string[], dataset: ExportDataset): string[] {
  const known = COLUMNS[dataset].map((c) => c.name);
  const unknown = list.filter((f) => !known.includes(f));
  if (unknown.length > 0) {
    throw new BadRequestError('invalid query parameters', [
      { field: 'fields', reason: `unknown column(s) ${unknown.join(', ')} for dataset ${dataset} (known: ${known.join(', ')})` },
    ]);
  }
  if (new Set(list).size !== list.length)
    throw new BadRequestError('invalid query parameters', [{ field: 'fields', reason: 'a column is named twice' }]);
  return list;
}

function checkAnonymize(list: string[]): AnonymizableField[] {
  const unknown = list.filter((f) => !(anonymizableFields as readonly string[]).includes(f));
  if (unknown.length > 0) {
    throw new BadRequestError('invalid query parameters', [
      { field: 'anonymize', reason: `cannot anonymise ${unknown.join(', ')} (allowed: ${anonymizableFields.join(', ')})` },
    ]);
  }
  return [...new Set(list)] as AnonymizableField[];
}

function fileName(dataset: ExportDataset, format: ExportFormat, period: Period): string {
  const first = period.start.toISOString().slice(0, 10);
  const last = new Date(Math.max(period.start.getTime(), period.end.getTime() - 1)).toISOString().slice(0, 10);
  const name = format === 'focus' ? 'focus' : dataset;
  return `tokenlake-${name}-${first}-to-${last}.${FORMAT_MEDIA[format].extension}`;
}

/** FOCUS list prices come from the table analyze prices with (the built-in one when none is configured). */
function focusPricer(context: RouteContext): Pricer {
  return context.deps.analysis?.pricer ?? createPricer();
}

/** FOCUS metadata reference, readable without opening the data (metadata/schema/schema.mdpp). */
const focusHeaderSpecs = {
  'x-focus-version': { description: 'format=focus: the FOCUS specification version the file follows (1.2).', required: false },
  'x-focus-schema-id': { description: 'format=focus: the id of the column schema (see docs/focus.md).', required: false },
};

function focusHeaders(format: ExportFormat): Record<string, string> {
  return format === 'focus' ? { 'x-focus-version': FOCUS_VERSION, 'x-focus-schema-id': focusMetadata().SchemaId } : {};
}

async function buildTable(
  context: RouteContext,
  dataset: ExportDataset,
  format: ExportFormat,
  period: Period,
  anonymize: AnonymizableField[],
): Promise<ExportTable> {
  const { store } = context.deps;
  const key = anonymize.length > 0 ? await resolveAnonymizationKey(store, context.deps.anonymizationKey) : '';
  const anon = createAnonymizer(key, anonymize);
  if (dataset === 'daily') {
    const { rows } = await loadPeriodRollups(store, period, context.deps.log);
    return dailyTable(rows, period.timeZone, anon);
  }
  if (dataset === 'events') {
    const any = await store.listPrefixes(datasetPrefix('events'));
    if (any.length === 0) return { columns: EVENT_COLUMNS, rows: [] };
    return eventsTable((await loadEventRecords(store, period)).records, anon);
  }
  const { records } = await loadUsageRecords(store, period);
  return format === 'focus' ? focusTable(records, anon, focusPricer(context)) : usageTable(records, anon);
}

/**
 * Text exports of the usage dataset, one UTC day at a time: only one day's records and rows are
 * held at once (the encoded answer grows; records and rows do not), the same bytes as serialising
 * the whole period. FOCUS rows are per hour, so a day's charges never straddle two parts.
 */
async function serialiseUsageByDay(
  context: RouteContext,
  format: Exclude<ExportFormat, 'parquet'>,
  period: Period,
  anonymize: AnonymizableField[],
  fields: string[],
): Promise<{ body: string; rows: number }> {
  const key = anonymize.length > 0 ? await resolveAnonymizationKey(context.deps.store, context.deps.anonymizationKey) : '';
  const anon = createAnonymizer(key, anonymize);
  const parts: string[] = [];
  let rows = 0;
  let header: ExportTable | null = null;
  for await (const records of usageRecordsByDay(context.deps.store, period)) {
    let table = format === 'focus' ? focusTable(records, anon, focusPricer(context)) : usageTable(records, anon);
    if (fields.length > 0) table = selectColumns(table, fields);
    header ??= table;
    if (table.rows.length === 0) continue;
    if (format === 'csv' || format === 'focus') parts.push(toCsvRows(table));
    else if (format === 'ndjson') parts.push(toNdjson(table));
    else parts.push(toJsonElements(table));
    rows += table.rows.length;
  }
  const columns = header ?? { columns: format === 'focus' ? FOCUS_COLUMNS : USAGE_COLUMNS, rows: [] };
  const headerTable = fields.length > 0 && header === null ? selectColumns(columns, fields) : columns;
  if (format === 'csv' || format === 'focus') return { body: toCsv({ columns: headerTable.columns, rows: [] }) + parts.join(''), rows };
  if (format === 'ndjson') return { body: parts.join(''), rows };
  return { body: `[${parts.join(',\n')}]\n`, rows };
}

function serialise(table: ExportTable, format: ExportFormat): string | Uint8Array {
  switch (format) {
    case 'csv':
    case 'focus':
      return toCsv(table);
    case 'json':
      return toJsonArray(table);
    case 'ndjson':
      return toNdjson(table);
    case 'parquet':
      return toParquet(table);
  }
}

/** Bytes the answer takes inside Lambda's JSON response envelope (base64, or an escaped string). */
function encodedSize(body: string | Uint8Array, limit: number): number {
  if (typeof body !== 'string') return Math.ceil(body.byteLength / 3) * 4;
  const raw = Buffer.byteLength(body, 'utf8');
  // Escaping only grows a string; skip the copy when it is already too large.
  return raw > limit ? raw : Buffer.byteLength(JSON.stringify(body), 'utf8');
}

export const exportRoute = defineRoute({
  method: 'GET',
  path: '/v1/export',
  scope: 'read',
  tag: 'export',
  summary: 'Export a period as CSV, JSON, NDJSON, Parquet or FinOps FOCUS: inline, or through a download link when large.',
  description:
    'An export up to the inline limit (5 MB encoded) is the answer itself. A larger one is written to exports/ and answered ' +
    '303 See Other: Location holds a presigned URL valid 15 minutes (HTTP clients that follow redirects download the file; ' +
    'they must not forward the bearer key), and the body describes the link.',
  query: exportQuerySchema,
  responses: {
    200: contentResponse(
      'The export (Content-Disposition: attachment).',
      {
        'text/csv': { description: 'format=csv or focus (RFC 4180, CRLF line ends, a header line).' },
        'application/json': { schema: exportJsonSchema, description: 'format=json: one array of records.' },
        'application/x-ndjson': { description: 'format=ndjson: one JSON record per line.' },
        'application/vnd.apache.parquet': { binary: true, description: 'format=parquet: typed columns.' },
      },
      {
        headers: {
          'content-disposition': {
            description: 'attachment; filename="tokenlake-<dataset>-<first day>-to-<last day>.<ext>"',
            required: true,
          },
          'x-row-count': rowCountHeader,
          ...focusHeaderSpecs,
        },
      },
    ),
    303: jsonResponse('The export is over the inline limit: download it from Location.', exportLinkResponseSchema, {
      name: 'ExportLink',
      headers: {
        location: { description: 'The presigned download URL (the `url` of the body).', required: true },
        'x-row-count': rowCountHeader,
        ...focusHeaderSpecs,
      },
    }),
  },
  errors: {
    503: 'The export is over the inline limit and this store cannot presign a download URL, or a daily rollup of the period is corrupt.',
  },
}).handle(async (context) => {
  const q = context.query;
  if (q.format === 'focus' && q.dataset !== 'usage') {
    throw new BadRequestError('invalid query parameters', [{ field: 'dataset', reason: 'format=focus is built from the usage dataset' }]);
  }
  if (q.format === 'focus' && q.fields !== undefined) {
    throw new BadRequestError('invalid query parameters', [{ field: 'fields', reason: 'FOCUS has a fixed column set; drop fields' }]);
  }
  const fields = checkFields(splitList(q.fields), q.dataset);
  if (q.fields !== undefined && fields.length === 0) {
    throw new BadRequestError('invalid query parameters', [{ field: 'fields', reason: 'names no column' }]);
  }
  const anonymize = checkAnonymize(splitList(q.anonymize));
  const exact = resolvePeriod(q, context.deps.now(), context.deps.timeZone);
  // Daily sums come from the hourly rollups: whole hours.
  const period = q.dataset === 'daily' ? alignToHours(exact) : exact;

  let body: string | Uint8Array;
  let rowCount: number;
  if (q.dataset === 'usage' && q.format !== 'parquet') {
    ({ body, rows: rowCount } = await serialiseUsageByDay(context, q.format, period, anonymize, fields));
  } else {
    let table = await buildTable(context, q.dataset, q.format, period, anonymize);
    if (fields.length > 0) table = selectColumns(table, fields);
    body = serialise(table, q.format);
    rowCount = table.rows.length;
  }
  const media = FORMAT_MEDIA[q.format];
  const filename = fileName(q.dataset, q.format, period);
  const rows = String(rowCount);
  const limit = context.deps.exportInlineLimitBytes ?? DEFAULT_EXPORT_INLINE_LIMIT_BYTES;
  const size = encodedSize(body, limit);

  if (size <= limit) {
    return {
      status: 200,
      contentType: media.contentType,
      body,
      headers: {
        'content-disposition': `attachment; filename="${filename}"`,
        'x-row-count': rows,
        'cache-control': 'no-store',
        ...focusHeaders(q.format),
      },
    };
  }

  const { store } = context.deps;
  if (!store.presignGet) {
    throw new HttpError(503, `the export is ${size} bytes, over the inline limit of ${limit}, and this store cannot presign URLs`, [
      { field: 'from', reason: 'narrow the period (or use fields=) to answer inline' },
    ]);
  }
  const key = `${EXPORTS_PREFIX}${randomBytes(16).toString('hex')}.${media.extension}`;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  await store.put(key, bytes, { contentType: media.contentType });
  const url = await store.presignGet(key, EXPORT_URL_SECONDS, { downloadName: filename });
  context.deps.log.info('export written for download', { key, bytes: bytes.byteLength, rows: rowCount });
  return {
    status: 303,
    headers: { location: url, 'x-row-count': rows, ...focusHeaders(q.format) },
    body: {
      url,
      expires_at: new Date(context.deps.now().getTime() + EXPORT_URL_SECONDS * 1000).toISOString(),
      key,
      format: q.format,
      dataset: q.dataset,
      rows: rowCount,
      bytes: bytes.byteLength,
      content_type: media.contentType,
      filename,
    },
  };
});
