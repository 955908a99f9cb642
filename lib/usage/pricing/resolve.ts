// Model id resolution: the one place that turns a model id as logs and APIs spell it (dated or not,
// provider-routed, Bedrock profiles and ARNs, Vertex @dates, OpenRouter names) into a price-table
// key, and says what the id itself tells (provider family, AWS region, Bedrock geography). Pure and
// cached per id. Every candidate is an exact key: an id is never priced as another model whose
// name merely starts the same way; an id that matches nothing stays unpriced.

/** What an id resolved to. */
export interface ResolvedModel {
  /** The price-table key, or null when no entry is this model. */
  key: string | null;
  /**
   * The provider family the id names (bedrock, vertex_ai, azure, openrouter, gemini, anthropic,
   * openai), else the family of the entry it resolved to, else null.
   */
  provider: string | null;
  /** AWS region an ARN or a `bedrock/<region>/` path carries (us-east-1), else null. */
  region: string | null;
  /** Bedrock cross-region inference-profile geography (us, eu, apac, jp, au, ca, global, us-gov…), else null. */
  geo: string | null;
}

/** The keys of a table and each key's provider family. */
type KeyIndex = ReadonlyMap<string, string>;

/** Bedrock cross-region (and global) inference-profile prefixes: `<geo>.<vendor>.<model>`. */
const GEO = /^(us-gov|us|eu|apac|ap|jp|au|ca|global|sa|me|af|mx|il|uk|in|kr|tw)\.(?=[a-z0-9-]+\.)/;
const ARN = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]*):[0-9]*:([a-z-]+)\/(.+)$/;
const AWS_REGION = /^(?:[a-z]{2}(?:-gov)?-[a-z]+-\d)$/;
/** A Bedrock model version: -v1, -v1:0, -v2:0. */
const BEDROCK_VERSION = /-v(\d+)(?::(\d+))?$/;
const DATE8 = /-(\d{8})$/;
/** A Bedrock model id: `<vendor>.<model>` (anthropic.claude-…, meta.llama…), not "gpt-4.1". */
const BEDROCK_VENDOR = /^(?:[a-z-]+\.)?[a-z][a-z-]*\.[a-z]/;
const DATE_ISO = /-(\d{4}-\d{2}-\d{2})$/;

/** Route prefixes (LiteLLM, OpenRouter, Google) → the family they name. */
const ROUTES: ReadonlyArray<[prefix: string, family: string]> = [
  ['openrouter/', 'openrouter'],
  ['bedrock/', 'bedrock'],
  ['converse/', 'bedrock'],
  ['invoke/', 'bedrock'],
  ['vertex_ai/', 'vertex_ai'],
  ['vertex_ai_beta/', 'vertex_ai'],
  ['azure/', 'azure'],
  ['gemini/', 'gemini'],
  ['google/', 'gemini'],
  ['models/', 'gemini'],
  ['anthropic/', 'anthropic'],
  ['openai/', 'openai'],
];
const AZURE_ZONES = /^(eu|us|global|global-standard)\//;

export function createModelResolver(index: KeyIndex): (model: string) => ResolvedModel {
  // Undated name → its dated keys, so "claude-3-7-sonnet" finds "claude-3-7-sonnet-20250219" when
  // exactly one dated snapshot exists (an alias, not a guess: two snapshots leave it unpriced).
  const dated = new Map<string, string[]>();
  for (const key of index.keys()) {
    const base = key.replace(DATE8, '').replace(DATE_ISO, '');
    // First-party names only: not routed (azure/…) nor Bedrock (vendor.model) keys.
    if (base !== key && !key.includes('/') && !BEDROCK_VENDOR.test(key)) dated.set(base, [...(dated.get(base) ?? []), key]);
  }
  const cache = new Map<string, ResolvedModel>();
  return (model) => {
    const hit = cache.get(model);
    if (hit) return hit;
    const out = resolve(model, index, dated);
    if (cache.size > 50_000) cache.clear();
    cache.set(model, out);
    return out;
  };
}

