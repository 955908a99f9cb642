// GET /v1/export: the seed's `export_data`. Reads the lake objects of the period (usage, events)
// or its rollups (daily), writes CSV, JSON, NDJSON, Parquet or FOCUS, and answers inline when the
// encoded answer fits the Lambda response limit; a larger one is written to `exports/` and answered
// with a presigned GET URL valid 15 minutes. Always with Content-Disposition and x-row-count.

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { BadRequestError, HttpError } from '../errors.ts';
import { type AnonymizableField, anonymizableFields, createAnonymizer, resolveAnonymizationKey } from '../export/anonymize.ts';
import { toCsv, toCsvRows } from '../export/csv.ts';
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
} from '../export/datasets.ts';
import { FOCUS_COLUMNS, FOCUS_VERSION, focusMetadata, focusTable } from '../export/focus.ts';
import { toJsonArray, toJsonElements } from '../export/json.ts';
import { toNdjson } from '../export/ndjson.ts';
import { toParquet } from '../export/parquet.ts';
import { type ColumnSpec, type ExportTable, selectColumns } from '../export/table.ts';
import { createPricer, type Pricer } from '../pricing/price.ts';
import { datasetPrefix, EXPORTS_PREFIX } from '../store/layout.ts';
import type { ApiResponse } from './http.ts';
import { json } from './http.ts';
import { alignToHours, type Period, periodQueryShape, resolvePeriod } from './period.ts';
import { loadPeriodRollups } from './rollup-query.ts';
import type { Route, RouteContext } from './router.ts';
import { parseQuery } from './routes.ts';

/** Lambda answers at most 6 MB; keep a margin for headers and the response envelope. */
export const DEFAULT_EXPORT_INLINE_LIMIT_BYTES = 5_000_000;
export const EXPORT_URL_SECONDS = 15 * 60;

const formats = ['csv', 'json', 'ndjson', 'parquet', 'focus'] as const;
type ExportFormat = (typeof formats)[number];
const datasets = ['usage', 'daily', 'events'] as const;
type ExportDataset = (typeof datasets)[number];

const FORMAT_MEDIA: Record<ExportFormat, { contentType: string; extension: string; binary: boolean }> = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv', binary: false },
  focus: { contentType: 'text/csv; charset=utf-8', extension: 'csv', binary: false },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json', binary: false },
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson', binary: false },
  parquet: { contentType: 'application/vnd.apache.parquet', extension: 'parquet', binary: true },
};

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

export const exportLinkResponseSchema = z.object({
  /** Presigned GET URL of the export; no key needed. */
  url: z.string(),
  expires_at: z.string(),
  key: z.string(),
  format: z.enum(formats),
  dataset: z.enum(datasets),
  rows: z.int(),
  bytes: z.int(),
  content_type: z.string(),
  filename: z.string(),
});

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

const exportRoute: Route = {
  method: 'GET',
  path: '/v1/export',
  scope: 'read',
  summary:
    'Export a period as CSV, JSON, NDJSON, Parquet or FOCUS. Inline when the answer is small; otherwise written to exports/ ' +
    'and answered with a presigned URL valid 15 minutes. Always with Content-Disposition and x-row-count.',
  query: exportQuerySchema,
  responses: {
    '200': {
      description:
        'The export itself (inline; Content-Disposition: attachment; x-row-count), or — when larger than the inline limit — ' +
        'a JSON link to it (content-type application/json, same x-row-count).',
      contentType: ['text/csv', 'application/json', 'application/x-ndjson', 'application/vnd.apache.parquet'],
    },
    '400': { description: 'A bad or unknown query parameter; `details` names each field and why.' },
    '401': { description: 'No or an unknown bearer key.' },
    '403': { description: 'The key lacks the `read` scope.' },
  },
  async handle(context) {
    const q = parseQuery(context, exportQuerySchema);
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
      const headers = {
        'content-type': media.contentType,
        'content-disposition': `attachment; filename="${filename}"`,
        'x-row-count': rows,
        'cache-control': 'no-store',
        ...focusHeaders(q.format),
      };
      const response: ApiResponse =
        typeof body === 'string'
          ? { statusCode: 200, headers, body }
          : { statusCode: 200, headers, body: Buffer.from(body).toString('base64'), isBase64Encoded: true };
      return response;
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
    return json(
      200,
      {
        url,
        expires_at: new Date(context.deps.now().getTime() + EXPORT_URL_SECONDS * 1000).toISOString(),
        key,
        format: q.format,
        dataset: q.dataset,
        rows: rowCount,
        bytes: bytes.byteLength,
        content_type: media.contentType,
        filename,
      } satisfies z.infer<typeof exportLinkResponseSchema>,
      { 'x-row-count': rows, 'content-disposition': 'inline', ...focusHeaders(q.format) },
    );
  },
};

export const exportRoutes: Route[] = [exportRoute];
