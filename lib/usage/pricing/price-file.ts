// The user's price file (TOKENLAKE_PRICES_FILE) laid over the base tables. Its own module so that
// what needs only prices (the status line's background refresh) does not load the runtime.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { builtInPriceTable } from './built-in-table.ts';
import { composePriceTables } from './price.ts';
import { type PriceTable, priceTableSchema } from './price-table.ts';

/**
 * Price tables: the base tables (bundled, then those fetched into the bucket) with the user's file
 * (one table or a list) laid over them model by model, so an override file can hold just the
 * models to add or correct. A bad file is a ConfigError naming the file, the model and the field.
 */
export async function loadPriceTables(pricesFile: string | undefined, base: PriceTable[] = [builtInPriceTable]): Promise<PriceTable[]> {
  if (!pricesFile) return base;
  let text: string;
  try {
    text = await readFile(pricesFile, 'utf8');
  } catch (error) {
    throw new ConfigError('TOKENLAKE_PRICES_FILE', `cannot read ${pricesFile}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('TOKENLAKE_PRICES_FILE', `${pricesFile} is not JSON: ${(error as Error).message}`);
  }
  const parsed = z.union([priceTableSchema, z.array(priceTableSchema)]).safeParse(json);
  if (!parsed.success)
    throw new ConfigError('TOKENLAKE_PRICES_FILE', `${pricesFile}: ${describePriceFileIssue(json, parsed.error.issues)}`);
  return composePriceTables(base, Array.isArray(parsed.data) ? parsed.data : [parsed.data]);
}

/** "model \"gpt-9\", field input: expected number" — the deepest issue, located the way a person edits the file. */
function describePriceFileIssue(json: unknown, issues: readonly z.core.$ZodIssue[]): string {
  // A union reports each branch; the branch matching the file's shape (object or list) is the one to show.
  const flat: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union') {
      const branch = issue.errors[Array.isArray(json) ? 1 : 0];
      for (const i of branch ?? []) flat.push({ ...i, path: [...issue.path, ...i.path] });
    } else flat.push(issue);
  }
  const issue = flat[0];
  if (!issue) return 'does not match the price table format';
  const path = issue.path.map(String);
  const at = Array.isArray(json) ? `table ${Number(path.shift()) + 1}, ` : '';
  if (path[0] === 'models' && path.length >= 2) {
    const field = path.slice(2).join('.') || '(the model entry)';
    return `${at}model "${path[1]}", field ${field}: ${issue.message}`;
  }
  return `${at}field ${path.join('.') || '(file)'}: ${issue.message}`;
}