function resolve(model: string, index: KeyIndex, dated: ReadonlyMap<string, string[]>): ResolvedModel {
  let s = model.trim().toLowerCase();
  let family: string | null = null;
  let region: string | null = null;
  const arn = ARN.exec(s);
  if (arn) {
    family = 'bedrock';
    region = arn[1] || null;
    // inference-profile/<id> and foundation-model/<id> name a model; application profiles,
    // provisioned and custom models are opaque ids and stay unpriced.
    s = arn[2] === 'inference-profile' || arn[2] === 'foundation-model' ? arn[3]! : `arn:${arn[2]}/${arn[3]}`;
  }
  let azureZone = '';
  for (let routed = true; routed; ) {
    routed = false;
    for (const [prefix, f] of ROUTES) {
      if (!s.startsWith(prefix)) continue;
      s = s.slice(prefix.length);
      // The outermost route is who bills (openrouter/anthropic/… is OpenRouter's bill).
      family ??= f;
      if (f === 'bedrock') {
        const segment = s.split('/')[0] ?? '';
        if (AWS_REGION.test(segment)) {
          region = segment;
          s = s.slice(segment.length + 1);
        }
      }
      if (f === 'azure') {
        const zone = AZURE_ZONES.exec(s);
        if (zone) {
          azureZone = zone[0];
          s = s.slice(zone[0].length);
        }
      }
      routed = true;
      break;
    }
  }
  // Tool suffixes: "[1m]" (Claude Code's 1M-context marker), OpenRouter's ":thinking" / ":free".
  s = s.replace(/\[[^\]]*\]$/, '').replace(/:[a-z][a-z-]*$/, '');
  const geoMatch = GEO.exec(s);
  const geo = geoMatch ? geoMatch[1]! : null;
  const bedrockLike =
    family === 'bedrock' ||
    geo !== null ||
    /^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|qwen|writer|openai|google|nvidia|moonshot|moonshotai|minimax|twelvelabs)\.[a-z0-9]/.test(
      s,
    );
  if (bedrockLike && !family) family = 'bedrock';

  const candidates: string[] = [];
  const add = (k: string | null | undefined) => {
    if (k && !candidates.includes(k)) candidates.push(k);
  };
  if (bedrockLike) {
    const vendorId = geo ? s.slice(geo.length + 1) : s;
    for (const v of bedrockVersions(vendorId)) {
      if (region) add(`bedrock/${region}/${geo ? `${geo}.` : ''}${v}`);
      if (geo) add(`${geo}.${v}`);
    }
    // A geography LiteLLM lists no rate for: the model's in-region Bedrock price.
    for (const v of bedrockVersions(vendorId)) {
      if (region) add(`bedrock/${region}/${v}`);
      add(v);
    }
    // Claude on Bedrock without a Bedrock entry: Anthropic's own list price for the same model.
    if (vendorId.startsWith('anthropic.'))
      for (const c of firstParty(vendorId.slice('anthropic.'.length).replace(BEDROCK_VERSION, ''), dated)) add(c);
  } else if (family === 'vertex_ai' || s.includes('@')) {
    family ??= 'vertex_ai';
    add(`vertex_ai/${s}`);
    add(`vertex_ai/${s.replace(/@.*$/, '')}`);
    add(s);
    for (const c of firstParty(s, dated)) add(c);
  } else if (family === 'azure') {
    if (azureZone) add(`azure/${azureZone}${s}`);
    add(`azure/${s}`);
    for (const c of firstParty(s, dated)) add(c);
  } else if (family === 'gemini') {
    add(`gemini/${s}`);
    add(s);
  } else {
    // A bare Gemini name is the Gemini API's (Vertex ids come routed as vertex_ai/…).
    if (s.startsWith('gemini-')) add(`gemini/${s}`);
    for (const c of firstParty(s, dated)) add(c);
  }
  for (const key of candidates) {
    const provider = index.get(key);
    if (provider !== undefined) return { key, provider: family ?? provider, region, geo };
  }
  return { key: null, provider: family, region, geo };
}

/** A Bedrock id as given, then its version spellings that name the same model version. */
function bedrockVersions(id: string): string[] {
  const m = BEDROCK_VERSION.exec(id);
  if (!m) return [id, `${id}-v1:0`, `${id}-v1`];
  const base = id.slice(0, m.index);
  // -v1 and -v1:0 are the same version; another major (-v2:0) is another model and keeps its own.
  return [id, `${base}-v${m[1]}`, `${base}-v${m[1]}:${m[2] ?? '0'}`, ...(m[1] === '1' ? [base] : [])];
}

/** Candidate first-party keys (Anthropic, OpenAI, Gemini names) for a bare model name. */
function firstParty(name: string, dated: ReadonlyMap<string, string[]>): string[] {
  let s = name.replace(/@(\d{8})$/, '-$1');
  // OpenRouter writes Claude versions with dots (claude-sonnet-4.5, claude-3.7-sonnet); Anthropic with dashes.
  if (s.startsWith('claude-')) s = s.replace(/(\d)\.(\d)/g, '$1-$2');
  const out = [s];
  const undated = s.replace(DATE8, '').replace(DATE_ISO, '');
  if (undated !== s) {
    // A dated snapshot newer than the table: the undated alias of the same model.
    out.push(undated);
  } else {
    const latest = s.replace(/-latest$/, '');
    const snapshots = dated.get(latest);
    if (snapshots?.length === 1) out.push(snapshots[0]!);
    if (latest !== s) out.push(latest);
  }
  return out;
}
