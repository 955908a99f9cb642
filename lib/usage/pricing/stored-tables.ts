// Price tables kept in the bucket: LiteLLM files fetched where there is a network, converted and
// stored under config/prices/tables/ as dated tables (valid from the fetch time), plus the fetch
// state (ETag, last check, last error). A fetched table prices what comes after it; it never
// re-prices the past by itself (only `aggregate` rebuilds history). Store, fetch and clock are passed in.

import { z } from 'zod';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { PRICE_TABLES_PREFIX, PRICES_STATE_KEY } from '../../store/layout.ts';
import type { ObjectStore } from '../../store/object-store.ts';
import { builtInPriceTable } from './built-in-table.ts';
import { checkModelCount, convertLitellm, countByProvider, PriceSourceError } from './litellm.ts';
import { type PriceTable, priceTableSchema } from './price-table.ts';

/** The deployed sync refreshes at most this often. */
const REFRESH_INTERVAL_MS = 24 * 3_600_000;
/** A download that hangs (an account without egress) must not hold a Lambda for its whole timeout. */
const FETCH_TIMEOUT_MS = 15_000;

export const pricesStateSchema = z.object({
  url: z.string().nullable(),
  etag: z.string().nullable(),
  checked_at: z.string(),
  /** The stored table fetched last (null: none yet, the bundled one is in force). */
  last_good_key: z.string().nullable(),
  last_error: z.string().nullable(),
  last_error_at: z.string().nullable(),
});
type PricesState = z.infer<typeof pricesStateSchema>;

async function readState(store: ObjectStore): Promise<PricesState | null> {
  const got = await store.getText(PRICES_STATE_KEY);
  if (!got) return null;
  try {
    const parsed = pricesStateSchema.safeParse(JSON.parse(got.text));
    return parsed.success ? parsed.data : null;
  } catch {
    // A corrupt state only costs one extra download; the tables themselves are not in it.
    return null;
  }
}

/**
 * Every stored table that validates, oldest first. A table that does not is skipped with a warning,
 * so the last good one before it stays in force (and the bundled one when none is left).
 */
