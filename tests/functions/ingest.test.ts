import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../functions/ingest.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { BadRequestError } from '../../lib/core/errors.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { createRuntime } from '../../lib/pipeline/runtime.ts';
import { S3ObjectStore } from '../../lib/store/s3-store.ts';
import { MemoryStore } from '../support/memory-store.ts';

const NOW = '2026-11-23T10:00:05.000Z';

function sample(family: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../events/eventbridge-${family}.json`, import.meta.url), 'utf8'));
}

async function setup() {
  const store = new MemoryStore();
  const config = parseConfig({ TOKENLAKE_SOURCES: 'demo', TOKENLAKE_BUCKET: 'tokenlake-prod' });
  const rt = await createRuntime(config, {
    store: new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), config.bucket),
    now: () => new Date(NOW),
    log: silentLogger,
  });
  const handler = createIngestHandler(() => Promise.resolve({ ...rt, store }));
  return { store, handler };
}

function linesUnder(store: MemoryStore, prefix: string): Array<Record<string, unknown>> {
  return [...store.objects.entries()]
    .filter(([k]) => k.startsWith(prefix))
    .flatMap(([, o]) =>
      o.body
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
}

const base = { source: 'eventbridge', received_at: NOW };

describe('ingest handler (EventBridge bus)', () => {
  it.each([
    [
      'job',
      {
        id: '0d5f6a0e-3c1b-4a8e-9a53-6c2f1e7b9a01',
        ts: '2026-11-23T09:00:00.000Z',
        event_type: 'job.completed',
        family: 'job',
        entity_type: 'job',
        entity_id: 'nightly-export-2026-11-23',
        attributes: { queue: 'batch' },
        metrics: { duration_ms: 93000, items: 1200 },
      },
    ],
    [
      'task',
      {
        id: '1e6a7b1f-4d2c-4b9f-8a64-7d3a2f8c0b12',
        ts: '2026-11-23T09:05:30.000Z',
        event_type: 'task.failed',
        family: 'task',
        entity_type: 'task',
        entity_id: 't-7',
        attributes: { error: 'upstream timeout', job_id: 'nightly-export-2026-11-23' },
        metrics: { duration_ms: 30000, retries: 2 },
      },
    ],
    [
      'tool',
      {
        id: 'conv-19/call-3',
        ts: '2026-11-23T09:10:12.250Z',
        event_type: 'tool.completed',
        family: 'tool',
        entity_type: null,
        entity_id: null,
        attributes: { cached: false, conversation_id: 'c-19', tool: 'web_search' },
        metrics: { duration_ms: 812, result_bytes: 20480 },
      },
    ],
    [
      'budget',
      {
        id: '3a8c9d31-6f4e-4db1-8c86-9f5c41ae2d34',
        ts: '2026-11-23T09:20:00.000Z',
        event_type: 'budget.threshold_crossed',
        family: 'budget',
        entity_type: 'budget',
        entity_id: 'team-web-monthly',
        attributes: { scope: 'project:web' },
        metrics: { limit_usd: 500, spent_usd: 412.5, threshold: 0.8 },
      },
    ],
    [
      'conversation',
      {
        id: '5caebf53-8b6a-4fd3-8ea8-b17e63c04f56',
        ts: '2026-11-23T09:40:00.000Z',
        event_type: 'conversation.started',
        family: 'conversation',
        entity_type: 'conversation',
        entity_id: 'c-19',
        attributes: { channel: 'slack', context: '{"locale":"en-GB","tags":["support"]}', user: 'alice' },
        metrics: {},
      },
    ],
  ])('stores the %s sample as one event record and nothing under lake/usage', async (family, expected) => {
    const { store, handler } = await setup();
    const result = await handler(sample(family));
    expect(result).toMatchObject({ accepted: true, usage_record: false, rejected: null, quarantined: null });
    expect(result.written).toHaveLength(1);
    expect(result.written[0]).toMatch(/^lake\/events\/dt=2026-11-23\/events-[0-9a-f]{20}\.jsonl$/);
    expect(linesUnder(store, 'lake/events/')).toEqual([{ ...expected, ...base }]);
    expect(linesUnder(store, 'lake/usage/')).toEqual([]);
  });

  it('the provider sample carries usage: an event record and a priced usage record', async () => {
    const { store, handler } = await setup();
    const result = await handler(sample('provider'));
    expect(result).toMatchObject({ accepted: true, usage_record: true });
    expect(result.written.map((k) => k.split('/').slice(0, 3).join('/'))).toEqual([
      'lake/events/dt=2026-11-23',
      'lake/usage/dt=2026-11-23',
    ]);
    expect(linesUnder(store, 'lake/events/')).toEqual([
      {
        id: '4b9dae42-7a5f-4ec2-9d97-a06d52bf3e45',
        ts: '2026-11-23T09:30:45.000Z',
        event_type: 'provider.request.completed',
        family: 'provider',
        entity_type: null,
        entity_id: null,
        attributes: { model: 'claude-sonnet-4-5', project: 'web', provider: 'anthropic', user: 'alice' },
        metrics: { cache_read_tokens: 5100, http_status: 200, input_tokens: 1200, latency_ms: 4210, output_tokens: 340 },
        ...base,
      },
    ]);
    const [usage] = linesUnder(store, 'lake/usage/');
    expect(usage).toMatchObject({
      source: 'events',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      project: 'web',
      user: 'alice',
      input_tokens: 1200,
      output_tokens: 340,
      cache_read_tokens: 5100,
      cache_creation_tokens: 0,
      requests: 1,
      latency_ms: 4210,
      cost_source: 'priced',
    });
    // $3 / M input, $15 / M output, $0.30 / M cache read.
    expect(usage!.cost_usd).toBeCloseTo(0.0036 + 0.0051 + 0.00153, 12);
  });

  it('a redelivered event (EventBridge is at-least-once) writes nothing new', async () => {
    const { store, handler } = await setup();
    const first = await handler(sample('provider'));
    store.puts.length = 0;
    const again = await handler(sample('provider'));
    expect(again.written).toEqual([]);
    expect(again.unchanged).toEqual(first.written);
    expect(store.puts).toEqual([]);
  });

  it('quarantines an event that does not validate instead of failing', async () => {
    const { store, handler } = await setup();
    const bad = { ...sample('task'), 'detail-type': 'task.completed', time: '23/11/2026 09:00' };
    const result = await handler(bad);
    expect(result).toMatchObject({ accepted: false, written: [], rejected: { index: 0, field: 'ts' } });
    expect(result.quarantined).toMatch(/^quarantine\/dt=2026-11-23\/events-[0-9a-f]{20}\.jsonl$/);
    expect([...store.objects.keys()]).toEqual([result.quarantined]);
    const [entry] = linesUnder(store, 'quarantine/');
    expect(entry).toMatchObject({
      source: 'events',
      origin: 'eventbridge:com.example.worker:1e6a7b1f-4d2c-4b9f-8a64-7d3a2f8c0b12',
      line: 1,
    });
    expect(entry!.reason).toMatch(/^ts: /);
    expect(JSON.parse(entry!.raw as string).time).toBe('23/11/2026 09:00');
  });

  it('refuses something that is not an EventBridge event', async () => {
    const { store, handler } = await setup();
    await expect(handler({ Records: [] })).rejects.toBeInstanceOf(BadRequestError);
    expect(store.puts).toEqual([]);
  });
});
