// Event analytics for one window, computed only from daily event rollups (pure): per event type
// the count and each metric's sum, mean, min and max, and derived numbers: jobs run, task
// completion rate, tool calls per tool, conversations.
// Glossary: a window of N days = the N local calendar days ending at `asOf` (inclusive).

import { z } from 'zod';
import { addDays, localDayOfUtcHour } from '../core/calendar.ts';
import { type EventRollup, type EventRollupRow, type MetricStats, mergeMetric } from './rollup.ts';
import { type EventFamily, eventFamilySchema } from './schema.ts';

const count = z.int().nonnegative();
/** completed / (completed + failed), 0–1; null when neither happened in the window. */
const rate = z.number().min(0).max(1).nullable();

const metricSummarySchema = z.object({
  sum: z.number(),
  count: z.int().positive(),
  mean: z.number(),
  min: z.number(),
  max: z.number(),
});
type MetricSummary = z.infer<typeof metricSummarySchema>;

/**
 * The events part of one analytics window (`windows[w].events` in analytics.json).
 * @example {"days":7,"from":"2026-11-17","to":"2026-11-23","totals":{"events":5,"event_types":3},
 *  "by_type":[{"event_type":"task.completed","family":"task","count":3,
 *    "metrics":{"duration_ms":{"sum":9000,"count":3,"mean":3000,"min":1000,"max":5000}}}],
 *  "by_family":[{"family":"task","count":4}],
 *  "jobs":{"started":1,"completed":1,"failed":0,"run":1,"success_rate":1},
 *  "tasks":{"completed":3,"failed":1,"completion_rate":0.75},
 *  "tool_calls":[{"tool":"web_search","calls":2,"failed":1,"duration_ms_mean":750}],
 *  "conversations":{"started":1,"ended":0,"events":1}}
 */
export const eventWindowSchema = z.object({
  days: z.int().positive(),
  from: z.string(),
  to: z.string(),
  totals: z.object({ events: count, event_types: count }),
  /** Most frequent first. */
  by_type: z.array(
    z.object({ event_type: z.string(), family: eventFamilySchema, count, metrics: z.record(z.string(), metricSummarySchema) }),
  ),
  by_family: z.array(z.object({ family: eventFamilySchema, count })),
  /** `run` = completed + failed: a job counts once it has finished, whatever the outcome. */
  jobs: z.object({ started: count, completed: count, failed: count, run: count, success_rate: rate }),
  tasks: z.object({ completed: count, failed: count, completion_rate: rate }),
  /**
   * Per tool (`attributes.tool`, else the entity id, else "(unknown)"): every tool.* event except
   * `tool.started` is one call, so a call reported as started + completed counts once.
   */
  tool_calls: z.array(z.object({ tool: z.string(), calls: count, failed: count, duration_ms_mean: z.number().nullable() })),
  /** `started` counts conversations begun in the window; `events` every conversation.* event. */
  conversations: z.object({ started: count, ended: count, events: count }),
});
export type EventWindow = z.infer<typeof eventWindowSchema>;

function summarize(metrics: Record<string, MetricStats>): Record<string, MetricSummary> {
  const out: Record<string, MetricSummary> = {};
  for (const name of Object.keys(metrics).sort()) {
    const s = metrics[name]!;
    out[name] = { sum: s.sum, count: s.count, mean: s.sum / s.count, min: s.min, max: s.max };
  }
  return out;
}

/**
 * The event window of `days` local days ending at `asOfDay`. Rollup rows are per UTC hour, so
 * each is placed in its local day; pass the rollups of every UTC day that can overlap the window.
 */
export function computeEventWindows(rollups: readonly EventRollup[], asOfDay: string, days: number, timeZone = 'UTC'): EventWindow {
  const from = addDays(asOfDay, -(days - 1));
  const inWindow: EventRollupRow[] = [];
  for (const r of rollups) {
    for (const row of r.rows) {
      const day = localDayOfUtcHour(`${r.day}T${String(row.hour).padStart(2, '0')}`, timeZone);
      if (day >= from && day <= asOfDay) inWindow.push(row);
    }
  }

  const types = new Map<string, { family: EventFamily; count: number; metrics: Record<string, MetricStats> }>();
  const families = new Map<EventFamily, number>();
  const tools = new Map<string, { calls: number; failed: number; duration: Record<string, MetricStats> }>();
  let total = 0;
  for (const row of inWindow) {
    total += row.count;
    let t = types.get(row.event_type);
    if (!t) {
      t = { family: row.family, count: 0, metrics: {} };
      types.set(row.event_type, t);
    }
    t.count += row.count;
    for (const [name, stats] of Object.entries(row.metrics)) mergeMetric(t.metrics, name, stats);
    families.set(row.family, (families.get(row.family) ?? 0) + row.count);
    if (row.family === 'tool' && row.event_type !== 'tool.started') {
      const name = row.tool ?? '(unknown)';
      let tool = tools.get(name);
      if (!tool) {
        tool = { calls: 0, failed: 0, duration: {} };
        tools.set(name, tool);
      }
      tool.calls += row.count;
      if (row.event_type === 'tool.failed') tool.failed += row.count;
      const d = row.metrics.duration_ms;
      if (d) mergeMetric(tool.duration, 'duration_ms', d);
    }
  }
  const countOf = (eventType: string) => types.get(eventType)?.count ?? 0;
  const ratio = (done: number, failed: number) => (done + failed > 0 ? done / (done + failed) : null);

  const jobsCompleted = countOf('job.completed');
  const jobsFailed = countOf('job.failed');
  const tasksCompleted = countOf('task.completed');
  const tasksFailed = countOf('task.failed');
  return {
    days,
    from,
    to: asOfDay,
    totals: { events: total, event_types: types.size },
    by_type: [...types.entries()]
      .map(([event_type, t]) => ({ event_type, family: t.family, count: t.count, metrics: summarize(t.metrics) }))
      .sort((a, b) => b.count - a.count || a.event_type.localeCompare(b.event_type)),
    by_family: [...families.entries()]
      .map(([family, n]) => ({ family, count: n }))
      .sort((a, b) => b.count - a.count || a.family.localeCompare(b.family)),
    jobs: {
      started: countOf('job.started'),
      completed: jobsCompleted,
      failed: jobsFailed,
      run: jobsCompleted + jobsFailed,
      success_rate: ratio(jobsCompleted, jobsFailed),
    },
    tasks: { completed: tasksCompleted, failed: tasksFailed, completion_rate: ratio(tasksCompleted, tasksFailed) },
    tool_calls: [...tools.entries()]
      .map(([tool, t]) => {
        const d = t.duration.duration_ms;
        return { tool, calls: t.calls, failed: t.failed, duration_ms_mean: d ? d.sum / d.count : null };
      })
      .sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool)),
    conversations: {
      started: countOf('conversation.started'),
      ended: countOf('conversation.ended'),
      events: families.get('conversation') ?? 0,
    },
  };
}
