// The demo source: deterministic, realistic usage for the last 90 days across providers, models,
// projects and users, so a fresh `npm start` shows a full dashboard. The same day always yields the
// same records (seeded by the day), and each day is one object rewritten whole, so re-running
// never duplicates. Only today and days not generated yet are written on each sync. When it only
// stands in because no agent's logs were found, it refuses to write into a lake that real sources
// have synced into: demo data never mixes silently with real usage.

import { z } from 'zod';
import { addDays, dayRange, utcDay } from '../../core/calendar.ts';
import { SourceError } from '../../core/errors.ts';
import { loadCursor, saveCursor } from '../../store/cursor.ts';
import { cursorKey } from '../../store/layout.ts';
import { batchId } from '../../usage/lake.ts';
import { makeRecord, recordId, type UsageRecord } from '../../usage/record.ts';
import { emptyStats, type Source, type SourceContext, type SourcePull } from '../source.ts';
import { readAllStatuses } from '../status.ts';

const DAYS = 90;

interface DemoModel {
  provider: string;
  model: string;
  weight: number;
  /** Typical sizes: uncached input, output, cache read, cache write; latency base in ms. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  latency: number;
}

const models: DemoModel[] = [
  {
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    weight: 34,
    input: 900,
    output: 700,
    cacheRead: 42_000,
    cacheWrite: 3_000,
    latency: 4200,
  },
  {
    provider: 'anthropic',
    model: 'claude-opus-4-7',
    weight: 10,
    input: 600,
    output: 900,
    cacheRead: 60_000,
    cacheWrite: 4_000,
    latency: 9000,
  },
  {
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    weight: 18,
    input: 1500,
    output: 300,
    cacheRead: 8_000,
    cacheWrite: 1_000,
    latency: 1100,
  },
  { provider: 'openai', model: 'gpt-5', weight: 14, input: 3000, output: 1200, cacheRead: 6_000, cacheWrite: 0, latency: 6500 },
  { provider: 'openai', model: 'gpt-5-mini', weight: 16, input: 2500, output: 500, cacheRead: 2_000, cacheWrite: 0, latency: 1800 },
  { provider: 'openai', model: 'gpt-4.1-mini', weight: 8, input: 1800, output: 400, cacheRead: 0, cacheWrite: 0, latency: 1400 },
];
const projects = ['web', 'api', 'data-pipeline', 'support-bot', 'mobile'];
const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'svc-batch'];

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(day: string): number {
  let h = 2166136261;
  for (const c of day) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

function pick<T>(rand: () => number, items: readonly T[], weights?: readonly number[]): T {
  if (!weights) return items[Math.floor(rand() * items.length)]!;
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rand() * total;
  for (let i = 0; i < items.length; i++) {
    x -= weights[i]!;
    if (x <= 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

/** Every demo record of one UTC day (all of it, whatever the time). */
export function demoDay(day: string): UsageRecord[] {
  const rand = prng(seedOf(day));
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  // Slow growth over the year plus weekly rhythm and noise.
  const growth = 1 + (Date.parse(`${day}T00:00:00Z`) / 86_400_000 - 20_000) * 0.002;
  const count = Math.max(5, Math.round((weekend ? 25 : 70) * growth * (0.75 + rand() * 0.5)));
  const out: UsageRecord[] = [];
  for (let i = 0; i < count; i++) {
    const m = pick(
      rand,
      models,
      models.map((x) => x.weight),
    );
    const hour = weekend ? Math.floor(rand() * 24) : 8 + Math.floor(rand() * 11);
    const second = Math.floor(rand() * 3600);
    const ts = new Date(Date.parse(`${day}T00:00:00Z`) + hour * 3_600_000 + second * 1000 + Math.floor(rand() * 1000));
    const scale = 0.3 + rand() * 1.7;
    const out_tokens = Math.round(m.output * scale);
    const record = makeRecord({
      id: recordId('demo', day, i),
      ts: ts.toISOString(),
      source: 'demo',
      provider: m.provider,
      model: m.model,
      project: pick(rand, projects, [30, 25, 20, 15, 10]),
      user: pick(rand, users),
      session: `demo-${day}-${Math.floor(i / 8)}`,
      input_tokens: Math.round(m.input * scale),
      output_tokens: out_tokens,
      cache_read_tokens: Math.round(m.cacheRead * scale * rand()),
      cache_creation_tokens: Math.round(m.cacheWrite * scale * rand()),
      service_tier: m.provider === 'openai' ? (rand() < 0.1 ? 'flex' : 'default') : 'standard',
      latency_ms: Math.round(m.latency * (0.4 + rand() * 0.8 + (rand() < 0.05 ? 3 : 0)) + out_tokens * 2),
      requests: 1,
    });
    out.push(record);
  }
  return out;
}

const cursorSchema = z.object({ version: z.literal(1), complete_through: z.string() });

export function createDemoSource(): Source {
  return {
    name: 'demo',
    async pull(context: SourceContext): Promise<SourcePull> {
      if (context.config.demoFallback) {
        // Chosen over a warning: a laptop whose agent logs moved (a new CODEX_HOME) would otherwise
        // add 90 days of invented usage to a real lake. Naming demo in TOKENLAKE_SOURCES still works.
        const real = [
          ...new Set((await readAllStatuses(context.store)).filter((s) => s.source !== 'demo' && s.last_success_at).map((s) => s.source)),
        ];
        if (real.length > 0) {
          throw new SourceError(
            'demo',
            `not writing demo data: this lake already holds real usage (${real.sort().join(', ')}) and no agent logs were found here; set TOKENLAKE_SOURCES (or the agent's own folder variable) to read real logs`,
          );
        }
      }
      const today = utcDay(context.now);
      const first = addDays(today, -(DAYS - 1));
      const key = cursorKey('demo');
      const cursor = await loadCursor(context.store, key, cursorSchema);
      const from = cursor && cursor.complete_through >= first ? addDays(cursor.complete_through, 1) : first;
      const stats = emptyStats();
      const records: UsageRecord[] = [];
      const nowIso = context.now.toISOString();
      for (const day of dayRange(from, today)) {
        for (const r of demoDay(day)) {
          stats.read++;
          // Today's usage is only what "has happened" by now.
          if (r.ts <= nowIso) records.push(r);
        }
      }
      stats.records = records.length;
      return {
        records,
        quarantine: [],
        stats,
        batchIdFor: (day) => batchId('demo', day),
        commit: () => saveCursor(context.store, key, { version: 1, complete_through: addDays(today, -1) }),
      };
    },
  };
}
