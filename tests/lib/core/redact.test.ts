import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, withRedaction } from '../../../lib/core/log.ts';
import { configSecrets, createRedactor, MIN_PARTIAL_CHARS, REDACTED, redactKeyShapes, redactValue } from '../../../lib/core/redact.ts';

const ADMIN = 'sk-ant-admin01-Zq8vK2mP4xR7tY1wE5uI9oA3sD6fG0hJ';
const OPENAI = 'sk-admin-Lm3Nb5Vc7Xz9Qw2Er4Ty6Ui8Op0As1Df';
const HMAC = 'hmac-secret-with-no-known-shape-42';

describe('createRedactor', () => {
  const redact = createRedactor([ADMIN, OPENAI, HMAC, undefined, '']);

  it('removes whole configured secrets, wherever they sit', () => {
    expect(redact(`{"error":{"message":"bad key ${ADMIN}"}}`)).toBe(`{"error":{"message":"bad key ${REDACTED}"}}`);
    expect(redact(`${HMAC}${HMAC}`)).not.toContain(HMAC.slice(0, MIN_PARTIAL_CHARS));
  });

  it('removes any piece of a secret of 8 characters or more, and keeps shorter ones', () => {
    const body = ADMIN.replace('sk-ant-admin01-', '');
    // The provider shows a middle slice, without the public prefix.
    const middle = body.slice(5, 5 + 11);
    expect(redact(`key …${middle}… not found`)).toBe(`key …${REDACTED}… not found`);
    // Seven characters of a 34-character random body are not a key.
    const seven = body.slice(0, 7);
    expect(redact(`ends in ${seven}`)).toBe(`ends in ${seven}`);
    // A prefix-led fragment: the public prefix stays readable, the rest goes.
    expect(redact(`got ${ADMIN.slice(0, 30)}`)).toBe(`got sk-ant-admin01-${REDACTED}`);
  });

  it('removes key shapes it was not told about: sk-…, tl_…, AKIA…, bearer tokens, key headers', () => {
    const cases: Array<[string, string]> = [
      ['Incorrect API key provided: sk-proj-abcDEF123456ghiJKL.', `Incorrect API key provided: ${REDACTED}.`],
      ['masked sk-admin-****************************wxyz', `masked ${REDACTED}`],
      ['sk-ant-api03-Abc_def-GHI', REDACTED],
      ['token tl_0123456789abcdefghijABCDEFGHIJ-_ here', `token ${REDACTED} here`],
      ['AKIAIOSFODNN7EXAMPLE in a message', `${REDACTED} in a message`],
      ['Authorization: Bearer abc.def.ghi-jkl', `Authorization: Bearer ${REDACTED}`],
      ['{"x-api-key":"0123456789abcdef"}', `{"x-api-key":"${REDACTED}"}`],
      ['api_key=secretvalue123;', `api_key=${REDACTED};`],
    ];
    for (const [text, expected] of cases) expect(redactKeyShapes(text), text).toBe(expected);
  });

  it('leaves ordinary text alone: mentions of key formats, ids, models and prose', () => {
    for (const text of [
      'no admin key: set ANTHROPIC_ADMIN_API_KEY to an Admin API key (sk-ant-admin01-…)',
      'api_key_id apikey_01Rj2N8SVvo6BePZj99NhmiT grouped by workspace_id',
      'claude-sonnet-4-5 at 1200 input tokens, task-runner, desk-lamp',
      'Bearer', // a scheme with no token
      'GET /v1/organizations/usage_report/messages: HTTP 400: starting_at: required RFC 3339 timestamp',
    ]) {
      expect(redact(text), text).toBe(text);
    }
  });

  it('never lets a configured secret through, whatever surrounds it (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom(ADMIN, OPENAI, HMAC), (before, after, secret) => {
        const out = redact(`${before}${secret}${after}`);
        const body = secret.replace(/^sk-ant-admin01-|^sk-admin-/, '');
        for (let i = 0; i + MIN_PARTIAL_CHARS <= body.length; i++) expect(out).not.toContain(body.slice(i, i + MIN_PARTIAL_CHARS));
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('takes a Config’s secrets, skipping unset and short ones', () => {
    expect(configSecrets({ anthropicAdminKey: ADMIN, openaiAdminKey: undefined, apiKey: 'short', hmacKey: HMAC })).toEqual([ADMIN, HMAC]);
  });
});

describe('redacted logs', () => {
  it('redacts messages, nested fields, errors and child fields, and keeps numbers and dates', () => {
    const lines: string[] = [];
    const log = withRedaction(createLogger({ write: (line) => lines.push(line) }), createRedactor([ADMIN])).child({ key: ADMIN });
    const at = new Date('2026-03-01T00:00:00Z');
    log.warn(`retry after ${ADMIN}`, { problem: { nested: [`x ${ADMIN}`] }, error: new Error(`bad ${ADMIN}`), count: 3, at });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(ADMIN.slice(15, 23));
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      message: `retry after ${REDACTED}`,
      key: REDACTED,
      problem: { nested: [`x ${REDACTED}`] },
      error: { name: 'Error', message: `bad ${REDACTED}` },
      count: 3,
      at: '2026-03-01T00:00:00.000Z',
    });
  });

  it('walks only plain objects', () => {
    const buffer = Buffer.from('x');
    expect(redactValue({ b: buffer }, redactKeyShapes)).toEqual({ b: buffer });
  });
});
