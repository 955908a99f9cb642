// Runs a report against a store: resolves the period (local days or a window, in a zone), loads
// the hourly rows it needs — the daily rollups, or for sessions the session rollups built beside
// them — and says which days the lake holds. Shared by `tokenlake report` and GET /v1/report, so
// both give the same answer for the same question. Never reads lake lines except for sessions
// of days whose session rollup is missing or stale (one day's objects at a time).

import { localDay } from '../core/calendar.ts';
import type { Logger } from '../core/log.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { listUsageDays } from '../usage/lake.ts';
import type { Pricer } from '../usage/pricing/price.ts';
import { loadPeriodSessions } from '../usage/session-rollup.ts';
import { alignToHours, bucketOf, type PeriodQuery, resolvePeriod } from './period.ts';
import { buildReport, type Report, type ReportBy, type ReportInputRow, type ReportOrder } from './report.ts';
import { loadPeriodRollups } from './rollup-query.ts';

export interface ReportQuery {
  period: PeriodQuery;
  by: ReportBy;
  breakdown: boolean;
  order?: ReportOrder | undefined;
}

interface ReportContext {
  store: ObjectStore;
  now: Date;
  timeZone: string;
  /** Prices session rollups built from the lake (by=session only; null where none is needed). */
  pricer: Pricer | null;
  /** Whether session rollups built here are written back (the CLI: yes; a GET: no). */
  writeSessions: boolean;
  log?: Logger;
}

/** The report; throws BadRequestError (field from/to/window) for an impossible period. */
export async function queryReport(q: ReportQuery, ctx: ReportContext): Promise<Report> {
  const exact = resolvePeriod(q.period, ctx.now, ctx.timeZone);
  // Rollups count whole UTC hours: the period covers every hour it overlaps.
  const period = alignToHours(exact);
  const { rows: hourRows, rollups } = await loadPeriodRollups(ctx.store, period, ctx.log);
  let rows: ReportInputRow[];
  if (q.by === 'session') {
    if (!ctx.pricer) throw new Error('a session report needs a pricer (session rollups may have to be built)');
    const sessions = await loadPeriodSessions(ctx.store, period, rollups, {
      pricer: ctx.pricer,
      now: ctx.now,
      write: ctx.writeSessions,
      ...(ctx.log ? { log: ctx.log } : {}),
    });
    rows = sessions.rows.map(({ at, row }) => ({
      at,
      model: row.model,
      provider: row.provider,
      project: row.project,
      user: row.user,
      machine: row.machine,
      session: row.session,
      first_ts: row.first_ts,
      last_ts: row.last_ts,
      sums: row,
    }));
  } else {
    rows = hourRows.map(({ at, row }) => ({
      at,
      model: row.model,
      provider: row.provider,
      project: row.project,
      user: row.user,
      machine: row.machine,
      sums: row,
    }));
  }
  const days = await listUsageDays(ctx.store);
  return buildReport({
    rows,
    by: q.by,
    breakdown: q.breakdown,
    ...(q.order ? { order: q.order } : {}),
    period: {
      from: localDay(exact.start, ctx.timeZone),
      to: localDay(new Date(exact.end.getTime() - 1), ctx.timeZone),
      timeZone: ctx.timeZone,
      start: period.start,
      end: period.end,
      window: exact.window,
    },
    bucketOf: (at, granularity) => bucketOf(at, granularity, ctx.timeZone),
    lake: days.length > 0 ? { first_day: days[0]!, last_day: days[days.length - 1]! } : null,
    dataQuality: {
      quarantined_lines: rollups.reduce((n, r) => n + r.stats.quarantined_lines, 0),
      invalid_lines: rollups.reduce((n, r) => n + r.stats.invalid_lines, 0),
      refused_records: rollups.reduce((n, r) => n + (r.stats.refused_records ?? 0), 0),
    },
    generatedAt: ctx.now,
  });
}
