// An export asked for with the query vocabulary (from/to/window against the clock and zone): the
// period resolved as every query route resolves it, the daily dataset read from the rollups, then
// lib/export/run-export.ts. GET /v1/export and `tokenlake export` both call exportForQuery.

import { z } from 'zod';
import type { Logger } from '../core/log.ts';
import { checkExportOptions, type ExportDeps, type ExportFile, exportOptionsShape, runExport } from '../export/run-export.ts';
import { alignToHours, periodQueryShape, resolvePeriod } from './period.ts';
import { loadPeriodRollups } from './rollup-query.ts';

export const exportQuerySchema = z.object({ ...exportOptionsShape, ...periodQueryShape });
type ExportQuery = z.output<typeof exportQuerySchema>;

interface ExportQueryDeps extends Omit<ExportDeps, 'loadHourRows'> {
  now: Date;
  /** IANA zone of local days (config.timeZone). */
  timeZone: string;
  log?: Logger;
}

export async function exportForQuery(deps: ExportQueryDeps, query: ExportQuery): Promise<ExportFile> {
  checkExportOptions(query);
  const exact = resolvePeriod(query, deps.now, deps.timeZone);
  // Daily sums come from the hourly rollups: whole hours.
  const range = query.dataset === 'daily' ? alignToHours(exact) : exact;
  return runExport(
    { ...deps, loadHourRows: async (r, log) => (await loadPeriodRollups(deps.store, r, log)).rows },
    { format: query.format, dataset: query.dataset, fields: query.fields, anonymize: query.anonymize, range },
  );
}
