import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPricesCommand } from '../../cli/prices.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { PRICE_TABLES_PREFIX } from '../../lib/store/layout.ts';
import { builtInPriceTable } from '../../lib/usage/pricing/built-in-table.ts';
import { createPricer } from '../../lib/usage/pricing/price.ts';
import { loadBaseTables } from '../../lib/usage/pricing/stored-tables.ts';
import { makeRecord } from '../../lib/usage/record.ts';
import { litellmFileFrom } from '../lib/usage/pricing/litellm-file.ts';
import { MemoryStore } from '../support/memory-store.ts';

const NOW = new Date('2026-08-10T09:30:00.000Z');
const dir = mkdtempSync(join(tmpdir(), 'tokenlake-prices-'));

function save(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function run(store: MemoryStore, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPricesCommand(
    args,
    { store, now: () => NOW, log: silentLogger },
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
  );
  return { code, out: out.join(''), err: err.join('') };
}

describe('tokenlake prices update --from FILE (offline)', () => {
  it('stores a saved LiteLLM file as a table valid from now: new usage at its prices, the past untouched', async () => {
    const store = new MemoryStore();
    // gpt-5.5 at 6/36 instead of 5/30 per million.
    const file = save('prices.json', litellmFileFrom(builtInPriceTable, { 'gpt-5.5': { input: 6, output: 36 } }));
    const first = await run(store, ['update', '--from', file]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^stored litellm-2026-08-10-[0-9a-f]{8}, valid from 2026-08-10T09:30:00.000Z \(726 models: /);
    const keys = (await store.list(PRICE_TABLES_PREFIX)).map((o) => o.key);
    expect(keys).toHaveLength(1);

    const pricer = createPricer(await loadBaseTables({ store, now: NOW, log: silentLogger }));
    const usage = (ts: string) =>
      makeRecord({
        id: 'x'.repeat(32),
        ts,
        source: 't',
        provider: 'openai',
        model: 'gpt-5.5',
        input_tokens: 100_000,
        output_tokens: 100_000,
      });
    expect(pricer.price(usage('2026-08-10T09:29:59.000Z'))).toBeCloseTo(3.5, 12); // 0.1 × (5 + 30): the bundled table
    expect(pricer.price(usage('2026-08-10T09:30:00.000Z'))).toBeCloseTo(4.2, 12); // 0.1 × (6 + 36): the stored one

    const again = await run(store, ['update', '--from', file]);
    expect(again.out).toMatch(/^same prices as litellm-2026-08-10-/);
    expect((await store.list(PRICE_TABLES_PREFIX)).length).toBe(1);
  });

  it('refuses a file that is not JSON, fails the schema or halves the models, naming why; nothing is stored', async () => {
    const store = new MemoryStore();
    const notJson = await run(store, ['update', '--from', save('html.json', '<html>Too Many Requests</html>')]);
    expect(notJson.code).toBe(1);
    expect(notJson.err).toMatch(/refused: not JSON: .*the last good table stays in force/);

    const bad = JSON.parse(litellmFileFrom(builtInPriceTable));
    bad['gpt-5.5'].output_cost_per_token = -1;
    const schema = await run(store, ['update', '--from', save('bad.json', JSON.stringify(bad))]);
    expect(schema.code).toBe(1);
    expect(schema.err).toContain('entry "gpt-5.5", field output_cost_per_token');

    const halved = await run(store, ['update', '--from', new URL('../lib/usage/pricing/litellm-sample.json', import.meta.url).pathname]);
    expect(halved.code).toBe(1);
    expect(halved.err).toContain(`only 9 models, fewer than half of the 726 in the table in force (${builtInPriceTable.version})`);
    expect(await store.list(PRICE_TABLES_PREFIX)).toEqual([]);
  });

  it('answers usage errors with exit 2', async () => {
    const store = new MemoryStore();
    expect((await run(store, ['refresh'])).code).toBe(2);
    expect((await run(store, ['update', '--from', join(dir, 'missing.json')])).code).toBe(2);
  });
});