async function loadStoredPriceTables(store: ObjectStore, log: Logger): Promise<PriceTable[]> {
  const out: PriceTable[] = [];
  for (const o of await store.list(PRICE_TABLES_PREFIX)) {
    if (!o.key.endsWith('.json')) continue;
    const got = await store.getText(o.key);
    if (!got) continue;
    let parsed: ReturnType<typeof priceTableSchema.safeParse>;
    try {
      parsed = priceTableSchema.safeParse(JSON.parse(got.text));
    } catch (error) {
      log.warn('stored price table is not JSON; the table before it stays in force', { key: o.key, error: errorMessage(error) });
      continue;
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      log.warn('stored price table fails its schema; the table before it stays in force', {
        key: o.key,
        error: `${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      });
      continue;
    }
    out.push(parsed.data);
  }
  return out.sort((a, b) => a.valid_from.localeCompare(b.valid_from));
}

/** Object key of a table fetched at `at`: sortable by time, distinct per content. */
function storedTableKey(at: Date, sha256: string): string {
  return `${PRICE_TABLES_PREFIX}${at.toISOString().replace(/[:.]/g, '-')}-${sha256.slice(0, 12)}.json`;
}

type RefreshStatus = 'fresh' | 'not-modified' | 'unchanged' | 'stored';

interface RefreshResult {
  status: RefreshStatus;
  /** The table now newest in the bucket (or the bundled one), and where it is. */
  table: PriceTable;
  key: string | null;
  counts: Record<string, number>;
}

interface RefreshInput {
  store: ObjectStore;
  now: Date;
  log: Logger;
  /** Where the LiteLLM file is: an URL (fetched with If-None-Match) or, for --from FILE, its text. */
  source: { url: string; fetch: typeof fetch } | { file: string; text: string };
  /** Skip the once-a-day check (the CLI command). */
  force?: boolean;
}

/**
 * Fetches (or reads) a LiteLLM file, validates and converts it, and stores it as a table valid from
 * `now` when its models differ from the newest stored table. Throws PriceSourceError naming why a
 * file is rejected (not JSON, a bad field, half the models gone, HTTP error); the error is also
 * kept in the state, and the tables in force stay as they were.
 */
export async function refreshPriceTable(input: RefreshInput): Promise<RefreshResult> {
  const { store, now, log } = input;
  const state = await readState(store);
  const stored = await loadStoredPriceTables(store, log);
  const newest = stored.at(-1) ?? builtInPriceTable;
  const newestKey = state?.last_good_key ?? null;
  const url = 'url' in input.source ? input.source.url : null;
  const sameUrl = state !== null && state.url === url;
  if (!input.force && sameUrl && state && now.getTime() - Date.parse(state.checked_at) < REFRESH_INTERVAL_MS) {
    return { status: 'fresh', table: newest, key: newestKey, counts: countByProvider(newest) };
  }
  const base: PricesState = {
    url,
    etag: sameUrl ? (state?.etag ?? null) : null,
    checked_at: now.toISOString(),
    last_good_key: newestKey,
    last_error: null,
    last_error_at: state?.last_error_at ?? null,
  };
  const save = (s: PricesState) => store.put(PRICES_STATE_KEY, JSON.stringify(s, null, 2));
  try {
    let text: string;
    let etag: string | null = null;
    if ('url' in input.source) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (base.etag) headers['if-none-match'] = base.etag;
      let res: Response;
      try {
        res = await input.source.fetch(input.source.url, { headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      } catch (error) {
        throw new PriceSourceError(`cannot fetch ${input.source.url}: ${errorMessage(error)}`);
      }
      if (res.status === 304) {
        await save(base);
        return { status: 'not-modified', table: newest, key: newestKey, counts: countByProvider(newest) };
      }
      if (!res.ok) throw new PriceSourceError(`${input.source.url} answered HTTP ${res.status}`);
      text = await res.text();
      etag = res.headers.get('etag');
    } else {
      text = input.source.text;
    }
    const { table, counts } = convertLitellm(text, {
      commit: null,
      date: now.toISOString().slice(0, 10),
      validFrom: now.toISOString(),
      url,
      etag,
      fetchedAt: now.toISOString(),
    });
    checkModelCount(table, newest);
    const next = { ...base, etag };
    if (table.origin?.models_sha256 === newest.origin?.models_sha256) {
      // Same prices as the table in force: a new table would only churn the version label.
      await save(next);
      return { status: 'unchanged', table: newest, key: newestKey, counts: countByProvider(newest) };
    }
    const key = storedTableKey(now, table.origin?.sha256 ?? '');
    await store.put(key, JSON.stringify(table));
    await save({ ...next, last_good_key: key });
    log.info('price table stored', { key, version: table.version, valid_from: table.valid_from, models: Object.keys(table.models).length });
    return { status: 'stored', table, key, counts };
  } catch (error) {
    const message = errorMessage(error);
    await save({ ...base, last_error: message, last_error_at: now.toISOString() }).catch(() => undefined);
    throw error instanceof PriceSourceError ? error : new PriceSourceError(message, { cause: error });
  }
}

interface BaseTablesInput {
  store: ObjectStore;
  now: Date;
  log: Logger;
  /** TOKENLAKE_PRICES_URL: refresh from it at most once a day; undefined = off (no egress needed). */
  pricesUrl?: string | undefined;
  fetch?: typeof fetch;
}

/**
 * The base tables at start-up: the bundled one, then every good table stored in the bucket (after
 * a refresh when a prices URL is configured). Never throws: a failed refresh or an unreadable
 * bucket keeps the last good table, else the bundled one, and says so in one log line.
 */
export async function loadBaseTables(input: BaseTablesInput): Promise<PriceTable[]> {
  const { store, now, log } = input;
  let refreshError: string | null = null;
  if (input.pricesUrl) {
    try {
      const r = await refreshPriceTable({ store, now, log, source: { url: input.pricesUrl, fetch: input.fetch ?? fetch } });
      if (r.status !== 'fresh') log.info('price table refresh', { status: r.status, version: r.table.version });
    } catch (error) {
      refreshError = errorMessage(error);
    }
  }
  let tables: PriceTable[];
  try {
    tables = [builtInPriceTable, ...(await loadStoredPriceTables(store, log))];
  } catch (error) {
    log.warn('stored price tables unreadable; the bundled table is in force', {
      bundled: builtInPriceTable.version,
      error: errorMessage(error),
    });
    return [builtInPriceTable];
  }
  const inForce = tables.at(-1)!;
  if (refreshError !== null) {
    log.warn(
      `price table refresh failed; ${inForce === builtInPriceTable ? 'the bundled table' : 'the last good fetched table'} stays in force`,
      { url: input.pricesUrl, error: refreshError, version: inForce.version, valid_from: inForce.valid_from },
    );
  }
  return tables;
}
