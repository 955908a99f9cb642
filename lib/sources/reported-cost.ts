// Joins a provider's reported cost (daily, per model and project/workspace at best) to its usage
// records (hourly, finer groups): each cost group's USD is spread over the records it covers in
// proportion to their priced cost (or tokens when unpriced), which then carry cost_source
// 'reported'. Cost that joins no usage becomes a token-less record, so spend is never dropped.

import { makeRecord, recordId, totalTokens, type UsageRecord } from '../usage/record.ts';

export interface ReportedCost {
  day: string;
  usd: number;
  /** One join key per level (finest first); null = this cost cannot join at that level. */
  keys: Array<string | null>;
  /** Labels of the token-less record written when nothing joins. */
  orphan: { model: string; project: string | null; workspace: string | null; service_tier: string | null };
}

export interface JoinLevel {
  /** The record's key at this level; null = the record takes no cost at this level. */
  recordKey(record: UsageRecord): string | null;
  /** Only records that no earlier level gave cost to (so a fallback never lands twice). */
  onlyUnassigned: boolean;
}

interface JoinResult {
  /** Token-less records carrying cost that joined no usage. */
  orphans: UsageRecord[];
  /** Records that received reported cost. */
  joined: number;
  /** Cost groups whose total was zero or negative (credits): their records stay priced. */
  nonPositiveGroups: number;
}

/** Lower-cased model id without a trailing release date, so `x-20250929` meets `x`. */
export function modelFamily(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/-\d{8}$/, '')
    .replace(/-\d{4}-\d{2}-\d{2}$/, '');
}

/**
 * Sets cost_usd / cost_source on the joined records (in place) and returns the orphans.
 * `weigh` gives a record's priced cost (null when its model is unpriced).
 */
export function applyReportedCosts(
  records: UsageRecord[],
  costs: readonly ReportedCost[],
  levels: readonly JoinLevel[],
  weigh: (record: UsageRecord) => number | null,
  orphanSource: { source: string; provider: string },
): JoinResult {
  const assigned = new Map<UsageRecord, number>();
  let pending = costs.filter((c) => c.usd !== 0);
  let nonPositiveGroups = 0;
  levels.forEach((level, i) => {
    const candidates = new Map<string, UsageRecord[]>();
    for (const r of records) {
      if (level.onlyUnassigned && assigned.has(r)) continue;
      const k = level.recordKey(r);
      if (k === null) continue;
      const key = `${r.ts.slice(0, 10)}\u0000${k}`;
      const list = candidates.get(key);
      if (list) list.push(r);
      else candidates.set(key, [r]);
    }
    const groups = new Map<string, ReportedCost[]>();
    const unjoined: ReportedCost[] = [];
    for (const c of pending) {
      const k = c.keys[i] ?? null;
      const key = `${c.day}\u0000${k}`;
      if (k === null || !candidates.has(key)) {
        unjoined.push(c);
        continue;
      }
      const list = groups.get(key);
      if (list) list.push(c);
      else groups.set(key, [c]);
    }
    for (const [key, group] of groups) {
      const usd = group.reduce((sum, c) => sum + c.usd, 0);
      if (usd <= 0) {
        nonPositiveGroups++;
        continue;
      }
      spread(usd, candidates.get(key)!, weigh, assigned);
    }
    pending = unjoined;
  });
  for (const [r, usd] of assigned) {
    r.cost_usd = usd;
    r.cost_source = 'reported';
  }
  return { orphans: orphanRecords(pending, orphanSource), joined: assigned.size, nonPositiveGroups };
}

function spread(usd: number, targets: UsageRecord[], weigh: (r: UsageRecord) => number | null, into: Map<UsageRecord, number>): void {
  const priced = targets.map(weigh);
  const pricedTotal = priced.every((p) => p !== null) ? priced.reduce<number>((s, p) => s + (p ?? 0), 0) : 0;
  const tokens = targets.map(totalTokens);
  const tokenTotal = tokens.reduce((s, t) => s + t, 0);
  targets.forEach((r, i) => {
    const share = pricedTotal > 0 ? (priced[i] ?? 0) / pricedTotal : tokenTotal > 0 ? (tokens[i] ?? 0) / tokenTotal : 1 / targets.length;
    into.set(r, (into.get(r) ?? 0) + usd * share);
  });
}

function orphanRecords(costs: readonly ReportedCost[], origin: { source: string; provider: string }): UsageRecord[] {
  const byKey = new Map<string, UsageRecord>();
  for (const c of costs) {
    const o = c.orphan;
    const key = recordId(origin.source, 'cost', c.day, o.model, o.project, o.workspace, o.service_tier);
    const seen = byKey.get(key);
    if (seen) {
      seen.cost_usd = (seen.cost_usd ?? 0) + c.usd;
      continue;
    }
    byKey.set(
      key,
      makeRecord({
        id: key,
        ts: `${c.day}T00:00:00.000Z`,
        source: origin.source,
        provider: origin.provider,
        model: o.model,
        project: o.project,
        workspace: o.workspace,
        service_tier: o.service_tier,
        requests: 0,
        cost_usd: c.usd,
        cost_source: 'reported',
        bucket_seconds: 86_400,
      }),
    );
  }
  // A net credit (negative) has no place in a cost_usd that must be ≥ 0.
  return [...byKey.values()].filter((r) => (r.cost_usd ?? 0) > 0);
}
