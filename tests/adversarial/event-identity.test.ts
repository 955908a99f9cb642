// Adversarial: one event_id sent again and again — on other UTC days (other lake partitions),
// with more tokens, with another project, through the bus instead of the API, and from several
// clients at once. An event id is an identity: analytics counts it once, and the usage windows
// and the event analytics count the same copy (the first accepted).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { recordBusEvent } from '../../lib/events/ingest.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

const NOW = new Date('2026-11-23T10:00:00.000Z');
let data: string;
let stack: LocalStack;

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'tl-adv-identity-'));
  const config = parseConfig({ TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', PORT: '0' });
  stack = await startLocalStack({ config, now: () => NOW, log: silentLogger, sources: [], schedule: false });
});

afterAll(async () => {
  await stack?.stop();
  if (data) rmSync(data, { recursive: true, force: true });
});

async function post(events: unknown[]) {
  const res = await fetch(`${stack.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  return { status: res.status, body: (await res.json()) as { accepted: number; duplicates: number; usage_records: number } };
}

async function analytics(): Promise<Analytics> {
  await stack.idle();
  const res = await fetch(`${stack.url}/v1/analytics`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Analytics;
}

function usage(id: string, ts: string, over: { input?: number; cost?: number; project?: string } = {}) {
  return {
    event_type: 'llm.usage',
    ts,
    event_id: id,
    attributes: { provider: 'openai', model: 'gpt-5', project: over.project ?? id },
    metrics: { input_tokens: over.input ?? 100, output_tokens: 10, cost_usd: over.cost ?? 1 },
  };
}

/** The project's row in the 7-day window, and the day rows that have its cost. */
function projectOf(a: Analytics, project: string) {
  const w = a.windows['7d'];
  return {
    row: w.by_project.find((p) => p.key === project),
    days: w.daily.filter((d) => d.cost_by_model.some((c) => c.model === 'gpt-5') && d.cost_usd > 0).map((d) => d.day),
  };
}

describe('one event_id sent again', () => {
  it('counts once in usage and in events, the first copy, whatever day, tokens or project later copies carry', async () => {
    const first = await post([usage('dup-1', '2026-11-20T23:59:59.999Z', { input: 100, cost: 1 })]);
    expect(first.body).toMatchObject({ accepted: 1, duplicates: 0, usage_records: 1 });
    const later = [
      usage('dup-1', '2026-11-21T00:00:00.000Z', { input: 100, cost: 1 }), // the next day, a millisecond later
      usage('dup-1', '2026-11-22T12:00:00Z', { input: 100, cost: 1 }),
      usage('dup-1', '2026-11-20T23:59:59.999Z', { input: 1000, cost: 10 }), // same instant, ten times the tokens
      usage('dup-1', '2026-11-19T08:00:00+02:00', { input: 5, cost: 0.05, project: 'elsewhere' }), // earlier day, other project
    ];
    for (const copy of later) {
      const res = await post([copy]);
      expect(res.status).toBe(200);
      expect(res.body, JSON.stringify(copy)).toMatchObject({ accepted: 1, duplicates: 1, usage_records: 0 });
    }
    // The very first copy sent again (a client retry) is still the event: acknowledged, counted once.
    expect((await post([usage('dup-1', '2026-11-20T23:59:59.999Z', { input: 100, cost: 1 })])).body.duplicates).toBe(0);

    const a = await analytics();
    const { row, days } = projectOf(a, 'dup-1');
    expect(row).toMatchObject({ records: 1, input_tokens: 100, cost_usd: 1 });
    expect(days).toEqual(['2026-11-20']);
    expect(a.windows['7d'].by_project.find((p) => p.key === 'elsewhere')).toBeUndefined();
    const llmEvents = a.windows['7d'].events.by_type.find((t) => t.event_type === 'llm.usage');
    expect(llmEvents?.count).toBe(1);
    // Usage and events agree on the copy: the event's metrics are the first copy's.
    expect(llmEvents?.metrics.input_tokens).toMatchObject({ sum: 100, count: 1 });
  });

  it('counts a plain event once across days, and a copy arriving through the bus is the same identity', async () => {
    const task = (ts: string, ms: number) => ({ event_type: 'task.completed', ts, event_id: 'task-77', metrics: { duration_ms: ms } });
    expect((await post([task('2026-11-18T10:00:00Z', 500)])).body.duplicates).toBe(0);
    expect((await post([task('2026-11-22T10:00:00Z', 900), task('2026-11-22T10:00:00Z', 900)])).body.duplicates).toBe(2);
    const bus = await recordBusEvent(
      { store: stack.runtime.store, now: NOW },
      {
        id: 'eb-1',
        'detail-type': 'task.completed',
        source: 'ci',
        time: '2026-11-23T09:00:00Z',
        detail: { event_id: 'task-77', duration_ms: 1200 },
      },
    );
    expect(bus).toMatchObject({ accepted: true, duplicate: true, written: [] });
    const a = await analytics();
    const tasks = a.windows['7d'].events.by_type.find((t) => t.event_type === 'task.completed');
    expect(tasks?.count).toBe(1);
    expect(tasks?.metrics.duration_ms).toEqual({ sum: 500, count: 1, mean: 500, min: 500, max: 500 });
  });

  it('lets exactly one of many clients racing with one id on different days land', async () => {
    const days = ['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'];
    const answers = await Promise.all(days.map((d, i) => post([usage('race-1', `${d}T06:00:00Z`, { input: 10 + i, cost: 0.1 })])));
    expect(answers.map((r) => r.body.duplicates).sort()).toEqual([0, 1, 1, 1, 1, 1]);
    const winner = answers.findIndex((r) => r.body.duplicates === 0);
    const { row, days: counted } = projectOf(await analytics(), 'race-1');
    expect(row).toMatchObject({ records: 1, input_tokens: 10 + winner });
    expect(counted).toContain(days[winner]);
  });
});
