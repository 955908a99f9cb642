// Converts LiteLLM's model_prices_and_context_window.json (USD per token, one entry per model id)
// into our price table (USD per million, one entry per id), keeping only the chat / completion /
// responses models of the providers our sources meet. Pure: text in, table out. The bundled table
// (scripts/update-prices.ts), `tokenlake prices update` and the sync's daily refresh all use it.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type LongContextPrice, type ModelPrice, type PriceTable, priceTableSchema, type TableOrigin } from './price-table.ts';

const LITELLM_REPOSITORY = 'BerriAI/litellm';
const LITELLM_PATH = 'model_prices_and_context_window.json';
/** Where `tokenlake prices update` reads the live file when no --from is given. */
export const LITELLM_URL = `https://raw.githubusercontent.com/${LITELLM_REPOSITORY}/main/${LITELLM_PATH}`;

/** LiteLLM provider → the provider family we record (the one that bills the tokens). */
const PROVIDER_FAMILIES: Record<string, string> = {
  anthropic: 'anthropic',
  openai: 'openai',
  'text-completion-openai': 'openai',
  bedrock: 'bedrock',
  bedrock_converse: 'bedrock',
  'vertex_ai-anthropic_models': 'vertex_ai',
  'vertex_ai-language-models': 'vertex_ai',
  azure: 'azure',
  'text-completion-azure': 'azure',
  gemini: 'gemini',
};

const TOKEN_MODES = new Set(['chat', 'completion', 'responses']);

/** A rejected source file; the message says why (not JSON, a bad field, too few models). */
export class PriceSourceError extends Error {
  override readonly name = 'PriceSourceError';
}

const perToken = z.number().nonnegative().finite();

/**
 * The fields we read from one LiteLLM entry (USD per token). Other fields pass untouched; a field
 * we read that is not a non-negative number rejects the whole file rather than pricing a guess.
 */
const litellmEntrySchema = z.looseObject({
  litellm_provider: z.string(),
  mode: z.string().optional(),
  input_cost_per_token: perToken.optional(),
  output_cost_per_token: perToken.optional(),
  cache_creation_input_token_cost: perToken.optional(),
  cache_creation_input_token_cost_above_1hr: perToken.optional(),
  cache_read_input_token_cost: perToken.optional(),
  output_cost_per_reasoning_token: perToken.optional(),
  input_cost_per_token_above_200k_tokens: perToken.optional(),
  output_cost_per_token_above_200k_tokens: perToken.optional(),
  cache_creation_input_token_cost_above_200k_tokens: perToken.optional(),
  cache_creation_input_token_cost_above_1hr_above_200k_tokens: perToken.optional(),
  cache_read_input_token_cost_above_200k_tokens: perToken.optional(),
  input_cost_per_token_above_272k_tokens: perToken.optional(),
  output_cost_per_token_above_272k_tokens: perToken.optional(),
  cache_creation_input_token_cost_above_272k_tokens: perToken.optional(),
  cache_read_input_token_cost_above_272k_tokens: perToken.optional(),
  input_cost_per_token_batches: perToken.optional(),
  output_cost_per_token_batches: perToken.optional(),
  input_cost_per_token_flex: perToken.optional(),
  output_cost_per_token_flex: perToken.optional(),
  cache_read_input_token_cost_flex: perToken.optional(),
  input_cost_per_token_priority: perToken.optional(),
  output_cost_per_token_priority: perToken.optional(),
  cache_read_input_token_cost_priority: perToken.optional(),
});
type LitellmEntry = z.infer<typeof litellmEntrySchema>;

/** USD per token → USD per million, without float noise (1.25e-06 × 1e6 = 1.2499999999999998). */
export function perMillion(x: number): number {
  return Number((x * 1_000_000).toPrecision(12));
}

const optionalRate = (x: number | undefined) => (x === undefined ? undefined : perMillion(x));

function longContext(
  input: number | undefined,
  output: number | undefined,
  write5m: number | undefined,
  write1h: number | undefined,
  read: number | undefined,
): LongContextPrice | undefined {
  if (input === undefined || output === undefined) return undefined;
  return withoutUndefined({
    input: perMillion(input),
    output: perMillion(output),
    cache_write_5m: optionalRate(write5m),
    cache_write_1h: optionalRate(write1h),
    cache_read: optionalRate(read),
  });
}

function withoutUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * One entry → our price. Claude's cache prices follow Anthropic's published multipliers of the
 * input rate (5-minute write 1.25×, 1-hour write 2×, read 0.1×): where LiteLLM lacks a Claude cache
 * field, the multiplier fills it, and a 1-hour write that is not 2× input (copy slips seen on
 * claude-3-opus / claude-3-haiku) is replaced by it — a rule applied alike to every refresh, not a
 * hand edit. Other providers' fields are taken as they are.
 */
function priceFromEntry(key: string, e: LitellmEntry, provider: string): ModelPrice {
  const input = perMillion(e.input_cost_per_token ?? 0);
  const price: ModelPrice = withoutUndefined({
    provider,
    input,
    output: perMillion(e.output_cost_per_token ?? 0),
    cache_write_5m: optionalRate(e.cache_creation_input_token_cost),
    cache_write_1h: optionalRate(e.cache_creation_input_token_cost_above_1hr),
    cache_read: optionalRate(e.cache_read_input_token_cost),
    reasoning: optionalRate(e.output_cost_per_reasoning_token),
    above_200k: longContext(
      e.input_cost_per_token_above_200k_tokens,
      e.output_cost_per_token_above_200k_tokens,
      e.cache_creation_input_token_cost_above_200k_tokens,
      e.cache_creation_input_token_cost_above_1hr_above_200k_tokens,
      e.cache_read_input_token_cost_above_200k_tokens,
    ),
    above_272k: longContext(
      e.input_cost_per_token_above_272k_tokens,
      e.output_cost_per_token_above_272k_tokens,
      e.cache_creation_input_token_cost_above_272k_tokens,
      undefined,
      e.cache_read_input_token_cost_above_272k_tokens,
    ),
  });
  const tiers: NonNullable<ModelPrice['tiers']> = {};
  const tier = (name: string, i: number | undefined, o: number | undefined, r: number | undefined) => {
    if (i !== undefined && o !== undefined)
      tiers[name] = withoutUndefined({ input: perMillion(i), output: perMillion(o), cache_read: optionalRate(r) });
  };
  tier('batch', e.input_cost_per_token_batches, e.output_cost_per_token_batches, undefined);
  tier('flex', e.input_cost_per_token_flex, e.output_cost_per_token_flex, e.cache_read_input_token_cost_flex);
  tier('priority', e.input_cost_per_token_priority, e.output_cost_per_token_priority, e.cache_read_input_token_cost_priority);
  if (Object.keys(tiers).length > 0) price.tiers = tiers;
  if (key.includes('claude')) applyClaudeCacheRule(price);
  return price;
}

function applyClaudeCacheRule(p: ModelPrice | LongContextPrice): void {
  const round = (x: number) => Number(x.toPrecision(12));
  p.cache_write_5m ??= round(p.input * 1.25);
  p.cache_read ??= round(p.input * 0.1);
  const twice = round(p.input * 2);
  if (p.cache_write_1h === undefined || Math.abs(p.cache_write_1h - twice) > twice * 0.01) p.cache_write_1h = twice;
  if ('provider' in p && p.above_200k) applyClaudeCacheRule(p.above_200k);
}

/** JSON with object keys sorted at every level: the same models always hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function modelsSha256(models: PriceTable['models']): string {
  return sha256Hex(canonicalJson(models));
}

interface ConvertOptions {
  /** Git commit of the file, when known (the bundled snapshot); null for a download. */
  commit: string | null;
  /** Day or instant the file is from. */
  date: string;
  /** First day or instant the table applies to. */
  validFrom: string;
  url?: string | null;
  etag?: string | null;
  fetchedAt?: string | null;
}

interface Conversion {
  table: PriceTable;
  /** Models kept per provider family. */
  counts: Record<string, number>;
}

