// `tokenlake prices update [--from URL|FILE]`: LiteLLM's price file → a dated table in the bucket
// (config/prices/tables/, valid from now), used for usage from now on. History is re-priced only
// by `tokenlake aggregate`. A file that is not JSON, fails the schema or halves the models is refused.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { errorMessage } from '../lib/core/errors.ts';
import type { Runtime } from '../lib/pipeline/runtime.ts';
import { LITELLM_URL } from '../lib/usage/pricing/litellm.ts';
import { refreshPriceTable } from '../lib/usage/pricing/stored-tables.ts';

export const PRICES_HELP = `tokenlake prices update [--from URL|FILE]

Fetches LiteLLM's model_prices_and_context_window.json (default: ${LITELLM_URL};
If-None-Match with the last ETag), checks it, and stores it as a price table valid from now.
Past days keep the table that priced them until you run "tokenlake aggregate --from … --to …".
Example (offline): tokenlake prices update --from ./model_prices_and_context_window.json`;

export async function runPricesCommand(
  args: readonly string[],
  rt: Pick<Runtime, 'store' | 'now' | 'log'>,
  io: { stdout(t: string): void; stderr(t: string): void; fetch?: typeof fetch },
): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { from: { type: 'string' } } });
  if (positionals[0] !== 'update' || positionals.length > 1) {
    io.stderr(`tokenlake prices: expected "update"\n${PRICES_HELP}\n`);
    return 2;
  }
  const from = values.from ?? LITELLM_URL;
  let source: Parameters<typeof refreshPriceTable>[0]['source'];
  if (/^https?:\/\//.test(from)) source = { url: from, fetch: io.fetch ?? fetch };
  else {
    try {
      source = { file: from, text: await readFile(from, 'utf8') };
    } catch (error) {
      io.stderr(`tokenlake prices update: cannot read ${from}: ${errorMessage(error)}\n`);
      return 2;
    }
  }
  try {
    const r = await refreshPriceTable({ store: rt.store, now: rt.now(), log: rt.log, source, force: true });
    const counts = Object.entries(r.counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    const what =
      r.status === 'stored'
        ? `stored ${r.table.version}, valid from ${r.table.valid_from}`
        : r.status === 'not-modified'
          ? `not modified since the last fetch; ${r.table.version} stays in force`
          : `same prices as ${r.table.version}, which stays in force`;
    io.stdout(`${what} (${Object.keys(r.table.models).length} models: ${counts})\n`);
    return 0;
  } catch (error) {
    io.stderr(`tokenlake prices update: ${from} refused: ${errorMessage(error)}; the last good table stays in force\n`);
    return 1;
  }
}
