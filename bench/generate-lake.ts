// Writes a lake of N days × M records/day into a data folder through the plain-file store (the
// local lake: `<data dir>/<bucket>/lake/usage/dt=…/….jsonl`). `verifyLakeServed` proves the store
// lists and serves what was written (keys, ETags, sizes, bytes).
// Lines are the lake contract byte for byte (serializeRecord's key order); expected daily totals
// are summed while writing, priced with lib/usage/pricing.

import { createHash } from 'node:crypto';
import { addDays } from '../lib/core/calendar.ts';
import { FileObjectStore } from '../lib/store/file-store.ts';
import { costOf, createPricer } from '../lib/usage/pricing/price.ts';
import type { ModelPrice } from '../lib/usage/pricing/price-table.ts';
import { addUsage, type DailyTotals, sortedTotals } from './expected-totals.ts';
import { type SeededRandom, seededRandom } from './seeded-random.ts';

export interface LakeOptions {
  /** The data folder (TOKENLAKE_DATA_DIR). */
  dataDir: string;
  bucket?: string;
  days: number;
  recordsPerDay: number;
  /** Objects per day partition (one per sync batch / machine). */
  objectsPerDay?: number;
  /** Last UTC day (YYYY-MM-DD). */
  endDay: string;
  seed?: number;
}

export interface LakeObjectInfo {
  key: string;
  etag: string;
  size: number;
  records: number;
}

export interface Lake {
  dataDir: string;
  bucket: string;
  days: string[];
  objects: LakeObjectInfo[];
  records: number;
  bytes: number;
  expected: DailyTotals;
}

const ANTHROPIC_MODELS = [
  'claude-sonnet-4-5-20250929',
  'claude-opus-4-5-20251101',
  'claude-haiku-4-5-20251001',
  'claude-opus-4-1-20250805',
];
const OPENAI_MODELS = ['gpt-5', 'gpt-5-mini', 'gpt-4.1', 'gpt-4o-mini', 'o4-mini'];
const OPENAI_TIERS = ['default', 'default', 'default', 'flex', 'priority'];
const PROJECTS = [
  'web',
  'api',
  'infra',
  'mobile-app',
  'data-pipeline',
  'docs',
  'billing',
  'search',
  'auth',
  'cli',
  'design-system',
  'ml-models',
];
const USERS = Array.from({ length: 24 }, (_, i) => `user-${String(i + 1).padStart(2, '0')}`);
const MACHINES = Array.from({ length: 8 }, (_, i) => `laptop-${i + 1}`);

function json(value: string | null): string {
  return value === null ? 'null' : `"${value}"`;
}

