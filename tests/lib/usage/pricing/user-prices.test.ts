import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../lib/core/errors.ts';
import { loadPriceTables } from '../../../../lib/pipeline/runtime.ts';
import { builtInPriceTable } from '../../../../lib/usage/pricing/built-in-table.ts';
import { createPricer } from '../../../../lib/usage/pricing/price.ts';

const dir = mkdtempSync(join(tmpdir(), 'tokenlake-user-prices-'));
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

describe('TOKENLAKE_PRICES_FILE', () => {
  it('names the file, the model and the field of a bad entry', async () => {
    const path = file('bad.json', {
      version: 'mine',
      valid_from: '2023-01-01',
      models: { 'acme-large-1': { provider: 'acme', input: 'two', output: 8 } },
    });
    const error = await loadPriceTables(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${path}: model "acme-large-1", field input:`);
  });

  it('names the table of a list, and a bad valid_from', async () => {
    const path = file('list.json', [
      { version: 'a', valid_from: '2023-01-01', models: {} },
      { version: 'b', valid_from: 'next week', models: {} },
    ]);
    await expect(loadPriceTables(path)).rejects.toThrow(/table 2, field valid_from: expected a day YYYY-MM-DD or an ISO instant/);
    await expect(loadPriceTables(file('x.json', '{'))).rejects.toThrow(/is not JSON/);
  });

  it('adds a model to the built-in table without losing the others', async () => {
    const path = file('ok.json', {
      version: 'mine',
      valid_from: '2023-01-01',
      models: { 'acme-large-1': { provider: 'acme', input: 2, output: 8 } },
    });
    const tables = await loadPriceTables(path);
    expect(tables.map((t) => t.version)).toEqual([`${builtInPriceTable.version}+mine`]);
    const pricer = createPricer(tables);
    const usage = { ts: '2026-03-01T00:00:00.000Z', provider: 'acme', service_tier: null, input_tokens: 100_000, output_tokens: 50_000 };
    const zero = { cache_creation_tokens: 0, cache_creation_1h_tokens: 0, cache_read_tokens: 0, requests: 1 };
    expect(pricer.price({ ...usage, ...zero, model: 'acme-large-1' })).toBeCloseTo(0.6, 12); // 0.1 × 2 + 0.05 × 8
    expect(pricer.price({ ...usage, ...zero, model: 'gpt-5.5' })).toBeCloseTo(2, 12); // 0.1 × 5 + 0.05 × 30
  });
});
