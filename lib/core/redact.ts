// Secrets never stored: the one redaction step applied to text that leaves a source or the
// process — quarantined lines and their reasons, source errors and statuses, log lines. It knows
// the configured secrets (whole, or any 8-character piece of their random part, so a provider
// echoing half a key is caught) and the well-known key shapes (sk-…, tl_…, AKIA…, bearer tokens,
// `x-api-key: …`). It never touches lake records: they hold usage, not free text.

/** Any piece of a configured secret at least this long is a leak (8 characters of base64 ≈ 48 bits). */
export const MIN_PARTIAL_CHARS = 8;
export const REDACTED = '[redacted]';

/** Public prefixes of key formats: they say what a key is, not which one, so they are not secret. */
const PUBLIC_PREFIX = /^(sk-ant-(?:admin|api|oat|sid)\d*-|sk-(?:admin|proj|svcacct|None)-|sk-|tl_)/;

/** Characters a key body is made of (base64url, plus the `*` providers mask with). */
const BODY = '[A-Za-z0-9_*\\-]';
/** A key shape: `keep` gives the part of a match that stays (a header name), from its groups. */
interface Shape {
  pattern: RegExp;
  /** A match whose body (after a public prefix) is shorter is a mention, not a key (`sk-ant-admin01-…`). */
  minBody: number;
  keep?: (groups: readonly string[]) => string;
}

const SHAPES: readonly Shape[] = [
  // Anthropic (sk-ant-admin01-, sk-ant-api03-) and OpenAI (sk-admin-, sk-proj-, sk-svcacct-, sk-) keys.
  { pattern: new RegExp(`(?<![A-Za-z0-9_-])sk-${BODY}+`, 'g'), minBody: 6 },
  // tokenlake API keys (`tl_` + 32 base64url characters when generated).
  { pattern: /(?<![A-Za-z0-9_-])tl_[A-Za-z0-9_-]+/g, minBody: 8 },
  // AWS access key ids.
  { pattern: /(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])/g, minBody: 0 },
  // Credentials after an auth scheme or a key-like name: the name stays, the value goes.
  { pattern: /\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=*-]{8,})/gi, minBody: 0, keep: (g) => `${g[0]}${g[1]}` },
  {
    pattern: /\b(x-api-key|api[-_]?key|authorization|access[-_]?token|secret[-_]?key)(["']?\s*[:=]\s*["']?)([^\s"',;}]{8,})/gi,
    minBody: 0,
    keep: (g) => `${g[0]}${g[1]}`,
  },
];

export type Redact = (text: string) => string;

/** The configured secrets worth redacting (unset ones dropped, trimmed, too short to matter skipped). */
function secretValues(values: ReadonlyArray<string | null | undefined>): string[] {
  return [...new Set(values.map((v) => v?.trim() ?? '').filter((v) => v.length >= MIN_PARTIAL_CHARS))];
}

/** Every secret a Config holds: provider admin keys, the API key, the HMAC key. */
export function configSecrets(config: {
  anthropicAdminKey?: string | undefined;
  openaiAdminKey?: string | undefined;
  apiKey?: string | undefined;
  hmacKey?: string | undefined;
}): string[] {
  return secretValues([config.anthropicAdminKey, config.openaiAdminKey, config.apiKey, config.hmacKey]);
}

function bodyOf(secret: string): string {
  return secret.replace(PUBLIC_PREFIX, '');
}

/**
 * A redactor for these secrets and the key shapes. Pure and cheap: one pass over the text with a
 * set of the secrets' 8-character pieces, then the shape patterns.
 */
export function createRedactor(secrets: ReadonlyArray<string | null | undefined> = []): Redact {
  const values = secretValues(secrets);
  const pieces = new Set<string>();
  for (const secret of values) {
    const body = bodyOf(secret);
    for (let i = 0; i + MIN_PARTIAL_CHARS <= body.length; i++) pieces.add(body.slice(i, i + MIN_PARTIAL_CHARS));
  }
  return (text: string) => {
    if (text === '') return text;
    let out = pieces.size > 0 ? redactPieces(text, pieces, values) : text;
    for (const shape of SHAPES) {
      out = out.replace(shape.pattern, (match: string, ...rest: unknown[]) => {
        if (shape.minBody > 0 && bodyOf(match).length < shape.minBody) return match;
        // The groups come before the offset and the whole string in replace's arguments.
        const groups = rest.slice(0, -2).map((g) => (typeof g === 'string' ? g : ''));
        return `${shape.keep ? shape.keep(groups) : ''}${REDACTED}`;
      });
    }
    return out;
  };
}

/** Replaces every stretch of `text` made of the secrets' pieces (and any whole secret) by REDACTED. */
function redactPieces(text: string, pieces: ReadonlySet<string>, whole: readonly string[]): string {
  let t = text;
  for (const secret of whole) if (t.includes(secret)) t = t.split(secret).join(REDACTED);
  const covered = new Uint8Array(t.length);
  let any = false;
  for (let i = 0; i + MIN_PARTIAL_CHARS <= t.length; i++) {
    if (!pieces.has(t.slice(i, i + MIN_PARTIAL_CHARS))) continue;
    covered.fill(1, i, i + MIN_PARTIAL_CHARS);
    any = true;
  }
  if (!any) return t;
  let out = '';
  for (let i = 0; i < t.length; ) {
    if (!covered[i]) {
      out += t[i];
      i++;
      continue;
    }
    while (i < t.length && covered[i]) i++;
    out += REDACTED;
  }
  return out;
}

/** Only the key shapes (where no configuration is at hand: a backstop, not the whole step). */
export const redactKeyShapes: Redact = createRedactor([]);

/** Redacts every string inside a JSON-like value (log fields), keeping its shape. */
export function redactValue(value: unknown, redact: Redact, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message) };
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact, depth + 1));
  const proto = Object.getPrototypeOf(value);
  // Only plain objects are walked: a Date or a Buffer is logged as it is.
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, redact, depth + 1);
  return out;
}