/**
 * LiteLLM's file (its bytes as text) → a price table. Throws PriceSourceError naming why when the
 * text is not a JSON object, an entry we would keep has a bad field, or no model is left.
 */
export function convertLitellm(text: string, options: ConvertOptions): Conversion {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PriceSourceError(`not JSON: ${(error as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new PriceSourceError('not a JSON object of model entries');
  const models: Record<string, ModelPrice> = {};
  const counts: Record<string, number> = {};
  for (const [rawKey, value] of Object.entries(json as Record<string, unknown>)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const provider = PROVIDER_FAMILIES[String((value as { litellm_provider?: unknown }).litellm_provider)];
    const mode = (value as { mode?: unknown }).mode;
    if (!provider || typeof mode !== 'string' || !TOKEN_MODES.has(mode)) continue;
    const parsed = litellmEntrySchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PriceSourceError(`entry "${rawKey}", field ${issue?.path.join('.') || '(entry)'}: ${issue?.message}`);
    }
    // Per-token pricing only: provisioned throughput (per hour / per second) is not usage we can price.
    if (parsed.data.input_cost_per_token === undefined || parsed.data.output_cost_per_token === undefined) continue;
    const key = rawKey.trim().toLowerCase();
    if (models[key]) continue;
    models[key] = priceFromEntry(key, parsed.data, provider);
    counts[provider] = (counts[provider] ?? 0) + 1;
  }
  if (Object.keys(models).length === 0) throw new PriceSourceError('no chat model of a known provider in the file');
  const sorted: Record<string, ModelPrice> = {};
  for (const key of Object.keys(models).sort()) sorted[key] = models[key]!;
  const sha = sha256Hex(text);
  const origin: TableOrigin = {
    repository: LITELLM_REPOSITORY,
    path: LITELLM_PATH,
    commit: options.commit,
    date: options.date,
    sha256: sha,
    url: options.url ?? null,
    etag: options.etag ?? null,
    fetched_at: options.fetchedAt ?? null,
    models_sha256: modelsSha256(sorted),
  };
  const version = options.commit
    ? `litellm-${options.commit.slice(0, 8)}-${sha.slice(0, 8)}`
    : `litellm-${options.date.slice(0, 10)}-${sha.slice(0, 8)}`;
  const table = priceTableSchema.parse({
    version,
    valid_from: options.validFrom,
    source: `${LITELLM_REPOSITORY} ${LITELLM_PATH}${options.commit ? ` @ ${options.commit}` : ''} (${options.date})`,
    origin,
    models: sorted,
  });
  return { table, counts };
}

/** Models per provider family of a table. */
export function countByProvider(table: PriceTable): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of Object.values(table.models)) counts[m.provider] = (counts[m.provider] ?? 0) + 1;
  return counts;
}

/**
 * A refreshed table may not lose half its models at once: a truncated download or a reshaped file
 * would otherwise silently unprice most usage. Throws naming both counts.
 */
export function checkModelCount(next: PriceTable, previous: PriceTable): void {
  const n = Object.keys(next.models).length;
  const before = Object.keys(previous.models).length;
  if (n * 2 < before) {
    throw new PriceSourceError(`only ${n} models, fewer than half of the ${before} in the table in force (${previous.version})`);
  }
}

/** The generated module's text: deterministic, one model per line, so a refresh diffs by model. */
export function renderCatalogueModule(table: PriceTable): string {
  const { models, ...head } = table;
  const counts = countByProvider(table);
  const lines = [
    '// Generated by scripts/update-prices.ts from LiteLLM’s model_prices_and_context_window.json — do not edit.',
    '// Refresh: npm run prices:update -- --from <file> --commit <sha> --date <YYYY-MM-DD>',
    `// Models per provider: ${Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}.`,
    '',
    "import type { PriceTable } from './price-table.ts';",
    '',
    `export const bundledPriceTable: PriceTable = ${JSON.stringify(head).slice(0, -1)}, "models": {`,
    ...Object.keys(models).map((key, i, all) => `  ${JSON.stringify(key)}: ${JSON.stringify(models[key])}${i < all.length - 1 ? ',' : ''}`),
    '}};',
    '',
  ];
  return lines.join('\n');
}
