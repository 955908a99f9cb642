import { describe, expect, it } from 'vitest';
import { planFetchWindow } from '../../../lib/sources/provider-source.ts';
import { applyReportedCosts, type JoinLevel, modelFamily, type ReportedCost } from '../../../lib/sources/reported-cost.ts';
import { makeRecord, type UsageRecord } from '../../../lib/usage/record.ts';

const NOW = new Date('2026-03-10T12:30:00Z');

describe('planFetchWindow', () => {
  it('backfills whole days on the first run', () => {
    const w = planFetchWindow({ now: NOW, completeThrough: null, refetchHours: 48, backfillDays: 90 });
    expect(w.fromDay).toBe('2025-12-11');
    expect(w.start.toISOString()).toBe('2025-12-11T00:00:00.000Z');
    expect(w.end).toBe(NOW);
    expect(w.completeThrough).toBe('2026-03-09');
  });

  it('re-fetches the refetch window aligned down to 00:00 UTC', () => {
    // now − 48 h = 2026-03-08T12:30Z → the whole of 2026-03-08.
    expect(planFetchWindow({ now: NOW, completeThrough: '2026-03-09', refetchHours: 48, backfillDays: 90 }).fromDay).toBe('2026-03-08');
    expect(planFetchWindow({ now: NOW, completeThrough: '2026-03-09', refetchHours: 1, backfillDays: 90 }).fromDay).toBe('2026-03-10');
  });

  it('resumes after a cursor older than the refetch window, but not before the backfill', () => {
    expect(planFetchWindow({ now: NOW, completeThrough: '2026-03-01', refetchHours: 48, backfillDays: 90 }).fromDay).toBe('2026-03-02');
    expect(planFetchWindow({ now: NOW, completeThrough: '2025-01-01', refetchHours: 48, backfillDays: 10 }).fromDay).toBe('2026-03-01');
  });

  it('starts at --since on the first run, and goes back to it later', () => {
    expect(
      planFetchWindow({ now: NOW, completeThrough: '2026-03-09', refetchHours: 48, backfillDays: 90, since: '2025-06-01' }).fromDay,
    ).toBe('2025-06-01');
    expect(planFetchWindow({ now: NOW, completeThrough: null, refetchHours: 48, backfillDays: 90, since: '2026-03-05' }).fromDay).toBe(
      '2026-03-05',
    );
  });
});

const rec = (id: string, ts: string, model: string, project: string | null, input: number): UsageRecord =>
  makeRecord({ id: `${id}-record-id`, ts, source: 'x', provider: 'p', model, project, input_tokens: input, requests: 0 });

const cost = (day: string, usd: number, keys: Array<string | null>, model = 'm'): ReportedCost => ({
  day,
  usd,
  keys,
  orphan: { model, project: null, workspace: null, service_tier: null },
});

const levels: JoinLevel[] = [
  { recordKey: (r) => `${modelFamily(r.model)}|${r.project}`, onlyUnassigned: false },
  { recordKey: (r) => `${r.project}`, onlyUnassigned: true },
];

describe('applyReportedCosts', () => {
  it('splits by priced cost, falls back per level, and keeps what joins nothing', () => {
    const a = rec('a', '2026-03-09T10:00:00.000Z', 'm-20250101', 'p1', 100);
    const b = rec('b', '2026-03-09T11:00:00.000Z', 'm', 'p1', 300);
    const c = rec('c', '2026-03-09T12:00:00.000Z', 'n', 'p1', 50);
    const d = rec('d', '2026-03-10T12:00:00.000Z', 'm', 'p1', 50);
    const weights = new Map([
      [a, 1],
      [b, 3],
      [c, 5],
      [d, 1],
    ]);
    const result = applyReportedCosts(
      [a, b, c, d],
      [cost('2026-03-09', 8, ['m|p1', 'p1']), cost('2026-03-09', 2, [null, 'p1']), cost('2026-03-09', 4, ['z|p2', 'p2'], 'z')],
      levels,
      (r) => weights.get(r) ?? null,
      { source: 'x', provider: 'p' },
    );
    expect(a.cost_usd).toBe(2);
    expect(b.cost_usd).toBe(6);
    // Level 2 reaches only c: a and b already carry their model's cost.
    expect(c.cost_usd).toBe(2);
    expect(d).toMatchObject({ cost_usd: null, cost_source: 'unpriced' });
    expect(result.joined).toBe(3);
    expect(result.orphans).toHaveLength(1);
    expect(result.orphans[0]).toMatchObject({
      model: 'z',
      ts: '2026-03-09T00:00:00.000Z',
      cost_usd: 4,
      input_tokens: 0,
      cost_source: 'reported',
    });
  });

  it('weighs by tokens when any record is unpriced, and leaves credits (net ≤ 0) alone', () => {
    const a = rec('a', '2026-03-09T10:00:00.000Z', 'm', 'p1', 100);
    const b = rec('b', '2026-03-09T11:00:00.000Z', 'm', 'p1', 300);
    applyReportedCosts([a, b], [cost('2026-03-09', 1, ['m|p1'])], levels.slice(0, 1), (r) => (r === a ? 1 : null), {
      source: 'x',
      provider: 'p',
    });
    expect(a.cost_usd).toBe(0.25);
    expect(b.cost_usd).toBe(0.75);
    const c = rec('c', '2026-03-09T10:00:00.000Z', 'm', 'p1', 100);
    const credit = applyReportedCosts([c], [cost('2026-03-09', 1, ['m|p1']), cost('2026-03-09', -3, ['m|p1'])], levels, () => 1, {
      source: 'x',
      provider: 'p',
    });
    expect(c.cost_source).toBe('unpriced');
    expect(credit.nonPositiveGroups).toBe(1);
    expect(credit.orphans).toEqual([]);
  });
});
