import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../lib/export/csv.ts';
import { DAILY_COLUMNS, dailyTable, USAGE_COLUMNS, usageTable } from '../../../lib/export/datasets.ts';
import { toNdjson } from '../../../lib/export/ndjson.ts';
import { rowObject, selectColumns } from '../../../lib/export/table.ts';
import { createAnonymizer, pseudonym } from '../../../lib/usage/anonymize.ts';
import { makeRecord, usageRecordSchema } from '../../../lib/usage/record.ts';
import { emptySums, type RollupRow } from '../../../lib/usage/rollup.ts';

const KEY = 'an-hmac-key-of-enough-length';

describe('pseudonym', () => {
  it('is a keyed, field-bound HMAC: stable per key, different across keys and fields', () => {
    expect(pseudonym(KEY, 'user', 'alice')).toMatch(/^anon_[0-9a-f]{16}$/);
    expect(pseudonym(KEY, 'user', 'alice')).toBe(pseudonym(KEY, 'user', 'alice'));
    expect(pseudonym(KEY, 'user', 'alice')).not.toBe(pseudonym(`${KEY}!`, 'user', 'alice'));
    expect(pseudonym(KEY, 'user', 'alice')).not.toBe(pseudonym(KEY, 'project', 'alice'));
  });
});

describe('usageTable', () => {
  const record = makeRecord({
    id: 'rec-00000001',
    ts: '2026-03-01T10:00:00.000Z',
    source: 'demo',
    provider: 'openai',
    model: 'gpt-5',
    project: 'web',
    user: 'alice',
    api_key: 'key-1',
    session: 's-1',
    input_tokens: 5,
    cost_usd: 0.1,
    cost_source: 'priced',
  });

  it('has exactly the lake line columns, in its key order', () => {
    expect(USAGE_COLUMNS.map((c) => c.name)).toEqual(Object.keys(usageRecordSchema.shape));
    const row = rowObject(USAGE_COLUMNS, usageTable([record], createAnonymizer('', [])).rows[0]!);
    expect(row).toEqual(record);
  });

  it('replaces only the fields asked for', () => {
    const anon = createAnonymizer(KEY, ['user', 'api_key']);
    const row = rowObject(USAGE_COLUMNS, usageTable([record], anon).rows[0]!);
    expect(row).toMatchObject({
      user: pseudonym(KEY, 'user', 'alice'),
      api_key: pseudonym(KEY, 'api_key', 'key-1'),
      project: 'web',
      session: 's-1',
    });
  });

  it('keeps the selected columns in the order asked', () => {
    const t = selectColumns(usageTable([record], createAnonymizer('', [])), ['cost_usd', 'id']);
    expect(t.columns.map((c) => c.name)).toEqual(['cost_usd', 'id']);
    expect(t.rows).toEqual([[0.1, 'rec-00000001']]);
  });
});

describe('dailyTable', () => {
  function row(hour: number, fields: Partial<RollupRow>): RollupRow {
    return {
      hour,
      source: 'demo',
      provider: 'anthropic',
      model: 'm',
      project: 'web',
      user: 'alice',
      machine: null,
      api_key: null,
      workspace: null,
      ...emptySums(),
      ...fields,
    };
  }

  it('sums the hours of one local day and group, splitting days at local midnight', () => {
    // 23:00Z on 2026-03-01 is already 2026-03-02 in Paris (UTC+1); 22:00Z is not.
    const at = (h: string) => Date.parse(`2026-03-01T${h}:00:00Z`);
    const rows = [
      { at: at('10'), row: row(10, { input_tokens: 5, cost_usd: 1, records: 1, requests: 1 }) },
      { at: at('22'), row: row(22, { input_tokens: 7, cost_usd: 2, records: 2, requests: 2 }) },
      { at: at('23'), row: row(23, { input_tokens: 11, cost_usd: 4, records: 1, requests: 1 }) },
    ];
    const utc = dailyTable(rows, 'UTC', createAnonymizer('', []));
    expect(utc.rows.map((r) => rowObject(DAILY_COLUMNS, r))).toMatchObject([
      { day: '2026-03-01', input_tokens: 23, cost_usd: 7, records: 4 },
    ]);
    const paris = dailyTable(rows, 'Europe/Paris', createAnonymizer('', []));
    expect(paris.rows.map((r) => rowObject(DAILY_COLUMNS, r))).toMatchObject([
      { day: '2026-03-01', input_tokens: 12, cost_usd: 3, records: 3 },
      { day: '2026-03-02', input_tokens: 11, cost_usd: 4, records: 1 },
    ]);
  });

  it('writes an unknown cost as null (an empty CSV cell), never 0; a partly priced group keeps its known part', () => {
    const at = Date.parse('2026-03-01T10:00:00Z');
    const unknown = row(10, { model: 'mystery-1', input_tokens: 500, records: 2, requests: 2, unpriced_records: 2, unpriced_tokens: 500 });
    const partly = row(10, {
      model: 'claude-haiku-4-5',
      input_tokens: 900,
      cost_usd: 0.25,
      records: 3,
      requests: 3,
      unpriced_records: 1,
      unpriced_tokens: 300,
    });
    const table = dailyTable(
      [
        { at, row: unknown },
        { at, row: partly },
      ],
      'UTC',
      createAnonymizer('', []),
    );
    const objects = table.rows.map((r) => rowObject(DAILY_COLUMNS, r));
    expect(objects.find((o) => o.model === 'mystery-1')).toMatchObject({ cost_usd: null, unpriced_records: 2 });
    expect(objects.find((o) => o.model === 'claude-haiku-4-5')).toMatchObject({ cost_usd: 0.25, unpriced_records: 1 });
    const csv = toCsv(table).split('\r\n');
    const costAt = DAILY_COLUMNS.findIndex((c) => c.name === 'cost_usd');
    expect(csv.find((l) => l.includes('mystery-1'))?.split(',')[costAt]).toBe('');
  });

  it('keeps an unpriced record’s cost null in the usage export (CSV empty, NDJSON null)', () => {
    const r = makeRecord({
      id: 'u'.repeat(32),
      ts: '2026-03-01T10:00:00.000Z',
      source: 't',
      provider: 'acme',
      model: 'mystery-1',
      input_tokens: 5,
    });
    expect([r.cost_usd, r.cost_source]).toEqual([null, 'unpriced']);
    const table = usageTable([r], createAnonymizer('', []));
    expect(JSON.parse(toNdjson(table)).cost_usd).toBeNull();
    const costAt = USAGE_COLUMNS.findIndex((c) => c.name === 'cost_usd');
    expect(toCsv(table).split('\r\n')[1]?.split(',')[costAt]).toBe('');
  });
});
