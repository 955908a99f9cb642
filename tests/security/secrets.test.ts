// Secrets (provider admin keys, the API key, the HMAC key) never appear in logs, error messages,
// API answers, analytics.json or anything in the bucket: a full run, bad keys included, is
// searched byte for byte.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/config.ts';
import { createLogger } from '../../lib/core/log.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { type AnthropicMock, startAnthropicMock } from '../mocks/anthropic-mock.ts';
import { type OpenAiMock, startOpenAiMock } from '../mocks/openai-mock.ts';
import { assistantLine, writeLog } from '../support/claude-logs.ts';

const ANTHROPIC_KEY = 'sk-ant-admin01-SECRETaaaaaaaaaaaaaaaaaaaa';
const OPENAI_KEY = 'sk-admin-SECRETbbbbbbbbbbbbbbbbbbbbbbbbb';
const API_KEY = 'tl_SECRETcccccccccccccccccccccc';
const HMAC_KEY = 'SECRETdddddddddddddddddddddddddddd';
const secrets = [ANTHROPIC_KEY, OPENAI_KEY, API_KEY, HMAC_KEY];

let dir: string;
let logs: string;
let anthropic: AnthropicMock;
let openai: OpenAiMock;
const logLines: string[] = [];
const answers: string[] = [];

async function run(env: Record<string, string>): Promise<LocalStack> {
  const config = parseConfig({
    TOKENLAKE_DATA_DIR: dir,
    CLAUDE_CONFIG_DIR: logs,
    TOKENLAKE_SOURCES: 'claude-code,anthropic,openai',
    TOKENLAKE_API_KEY: API_KEY,
    TOKENLAKE_HMAC_KEY: HMAC_KEY,
    TOKENLAKE_ANONYMIZE: 'user',
    TOKENLAKE_ANTHROPIC_BASE_URL: anthropic.url,
    TOKENLAKE_OPENAI_BASE_URL: openai.url,
    TOKENLAKE_BACKFILL_DAYS: '2',
    PORT: '0',
    ...env,
  });
  const log = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  return startLocalStack({ config, now: () => new Date('2026-03-02T12:00:00Z'), log, schedule: false });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tl-secrets-'));
  logs = mkdtempSync(join(tmpdir(), 'tl-secrets-logs-'));
  writeLog(logs, 'p/s.jsonl', [
    assistantLine({ ts: '2026-03-01T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 10, output: 20 }),
    '{bad',
  ]);
  anthropic = await startAnthropicMock({ validKey: ANTHROPIC_KEY });
  openai = await startOpenAiMock({ validKey: OPENAI_KEY });
});

afterAll(async () => {
  await anthropic?.stop();
  await openai?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(logs, { recursive: true, force: true });
});

describe('secrets', () => {
  it('appear nowhere after good runs, rejected keys and bad requests', async () => {
    // First with keys the providers reject (their error paths log and store messages) …
    let stack = await run({ ANTHROPIC_ADMIN_API_KEY: `${ANTHROPIC_KEY}x`, OPENAI_ADMIN_KEY: `${OPENAI_KEY}x` });
    const failed = await stack.syncNow();
    expect(
      failed.sources
        .filter((s) => !s.ok)
        .map((s) => s.source)
        .sort(),
    ).toEqual(['anthropic', 'openai']);
    await stack.stop();
    // … then with the right ones, and requests with wrong and right bearer keys.
    stack = await run({ ANTHROPIC_ADMIN_API_KEY: ANTHROPIC_KEY, OPENAI_ADMIN_KEY: OPENAI_KEY });
    const ok = await stack.syncNow();
    expect(ok.sources.every((s) => s.ok)).toBe(true);
    for (const [path, key] of [
      ['/v1/analytics', API_KEY],
      ['/v1/analytics', `${API_KEY}x`],
      ['/v1/windows/7d', API_KEY],
      ['/v1/windows/bogus', API_KEY],
      ['/v1/nope', API_KEY],
    ] as const) {
      const res = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      answers.push(JSON.stringify([...res.headers]) + (await res.text()));
    }
    const objects = await stack.runtime.store.list('');
    const bodies: string[] = [];
    for (const o of objects) bodies.push((await stack.runtime.store.getText(o.key))?.text ?? '');
    await stack.stop();

    expect(objects.some((o) => o.key === 'analytics/analytics.json')).toBe(true);
    expect(logLines.length).toBeGreaterThan(5);
    const everything = [...logLines, ...answers, ...bodies].join('\n');
    for (const secret of secrets) expect(everything.includes(secret), `secret ${secret.slice(0, 12)}… leaked`).toBe(false);
    // The anonymised user never reaches the bucket in clear either.
    expect(bodies.join('\n')).not.toMatch(/"user":"(root|tokenlake|[a-z]+)"/);
  });
});
