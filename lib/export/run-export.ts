// The export use case: a period's lake records (usage, events) or daily sums (from the rollups)
// encoded as CSV, JSON, NDJSON, Parquet or FOCUS, with its content type and file name. GET
// /v1/export and `tokenlake export` both call it, so both give the same bytes; how the file
// travels (inline, a presigned link, a local file) is theirs to decide.

import { z } from 'zod';
import { BadRequestError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { datasetPrefix } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { type AnonymizableField, anonymizableFields, createAnonymizer, resolveAnonymizationKey } from '../usage/anonymize.ts';
import type { Pricer } from '../usage/pricing/price.ts';
import type { RollupRow } from '../usage/rollup.ts';
import { toCsv, toCsvRows } from './csv.ts';
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
} from './datasets.ts';
import { FOCUS_COLUMNS, FOCUS_VERSION, focusMetadata, focusTable } from './focus.ts';
import { toJsonArray, toJsonElements } from './json.ts';
import { toNdjson } from './ndjson.ts';
import { toParquet } from './parquet.ts';
import { type ColumnSpec, type ExportTable, selectColumns } from './table.ts';

export const exportFormats = ['csv', 'json', 'ndjson', 'parquet', 'focus'] as const;
type ExportFormat = (typeof exportFormats)[number];
export const exportDatasets = ['usage', 'daily', 'events'] as const;
type ExportDataset = (typeof exportDatasets)[number];

const FORMAT_MEDIA = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  focus: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  parquet: { contentType: 'application/vnd.apache.parquet', extension: 'parquet' },
} as const satisfies Record<ExportFormat, { contentType: string; extension: string }>;

/** The media type and file extension of a format. */
type ExportMedia = (typeof FORMAT_MEDIA)[ExportFormat];

const COLUMNS: Record<ExportDataset, ColumnSpec[]> = { usage: USAGE_COLUMNS, daily: DAILY_COLUMNS, events: EVENT_COLUMNS };

/** The export's options besides its period (the period vocabulary lives with the queries, in lib/analytics/). */
export const exportOptionsShape = {
  format: z
    .enum(exportFormats)
    .default('csv')
    .describe('csv (RFC 4180), json (one array), ndjson, parquet (typed columns), focus (FinOps FOCUS 1.2 CSV).'),
  dataset: z
    .enum(exportDatasets)
    .default('usage')
    .describe('usage: the lake records; daily: sums per local day and group (from rollups); events: pushed events.'),
  fields: z.string().min(1).max(2000).optional().describe('Comma-separated columns to keep, in that order (not with format=focus).'),
  anonymize: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(`Comma-separated labels to replace by a keyed HMAC pseudonym: ${anonymizableFields.join(', ')}.`),
};

/** The instants exported, [start, end), and the zone of local days (daily sums, file name). */
interface ExportRange {
  start: Date;
  end: Date;
  timeZone: string;
}

interface ExportRequest {
  format: ExportFormat;
  dataset: ExportDataset;
  /** Comma-separated columns to keep, as the user wrote them. */
  fields?: string | undefined;
  /** Comma-separated labels to pseudonymise, as the user wrote them. */
  anonymize?: string | undefined;
  /** For dataset=daily, whole hours (the rollups are hourly). */
  range: ExportRange;
}

export interface ExportDeps {
  store: ObjectStore;
  /** FOCUS list prices come from it. */
  pricer: Pricer;
  /** HMAC key for anonymised exports; without one the key kept in the bucket is used. */
  anonymizationKey?: string | undefined;
  /** The hourly rollup rows whose hour starts in the range (dataset=daily). */
  loadHourRows(range: ExportRange, log?: Logger): Promise<ReadonlyArray<{ at: number; row: RollupRow }>>;
  log?: Logger;
}

export interface ExportFile {
  body: string | Uint8Array;
  /** Rows in the export (CSV: without the header line). */
  rows: number;
  contentType: ExportMedia['contentType'];
  extension: ExportMedia['extension'];
  filename: string;
  /** Headers describing a FOCUS file (its version and schema id); empty for the other formats. */
  focusHeaders: Record<string, string>;
}

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

function fileName(dataset: ExportDataset, format: ExportFormat, range: ExportRange): string {
  const first = range.start.toISOString().slice(0, 10);
  const last = new Date(Math.max(range.start.getTime(), range.end.getTime() - 1)).toISOString().slice(0, 10);
  const name = format === 'focus' ? 'focus' : dataset;
  return `tokenlake-${name}-${first}-to-${last}.${FORMAT_MEDIA[format].extension}`;
}

