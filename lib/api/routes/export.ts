// GET /v1/export: a period's records or daily sums as CSV, JSON, NDJSON, Parquet or FOCUS
// (lib/export/run-export.ts encodes them). Answered inline (200, Content-Disposition,
// x-row-count) when the encoded answer fits the Lambda response limit; a larger one is written to
// `exports/` and answered 303 See Other with the presigned GET URL (valid 15 minutes) in Location
// and a JSON link body.

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { exportForQuery, exportQuerySchema } from '../../analytics/export-query.ts';
import { HttpError } from '../../core/errors.ts';
import { exportDatasets, exportFormats } from '../../export/run-export.ts';
import { EXPORTS_PREFIX } from '../../store/layout.ts';
import { createPricer } from '../../usage/pricing/price.ts';
import { contentResponse, defineRoute, jsonResponse } from '../contract.ts';

/** Lambda answers at most 6 MB; keep a margin for headers and the response envelope. */
const DEFAULT_EXPORT_INLINE_LIMIT_BYTES = 5_000_000;
const EXPORT_URL_SECONDS = 15 * 60;

/**
 * Where to fetch an export too large to answer inline (also in the 303's Location header).
 * @example {"url":"https://acme-llm-lake.s3.amazonaws.com/exports/3f…c1.csv?X-Amz-Signature=…","expires_at":"2026-03-15T12:49:56.000Z",
 *  "key":"exports/3f…c1.csv","format":"csv","dataset":"usage","rows":120000,"bytes":31000000,"content_type":"text/csv; charset=utf-8",
 *  "filename":"tokenlake-usage-2026-02-14-to-2026-03-15.csv"}
 */
const exportLinkResponseSchema = z.object({
  /** Presigned GET URL of the export; no key needed (send none: the URL is its own credential). */
  url: z.string(),
  expires_at: z.iso.datetime(),
  /** The object's key in the bucket, under exports/. */
  key: z.string(),
  format: z.enum(exportFormats),
  dataset: z.enum(exportDatasets),
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

/** FOCUS metadata reference, readable without opening the data (metadata/schema/schema.mdpp). */
const focusHeaderSpecs = {
  'x-focus-version': { description: 'format=focus: the FOCUS specification version the file follows (1.2).', required: false },
  'x-focus-schema-id': { description: 'format=focus: the id of the column schema (see docs/focus.md).', required: false },
};

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
  const { deps } = context;
  const file = await exportForQuery(
    {
      store: deps.store,
      // FOCUS list prices come from the table analyze prices with (the built-in one when none is configured).
      pricer: deps.analysis?.pricer ?? createPricer(),
      anonymizationKey: deps.anonymizationKey,
      now: deps.now(),
      timeZone: deps.timeZone,
      log: deps.log,
    },
    q,
  );
  const { body, filename } = file;
  const rows = String(file.rows);
  const limit = deps.exportInlineLimitBytes ?? DEFAULT_EXPORT_INLINE_LIMIT_BYTES;
  const size = encodedSize(body, limit);

  if (size <= limit) {
    return {
      status: 200,
      contentType: file.contentType,
      body,
      headers: {
        'content-disposition': `attachment; filename="${filename}"`,
        'x-row-count': rows,
        'cache-control': 'no-store',
        ...file.focusHeaders,
      },
    };
  }

  const { store } = deps;
  if (!store.presignGet) {
    throw new HttpError(503, `the export is ${size} bytes, over the inline limit of ${limit}, and this store cannot presign URLs`, [
      { field: 'from', reason: 'narrow the period (or use fields=) to answer inline' },
    ]);
  }
  const key = `${EXPORTS_PREFIX}${randomBytes(16).toString('hex')}.${file.extension}`;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  await store.put(key, bytes, { contentType: file.contentType });
  const url = await store.presignGet(key, EXPORT_URL_SECONDS, { downloadName: filename });
  deps.log.info('export written for download', { key, bytes: bytes.byteLength, rows: file.rows });
  return {
    status: 303,
    headers: { location: url, 'x-row-count': rows, ...file.focusHeaders },
    body: {
      url,
      expires_at: new Date(deps.now().getTime() + EXPORT_URL_SECONDS * 1000).toISOString(),
      key,
      format: q.format,
      dataset: q.dataset,
      rows: file.rows,
      bytes: bytes.byteLength,
      content_type: file.contentType,
      filename,
    },
  };
});
