import { describe, expect, it } from 'vitest';
import { computeEventWindows, eventWindowSchema } from '../../../lib/events/analytics.ts';
import type { EventRollup, EventRollupRow } from '../../../lib/events/rollup.ts';

function rollup(day: string, rows: EventRollupRow[]): EventRollup {
  return {
    schema_version: 1,
    day,
    built_at: `${day}T23:59:00.000Z`,
    inputs: [],
    rows,
    stats: { events: rows.reduce((a, r) => a + r.count, 0), duplicates: 0, invalid_lines: 0 },
  };
}

function row(hour: number, event_type: string, count: number, extra: Partial<EventRollupRow> = {}): EventRollupRow {
  const family = event_type.split('.')[0] as EventRollupRow['family'];
  return { hour, event_type, family, tool: null, count, metrics: {}, ...extra };
}

const rollups: EventRollup[] = [
  // Outside a 7-day window ending 2026-11-23 (which starts 2026-11-17).
  rollup('2026-11-16', [row(10, 'task.completed', 100), row(10, 'job.completed', 50)]),
  rollup('2026-11-17', [
    row(0, 'task.completed', 3, { metrics: { duration_ms: { sum: 3000, count: 3, min: 500, max: 1500 } } }),
    row(1, 'task.failed', 1, { metrics: { duration_ms: { sum: 9000, count: 1, min: 9000, max: 9000 } } }),
    row(2, 'job.started', 2),
    row(3, 'job.completed', 1),
  ]),
  rollup('2026-11-23', [
    row(8, 'task.completed', 1, {
      metrics: { duration_ms: { sum: 100, count: 1, min: 100, max: 100 }, tokens: { sum: 50, count: 1, min: 50, max: 50 } },
    }),
    row(8, 'job.failed', 1),
    row(9, 'tool.started', 4, { tool: 'grep' }),
    row(9, 'tool.completed', 3, { tool: 'grep', metrics: { duration_ms: { sum: 60, count: 3, min: 10, max: 30 } } }),
    row(9, 'tool.failed', 1, { tool: 'grep', metrics: { duration_ms: { sum: 200, count: 1, min: 200, max: 200 } } }),
    row(9, 'tool.completed', 5, { tool: 'web_search' }),
    row(9, 'tool.completed', 1),
    row(10, 'conversation.started', 2),
    row(11, 'conversation.message', 6),
    row(12, 'conversation.ended', 1),
    row(13, 'budget.threshold_crossed', 1, { metrics: { spent_usd: { sum: 412.5, count: 1, min: 412.5, max: 412.5 } } }),
    row(23, 'other.thing', 2, { family: 'other' }),
  ]),
  // After as_of: never counted.
  rollup('2026-11-24', [row(0, 'task.failed', 9)]),
];

describe('computeEventWindows', () => {
  it('counts, metric sums and means, and the derived numbers over a 7-day window', () => {
    const w = computeEventWindows(rollups, '2026-11-23', 7);
    expect(eventWindowSchema.parse(w)).toEqual(w);
    expect(w).toMatchObject({ days: 7, from: '2026-11-17', to: '2026-11-23' });
    // 3+1+2+1 + 1+1+4+3+1+5+1+2+6+1+1+2
    expect(w.totals).toEqual({ events: 35, event_types: 13 });
    const task = w.by_type.find((t) => t.event_type === 'task.completed')!;
    expect(task).toEqual({
      event_type: 'task.completed',
      family: 'task',
      count: 4,
      metrics: {
        duration_ms: { sum: 3100, count: 4, mean: 775, min: 100, max: 1500 },
        tokens: { sum: 50, count: 1, mean: 50, min: 50, max: 50 },
      },
    });
    expect(w.by_type[0]).toMatchObject({ event_type: 'tool.completed', count: 9 });
    expect(w.by_family).toEqual([
      { family: 'tool', count: 14 },
      { family: 'conversation', count: 9 },
      { family: 'task', count: 5 },
      { family: 'job', count: 4 },
      { family: 'other', count: 2 },
      { family: 'budget', count: 1 },
    ]);
    expect(w.jobs).toEqual({ started: 2, completed: 1, failed: 1, run: 2, success_rate: 0.5 });
    expect(w.tasks).toEqual({ completed: 4, failed: 1, completion_rate: 0.8 });
    expect(w.tool_calls).toEqual([
      { tool: 'web_search', calls: 5, failed: 0, duration_ms_mean: null },
      { tool: 'grep', calls: 4, failed: 1, duration_ms_mean: 65 },
      { tool: '(unknown)', calls: 1, failed: 0, duration_ms_mean: null },
    ]);
    expect(w.conversations).toEqual({ started: 2, ended: 1, events: 9 });
  });

  it('a 1-day window holds only as_of; rates are null when nothing finished', () => {
    const w = computeEventWindows(rollups, '2026-11-17', 1);
    expect(w.totals.events).toBe(7);
    expect(w.tasks.completion_rate).toBe(0.75);
    const empty = computeEventWindows(rollups, '2026-11-20', 3);
    expect(empty).toMatchObject({
      totals: { events: 0, event_types: 0 },
      by_type: [],
      jobs: { run: 0, success_rate: null },
      tasks: { completed: 0, failed: 0, completion_rate: null },
      tool_calls: [],
    });
  });

  it('places UTC hours in local days when given a time zone', () => {
    // Tokyo is UTC+9: 2026-11-23 23:00 UTC is 2026-11-24 08:00 local; 2026-11-16 10:00 UTC is the 16th 19:00.
    const tokyo = computeEventWindows(rollups, '2026-11-23', 1, 'Asia/Tokyo');
    expect(tokyo.by_type.find((t) => t.event_type === 'other.thing')).toBeUndefined();
    // The 23rd local is 2026-11-22 15:00 UTC → 2026-11-23 15:00 UTC: hours 8–13 of the UTC 23rd.
    expect(tokyo.totals.events).toBe(35 - 7 - 2);
    const nextDay = computeEventWindows(rollups, '2026-11-24', 1, 'Asia/Tokyo');
    expect(nextDay.totals.events).toBe(2 + 9);
  });
});