function focusHeadersOf(format: ExportFormat): Record<string, string> {
  return format === 'focus' ? { 'x-focus-version': FOCUS_VERSION, 'x-focus-schema-id': focusMetadata().SchemaId } : {};
}

async function anonymizerFor(deps: ExportDeps, anonymize: AnonymizableField[]) {
  const key = anonymize.length > 0 ? await resolveAnonymizationKey(deps.store, deps.anonymizationKey) : '';
  return createAnonymizer(key, anonymize);
}

async function buildTable(deps: ExportDeps, request: ExportRequest, anonymize: AnonymizableField[]): Promise<ExportTable> {
  const { store } = deps;
  const { dataset, format, range } = request;
  const anon = await anonymizerFor(deps, anonymize);
  if (dataset === 'daily') return dailyTable(await deps.loadHourRows(range, deps.log), range.timeZone, anon);
  if (dataset === 'events') {
    const any = await store.listPrefixes(datasetPrefix('events'));
    if (any.length === 0) return { columns: EVENT_COLUMNS, rows: [] };
    return eventsTable((await loadEventRecords(store, range)).records, anon);
  }
  const { records } = await loadUsageRecords(store, range);
  return format === 'focus' ? focusTable(records, anon, deps.pricer) : usageTable(records, anon);
}

/**
 * Text exports of the usage dataset, one UTC day at a time: only one day's records and rows are
 * held at once (the encoded answer grows; records and rows do not), the same bytes as serialising
 * the whole period. FOCUS rows are per hour, so a day's charges never straddle two parts.
 */
async function serialiseUsageByDay(
  deps: ExportDeps,
  format: Exclude<ExportFormat, 'parquet'>,
  range: ExportRange,
  anonymize: AnonymizableField[],
  fields: string[],
): Promise<{ body: string; rows: number }> {
  const anon = await anonymizerFor(deps, anonymize);
  const parts: string[] = [];
  let rows = 0;
  let header: ExportTable | null = null;
  for await (const records of usageRecordsByDay(deps.store, range)) {
    let table = format === 'focus' ? focusTable(records, anon, deps.pricer) : usageTable(records, anon);
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

/**
 * The request's columns and pseudonymised labels, checked against its dataset and format: a
 * BadRequestError naming the option when one is wrong. runExport checks too; callers that resolve
 * the period first call it before, so a wrong option is reported ahead of a wrong period.
 */
export function checkExportOptions(request: Pick<ExportRequest, 'format' | 'dataset' | 'fields' | 'anonymize'>): {
  fields: string[];
  anonymize: AnonymizableField[];
} {
  const { format, dataset } = request;
  if (format === 'focus' && dataset !== 'usage') {
    throw new BadRequestError('invalid query parameters', [{ field: 'dataset', reason: 'format=focus is built from the usage dataset' }]);
  }
  if (format === 'focus' && request.fields !== undefined) {
    throw new BadRequestError('invalid query parameters', [{ field: 'fields', reason: 'FOCUS has a fixed column set; drop fields' }]);
  }
  const fields = checkFields(splitList(request.fields), dataset);
  if (request.fields !== undefined && fields.length === 0) {
    throw new BadRequestError('invalid query parameters', [{ field: 'fields', reason: 'names no column' }]);
  }
  return { fields, anonymize: checkAnonymize(splitList(request.anonymize)) };
}

/** The export file of the request (checked first, see checkExportOptions). */
export async function runExport(deps: ExportDeps, request: ExportRequest): Promise<ExportFile> {
  const { format, dataset, range } = request;
  const { fields, anonymize } = checkExportOptions(request);

  let body: string | Uint8Array;
  let rows: number;
  if (dataset === 'usage' && format !== 'parquet') {
    ({ body, rows } = await serialiseUsageByDay(deps, format, range, anonymize, fields));
  } else {
    let table = await buildTable(deps, request, anonymize);
    if (fields.length > 0) table = selectColumns(table, fields);
    body = serialise(table, format);
    rows = table.rows.length;
  }
  const media = FORMAT_MEDIA[format];
  return {
    body,
    rows,
    contentType: media.contentType,
    extension: media.extension,
    filename: fileName(dataset, format, range),
    focusHeaders: focusHeadersOf(format),
  };
}
