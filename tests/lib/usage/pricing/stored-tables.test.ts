import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../../../lib/core/log.ts';
import { PRICE_TABLES_PREFIX, PRICES_STATE_KEY } from '../../../../lib/store/layout.ts';
import { builtInPriceTable } from '../../../../lib/usage/pricing/built-in-table.ts';
import { loadBaseTables, pricesStateSchema } from '../../../../lib/usage/pricing/stored-tables.ts';
import { MemoryStore } from '../../../support/memory-store.ts';
import { litellmFileFrom } from './litellm-file.ts';

const URL_ = 'https://prices.example/model_prices_and_context_window.json';

/** A fetch double: answers from a script of responses and records each request's headers. */
function fakeFetch(responses: Array<() => Response>) {
  const requests: Array<Record<string, string>> = [];
  const fn = (async (_url: string, init?: RequestInit) => {
    requests.push({ ...(init?.headers as Record<string, string>) });
    const next = responses.shift();
    if (!next) throw new Error('unexpected request');
    return next();
  }) as unknown as typeof fetch;
  return { fn, requests };
}

const changed = litellmFileFrom(builtInPriceTable, { 'gpt-5.5': { input: 6, output: 36 } });
const ok = (text: string, etag: string) => () => new Response(text, { status: 200, headers: { etag } });
const at = (iso: string) => new Date(iso);

async function state(store: MemoryStore) {
  return pricesStateSchema.parse(JSON.parse((await store.getText(PRICES_STATE_KEY))!.text));
}

describe('price refresh at start-up (TOKENLAKE_PRICES_URL)', () => {
  it('fetches at most once a day, revalidates with the ETag, and stores a table only when prices change', async () => {
    const store = new MemoryStore();
    const f = fakeFetch([ok(changed, '"v1"'), () => new Response(null, { status: 304 })]);
    const base = { store, log: silentLogger, pricesUrl: URL_, fetch: f.fn };

    const first = await loadBaseTables({ ...base, now: at('2026-08-10T06:00:00Z') });
    expect(first.map((t) => t.version)).toEqual([builtInPriceTable.version, expect.stringMatching(/^litellm-2026-08-10-/)]);
    expect(first[1]?.valid_from).toBe('2026-08-10T06:00:00.000Z');
    expect(first[1]?.models['gpt-5.5']).toMatchObject({ input: 6, output: 36 });

    // Six hours later: no request at all.
    await loadBaseTables({ ...base, now: at('2026-08-10T12:00:00Z') });
    expect(f.requests).toHaveLength(1);

    // A day later: a conditional request; 304 keeps the table.
    const third = await loadBaseTables({ ...base, now: at('2026-08-11T06:00:01Z') });
    expect(f.requests[1]?.['if-none-match']).toBe('"v1"');
    expect(third).toHaveLength(2);
    expect((await state(store)).checked_at).toBe('2026-08-11T06:00:01.000Z');
  });

  it('keeps the last good table when a download is refused, with the reason in the state', async () => {
    const store = new MemoryStore();
    const f = fakeFetch([ok(changed, '"v1"'), ok('{"truncated":', '"v2"'), () => new Response('down', { status: 503 })]);
    const base = { store, log: silentLogger, pricesUrl: URL_, fetch: f.fn };
    const good = await loadBaseTables({ ...base, now: at('2026-08-10T06:00:00Z') });
    const afterBad = await loadBaseTables({ ...base, now: at('2026-08-11T07:00:00Z') });
    expect(afterBad.map((t) => t.version)).toEqual(good.map((t) => t.version));
    expect((await state(store)).last_error).toMatch(/^not JSON/);
    const afterDown = await loadBaseTables({ ...base, now: at('2026-08-12T08:00:00Z') });
    expect(afterDown.map((t) => t.version)).toEqual(good.map((t) => t.version));
    expect((await state(store)).last_error).toContain('answered HTTP 503');
  });

  it('says in one log line which table stays in force when a refresh fails', async () => {
    const store = new MemoryStore();
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    const f = fakeFetch([ok(changed, '"v1"'), () => new Response('down', { status: 500 })]);
    await loadBaseTables({
      store,
      log,
      pricesUrl: URL_,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
      now: at('2026-08-09T06:00:00Z'),
    });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      message: 'price table refresh failed; the bundled table stays in force',
      version: builtInPriceTable.version,
    });
    await loadBaseTables({ store, log: silentLogger, pricesUrl: URL_, fetch: f.fn, now: at('2026-08-10T06:00:00Z') });
    await loadBaseTables({ store, log, pricesUrl: URL_, fetch: f.fn, now: at('2026-08-11T06:00:00Z') });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      message: 'price table refresh failed; the last good fetched table stays in force',
      error: expect.stringContaining('HTTP 500'),
      valid_from: '2026-08-10T06:00:00.000Z',
    });
  });

  it('falls back to the bundled table when nothing can be fetched, and skips a corrupt stored table', async () => {
    const store = new MemoryStore();
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    expect(await loadBaseTables({ store, log: silentLogger, now: at('2026-08-10T06:00:00Z'), pricesUrl: URL_, fetch: offline })).toEqual([
      builtInPriceTable,
    ]);
    await store.put(`${PRICE_TABLES_PREFIX}2026-08-09T00-00-00-000Z-abc.json`, '{"version":"x"}');
    expect(await loadBaseTables({ store, log: silentLogger, now: at('2026-08-10T06:00:00Z') })).toEqual([builtInPriceTable]);
  });

  it('fetches nothing when no URL is configured (accounts without egress)', async () => {
    const store = new MemoryStore();
    const f = fakeFetch([]);
    expect(await loadBaseTables({ store, log: silentLogger, now: at('2026-08-10T06:00:00Z'), fetch: f.fn })).toEqual([builtInPriceTable]);
    expect(f.requests).toEqual([]);
  });
});
