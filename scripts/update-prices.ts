// Regenerates the bundled price table (lib/usage/pricing/catalogue.generated.ts) from a LiteLLM
// model_prices_and_context_window.json file or URL. The table is never edited by hand: run this,
// review the diff (one model per line), commit.
//
// Usage: npm run prices:update -- --from FILE|URL [--commit SHA] [--date YYYY-MM-DD] [--out FILE]

import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { convertLitellm, LITELLM_URL, renderCatalogueModule } from '../lib/usage/pricing/litellm.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { from: { type: 'string' }, commit: { type: 'string' }, date: { type: 'string' }, out: { type: 'string' } },
});
const from = values.from ?? LITELLM_URL;
const isUrl = /^https?:\/\//.test(from);
const text = isUrl ? await (await fetch(from)).text() : await readFile(from, 'utf8');
const date = values.date ?? new Date().toISOString().slice(0, 10);
// The bundled table prices all history: it applies from before any record we can hold.
const { table, counts } = convertLitellm(text, { commit: values.commit ?? null, date, validFrom: '2023-01-01', url: isUrl ? from : null });
const out = resolve(values.out ?? join(root, 'lib/usage/pricing/catalogue.generated.ts'));
await writeFile(out, renderCatalogueModule(table));
process.stdout.write(
  `${table.version}: ${Object.keys(table.models).length} models (${Object.entries(counts)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ')}) → ${out}\n`,
);