const pricer = createPricer();
const priceByModel = new Map<string, ModelPrice>();
/** The price table has one version, so a model's price is looked up once, not per record. */
function priceFor(model: string, ts: string): ModelPrice {
  let p = priceByModel.get(model);
  if (!p) {
    const found = pricer.lookup(model, ts);
    if (!found) throw new Error(`bench: model ${model} has no price`);
    p = found;
    priceByModel.set(model, p);
  }
  return p;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** `${day}T..Z` for a millisecond of the day, without a Date per record. */
function isoAt(day: string, msOfDay: number): string {
  const ms = msOfDay % 1000;
  const s = Math.floor(msOfDay / 1000);
  return `${day}T${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}.${String(ms).padStart(3, '0')}Z`;
}

/**
 * One lake object's body (records sorted by ts, as sync writes them) and its totals. A day's
 * objects alternate between a Claude Code machine (single requests) and the OpenAI usage API
 * (one-minute buckets with latency).
 */
export function lakeObjectBody(
  random: SeededRandom,
  day: string,
  records: number,
  kind: 'claude-code' | 'openai',
  expected: DailyTotals,
): Buffer {
  const offsets = new Float64Array(records);
  for (let i = 0; i < records; i++) offsets[i] = Math.floor(random.next() * 86_400_000);
  offsets.sort();
  // Realistic label cardinality: a Claude Code object is one machine, whose user works on two
  // projects; an OpenAI usage-API object has no user or machine, only API keys mapped to projects.
  const machineIndex = random.int(0, MACHINES.length - 1);
  const machine = MACHINES[machineIndex]!;
  // Lines go straight into one buffer: holding them as strings until the end made GC the hot path.
  let out = Buffer.allocUnsafe(records * 640 + 1024);
  let at = 0;
  let session = random.uuid();
  for (let i = 0; i < records; i++) {
    if (random.chance(0.01)) session = random.uuid();
    const ts = isoAt(day, offsets[i]!);
    const openai = kind === 'openai';
    const model = openai ? random.pick(OPENAI_MODELS) : random.pick(ANTHROPIC_MODELS);
    const requests = openai ? random.int(1, 40) : 1;
    const longContext = !openai && model.startsWith('claude-sonnet') && random.chance(0.02);
    const input = longContext ? random.int(150_000, 260_000) : random.int(1, 8000) * requests;
    const cacheRead = openai ? random.int(0, 40_000) * requests : random.int(0, 160_000);
    const cache = openai ? 0 : random.chance(0.4) ? random.int(50, 25_000) : 0;
    const cache1h = cache > 0 && random.chance(0.25) ? random.int(0, cache) : 0;
    const output = random.int(1, 4000) * requests;
    const tier = openai ? random.pick(OPENAI_TIERS) : 'standard';
    const usage = {
      model,
      provider: openai ? 'openai' : 'anthropic',
      ts,
      service_tier: tier,
      input_tokens: input,
      output_tokens: output,
      cache_creation_tokens: cache,
      cache_creation_1h_tokens: cache1h,
      cache_read_tokens: cacheRead,
      requests,
      bucket_seconds: openai ? 60 : null,
    };
    const cost = costOf(usage, priceFor(model, ts));
    addUsage(expected, day, usage, cost);
    const user = machineIndex * 3 + random.int(0, 2);
    const apiKey = random.int(1, 6);
    const project = openai ? apiKey % PROJECTS.length : (user + random.int(0, 1)) % PROJECTS.length;
    const latency = openai ? String(random.int(150, 30_000)) : 'null';
    const line = `{"id":"${random.hex(32)}","ts":"${ts}","source":"${kind}","provider":"${usage.provider}","model":"${model}","project":"${PROJECTS[project]}","user":${openai ? 'null' : json(USERS[user]!)},"session":${openai ? 'null' : json(session)},"machine":${openai ? 'null' : json(machine)},"api_key":${openai ? json(`key_${apiKey}`) : 'null'},"workspace":null,"service_tier":"${tier}","input_tokens":${input},"output_tokens":${output},"cache_creation_tokens":${cache},"cache_creation_1h_tokens":${cache1h},"cache_read_tokens":${cacheRead},"requests":${requests},"cost_usd":${cost},"cost_source":"priced","latency_ms":${latency},"bucket_seconds":${openai ? 60 : 'null'}}\n`;
    if (at + line.length * 3 > out.length) out = Buffer.concat([out.subarray(0, at), Buffer.allocUnsafe(out.length)]);
    at += out.write(line, at);
  }
  return out.subarray(0, at);
}

export async function generateLake(options: LakeOptions): Promise<Lake> {
  const bucket = options.bucket ?? 'tokenlake';
  const store = FileObjectStore.open(options.dataDir, bucket);
  const perDay = options.objectsPerDay ?? 4;
  const random = seededRandom(options.seed ?? 7);
  const expected: DailyTotals = {};
  const objects: LakeObjectInfo[] = [];
  const days: string[] = [];
  let bytes = 0;
  for (let i = options.days - 1; i >= 0; i--) {
    const day = addDays(options.endDay, -i);
    days.push(day);
    let left = options.recordsPerDay;
    for (let o = 0; o < perDay; o++) {
      const n = o === perDay - 1 ? left : Math.floor(options.recordsPerDay / perDay);
      left -= n;
      // Three of four objects come from Claude Code machines, one from the OpenAI usage API.
      const kind = o % 4 === 3 ? 'openai' : 'claude-code';
      const body = lakeObjectBody(random, day, n, kind, expected);
      const key = `lake/usage/dt=${day}/${kind}-${random.hex(20)}.jsonl`;
      const { etag } = await store.put(key, body);
      objects.push({ key, etag, size: body.byteLength, records: n });
      bytes += body.byteLength;
    }
  }
  return {
    dataDir: options.dataDir,
    bucket,
    days,
    objects,
    records: options.days * options.recordsPerDay,
    bytes,
    expected: sortedTotals(expected),
  };
}

/**
 * Checks the store lists exactly the objects written, with their ETags and sizes, and serves the
 * bytes of `sample` of them unchanged. Returns the differences found.
 */
export async function verifyLakeServed(lake: Lake, sample = 2): Promise<string[]> {
  const problems: string[] = [];
  {
    const store = FileObjectStore.open(lake.dataDir, lake.bucket);
    const listed = new Map((await store.list('lake/usage/')).map((o) => [o.key, o]));
    for (const o of lake.objects) {
      const got = listed.get(o.key);
      if (!got) problems.push(`${o.key}: not listed`);
      else if (got.etag !== o.etag || got.size !== o.size)
        problems.push(`${o.key}: listed as ${got.etag}/${got.size}, wrote ${o.etag}/${o.size}`);
    }
    if (listed.size !== lake.objects.length) problems.push(`listed ${listed.size} objects, wrote ${lake.objects.length}`);
    const step = Math.max(1, Math.floor(lake.objects.length / sample));
    for (let i = 0; i < lake.objects.length && i / step < sample; i += step) {
      const o = lake.objects[i]!;
      const got = await store.getBytes(o.key);
      const md5 = got ? createHash('md5').update(got).digest('hex') : null;
      if (md5 !== o.etag) problems.push(`${o.key}: GET returned other bytes`);
      const head = await store.head(o.key);
      if (head?.etag !== o.etag) problems.push(`${o.key}: HEAD ETag ${head?.etag}`);
    }
  }
  return problems;
}
