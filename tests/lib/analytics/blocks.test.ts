import { describe, expect, it } from 'vitest';
import {
  type BlockActivity,
  blockJsonSchema,
  blockToJson,
  burnRate,
  identifyBlocks,
  isActiveBlock,
  projectBlock,
} from '../../../lib/analytics/blocks.ts';

const at = (iso: string) => Date.parse(iso);
const act = (iso: string, fields: Partial<BlockActivity>): BlockActivity => ({
  first: at(iso),
  last: at(iso),
  model: 'claude-sonnet-4-5',
  records: 1,
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_tokens: 0,
  cache_read_tokens: 0,
  cost_usd: 0,
  unpriced_records: 0,
  ...fields,
});

// Hand-computed fixture (sonnet $3/$15, opus $15/$75 per million; costs written out below).
const activity = [
  act('2026-01-01T11:45:00Z', { input_tokens: 2000, output_tokens: 1000, cache_read_tokens: 2300, cost_usd: 0.021 }), // 6000+15000 µ$
  act('2026-01-01T10:15:00Z', { input_tokens: 1000, output_tokens: 500, cost_usd: 0.0105 }), // 3000+7500 µ$
  act('2026-01-01T14:15:00Z', { model: 'claude-opus-4-1', input_tokens: 100, output_tokens: 100, cost_usd: 0.009 }), // 1500+7500 µ$
  // Exactly 10:00 + 5 h: the block is [10:00, 15:00), so this opens the next one.
  act('2026-01-01T15:00:00Z', { input_tokens: 1000, cost_usd: 0.003 }),
  // Unpriced: counted, not priced at 0.
  act('2026-01-01T15:30:00Z', { model: 'acme-1', input_tokens: 50, unpriced_records: 1 }),
  // After a gap of 9 h 50 min.
  act('2026-01-02T01:20:00Z', { input_tokens: 600, cost_usd: 0.0018 }),
  act('2026-01-02T01:50:00Z', { output_tokens: 300, cost_usd: 0.0045 }),
];

describe('identifyBlocks', () => {
  const blocks = identifyBlocks(activity);

  it('starts a block at the hour of the first message after the previous block, for five hours', () => {
    expect(blocks.map((b) => [new Date(b.start).toISOString(), new Date(b.end).toISOString()])).toEqual([
      ['2026-01-01T10:00:00.000Z', '2026-01-01T15:00:00.000Z'],
      ['2026-01-01T15:00:00.000Z', '2026-01-01T20:00:00.000Z'],
      ['2026-01-02T01:00:00.000Z', '2026-01-02T06:00:00.000Z'],
    ]);
  });

  it('sums each block and orders its models by cost', () => {
    const [first, second] = blocks;
    expect(first).toMatchObject({
      first: at('2026-01-01T10:15:00Z'),
      last: at('2026-01-01T14:15:00Z'),
      records: 3,
      input_tokens: 3100,
      output_tokens: 1600,
      cache_read_tokens: 2300,
      models: ['claude-sonnet-4-5', 'claude-opus-4-1'],
      unpriced_records: 0,
    });
    expect(first!.cost_usd).toBeCloseTo(0.0405, 12);
    expect(second).toMatchObject({ records: 2, input_tokens: 1050, unpriced_records: 1, models: ['claude-sonnet-4-5', 'acme-1'] });
    expect(second!.cost_usd).toBeCloseTo(0.003, 12);
  });

  it('computes the burn rate from the first to the last message (240 minutes here)', () => {
    const rate = burnRate(blocks[0]!)!;
    expect(rate.tokens_per_minute).toBeCloseTo(7000 / 240, 12); // 3100 + 1600 + 2300 tokens
    expect(rate.io_tokens_per_minute).toBeCloseTo(4700 / 240, 12);
    expect(rate.cost_usd_per_hour).toBeCloseTo(0.010125, 12); // 0.0405 / 4 h
  });

  it('has no burn rate for a single instant', () => {
    expect(burnRate(identifyBlocks([act('2026-01-01T10:15:00Z', { input_tokens: 1 })])[0]!)).toBeNull();
  });
});

describe('the active block and its projection', () => {
  const blocks = identifyBlocks(activity);
  const last = blocks[2]!;
  const now = at('2026-01-02T02:00:00Z');

  it('is active from its start until just before its end', () => {
    expect(isActiveBlock(last, now)).toBe(true);
    expect(isActiveBlock(last, at('2026-01-02T06:00:00Z'))).toBe(false);
    expect(isActiveBlock(blocks[1]!, now)).toBe(false);
  });

  it('projects tokens and cost to the block end at the burn rate', () => {
    // 900 tokens and $0.0063 in the 30 minutes 01:20–01:50: 30 tokens/min, $0.0126/h; 240 minutes to 06:00.
    const p = projectBlock(last, now)!;
    expect(p.remaining_minutes).toBe(240);
    expect(p.total_tokens).toBeCloseTo(900 + 30 * 240, 9);
    expect(p.cost_usd).toBeCloseTo(0.0063 + 0.0126 * 4, 12);
    expect(projectBlock(blocks[0]!, now)).toBeNull();
  });

  it('serialises to the documented --json row', () => {
    const json = blockJsonSchema.parse(blockToJson(last, now));
    expect(json).toMatchObject({
      start: '2026-01-02T01:00:00.000Z',
      end: '2026-01-02T06:00:00.000Z',
      first_activity: '2026-01-02T01:20:00.000Z',
      last_activity: '2026-01-02T01:50:00.000Z',
      active: true,
      total_tokens: 900,
    });
    expect(json.burn_rate!.cost_usd_per_hour).toBeCloseTo(0.0126, 12);
  });
});
