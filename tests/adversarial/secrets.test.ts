// Adversarial: providers (and logs, and bus events) that hand our own secrets back. A provider may
// echo the admin key in a 200 page it then fails to parse (kept in quarantine), quote part of it in
// a 400 (which becomes the source's last_error, readable with a read key), or put it in a 500 that
// is retried and logged. Nothing that tokenlake stores, logs or answers may hold the key — whole,
// or any 8-character piece of its random part — nor any other key-shaped token.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { createLogger } from '../../lib/core/log.ts';
import { REDACTED } from '../../lib/core/redact.ts';
import { recordBusEvent } from '../../lib/events/ingest.ts';
import { createAnthropicSource } from '../../lib/sources/anthropic/index.ts';
import { createClaudeCodeSource } from '../../lib/sources/claude-code/index.ts';
import { createOpenAiSource } from '../../lib/sources/openai/index.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { type AnthropicMock, startAnthropicMock } from '../mocks/anthropic-mock.ts';
import type { MockRequest } from '../mocks/mock-http.ts';
import { type OpenAiMock, startOpenAiMock } from '../mocks/openai-mock.ts';
import { assistantLine, writeLog } from '../support/claude-logs.ts';

const ANTHROPIC_KEY = 'sk-ant-admin01-Qx7Lp2Vd9Rk4Tz8Wm3Hb6Nc1Fg5Js0Ya_e-UoIiPq';
const OPENAI_KEY = 'sk-admin-Gh4Jk8Lm2Np6Qr0St3Uv7Wx1Yz5Ab9Cd-EfIo';
const API_KEY = 'tl_Rt5Yu8Io1Pa4Sd7Fg0Hj3Kl6Zx9Cv2Bn';
/** A key tokenlake was never told about: only its shape gives it away. */
const STRANGER = 'sk-proj-Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp';
const NOW = new Date('2026-03-10T12:00:00Z');

/** Every 8-character piece of a key's random part (after its public prefix), and the key itself. */
function piecesOf(key: string): string[] {
  const body = key.replace(/^(sk-ant-admin01-|sk-admin-|sk-proj-|tl_)/, '');
  const out = [key];
  for (let i = 0; i + 8 <= body.length; i++) out.push(body.slice(i, i + 8));
  return out;
}
const forbidden = [ANTHROPIC_KEY, OPENAI_KEY, API_KEY, STRANGER].flatMap(piecesOf);
const leaksIn = (text: string) => forbidden.filter((p) => text.includes(p));

let data: string;
let logs: string;
let anthropic: AnthropicMock;
let openai: OpenAiMock;
let stack: LocalStack;
const logLines: string[] = [];
const noWait = { sleep: async () => {}, random: () => 0 };

const onPath = (fragment: string) => (r: MockRequest) => r.path.includes(fragment);

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'tl-adv-secrets-'));
  logs = mkdtempSync(join(tmpdir(), 'tl-adv-secrets-logs-'));
  // A transcript whose broken line quotes both a configured key and one nobody configured.
  writeLog(logs, 'p/s.jsonl', [
    assistantLine({ ts: '2026-03-09T10:00:00.000Z', msgId: 'm1', requestId: 'r1', input: 10, output: 20 }),
    `{"type":"assistant","message":{"content":"export ANTHROPIC_ADMIN_API_KEY=${ANTHROPIC_KEY} and ${STRANGER}"`,
  ]);
  anthropic = await startAnthropicMock({ validKey: ANTHROPIC_KEY });
  openai = await startOpenAiMock({ validKey: OPENAI_KEY });
  anthropic.data.usage = [{ hour: '2026-03-09T10', model: 'claude-sonnet-4-5', uncached_input_tokens: 1000, output_tokens: 100 }];
  const config = parseConfig({
    TOKENLAKE_DATA_DIR: data,
    CLAUDE_CONFIG_DIR: logs,
    TOKENLAKE_SOURCES: 'claude-code,anthropic,openai',
    TOKENLAKE_API_KEY: API_KEY,
    ANTHROPIC_ADMIN_API_KEY: ANTHROPIC_KEY,
    OPENAI_ADMIN_KEY: OPENAI_KEY,
    TOKENLAKE_ANTHROPIC_BASE_URL: anthropic.url,
    TOKENLAKE_OPENAI_BASE_URL: openai.url,
    TOKENLAKE_BACKFILL_DAYS: '2',
    PORT: '0',
  });
  const log = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  stack = await startLocalStack({
    config,
    now: () => NOW,
    log,
    schedule: false,
    sources: [createClaudeCodeSource(), createAnthropicSource({ http: noWait }), createOpenAiSource({ http: noWait })],
  });
});

afterAll(async () => {
  await stack?.stop();
  await anthropic?.stop();
  await openai?.stop();
  rmSync(data, { recursive: true, force: true });
  rmSync(logs, { recursive: true, force: true });
});

async function everythingStored(): Promise<string> {
  const bodies: string[] = [];
  for (const o of await stack.runtime.store.list('')) bodies.push(`${o.key}\n${(await stack.runtime.store.getText(o.key))?.text ?? ''}`);
  return bodies.join('\n');
}

async function analyticsAsReader(): Promise<{ text: string; analytics: Analytics }> {
  const res = await fetch(`${stack.url}/v1/analytics`, { headers: { authorization: `Bearer ${API_KEY}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, analytics: JSON.parse(text) as Analytics };
}

describe('secrets handed back by providers, logs and bus events', () => {
  it('are redacted from a 500 that is retried, a 200 page kept in quarantine and a 400 quoting part of the key', async () => {
    // Anthropic: a 500 echoing the whole key (retried, logged), then a 200 whose page is broken and echoes it.
    anthropic.fail({ match: onPath('usage_report'), status: 500, body: { error: { message: `upstream failed for ${ANTHROPIC_KEY}` } } });
    anthropic.fail({
      match: onPath('cost_report'),
      status: 200,
      body: `{"data":"${ANTHROPIC_KEY}","has_more":false,"echo":"${ANTHROPIC_KEY.slice(0, 30)}"}`,
    });
    // OpenAI: a 400 quoting a slice of the key (with and without its prefix), a 529 overloaded with
    // a bearer echo, and a 200 page that is valid but carries the key in a field nobody reads.
    openai.fail({
      match: onPath('/completions'),
      status: 200,
      body: { data: [], has_more: false, next_page: null, echo: OPENAI_KEY, auth: `Bearer ${OPENAI_KEY}` },
    });
    openai.fail({
      match: onPath('/embeddings'),
      status: 529,
      body: { error: { message: `overloaded; Authorization: Bearer ${OPENAI_KEY}` } },
    });
    openai.fail({
      match: onPath('/embeddings'),
      status: 400,
      body: { error: { message: `Incorrect API key provided: ${OPENAI_KEY.slice(0, 21)}…${OPENAI_KEY.slice(-12)}; also ${STRANGER}` } },
    });

    const summary = await stack.syncNow();
    expect(summary.sources.map((s) => [s.source, s.ok])).toEqual([
      ['claude-code', true],
      ['anthropic', false],
      ['openai', false],
    ]);

    // The broken page is kept in quarantine — redacted, not dropped.
    const quarantine = await stack.runtime.store.list('quarantine/');
    const kept: Array<{ source: string; origin: string; raw: string }> = [];
    for (const o of quarantine)
      for (const line of (await stack.runtime.store.getText(o.key))!.text.trim().split('\n')) kept.push(JSON.parse(line));
    const bySource = Object.fromEntries(kept.map((e) => [e.source, e]));
    expect(bySource.anthropic?.origin).toMatch(/^GET \/v1\/organizations\/cost_report\?/);
    expect(bySource.anthropic?.raw).toBe(`{"data":"${REDACTED}","has_more":false,"echo":"sk-ant-admin01-${REDACTED}"}`);
    // The transcript's broken line is there too, with both keys cut out.
    expect(bySource['claude-code']?.raw).toBe(
      `{"type":"assistant","message":{"content":"export ANTHROPIC_ADMIN_API_KEY=${REDACTED} and ${REDACTED}"`,
    );

    // What a read key sees: each failure with its reason, no key.
    const { text, analytics } = await analyticsAsReader();
    const errors = Object.fromEntries(analytics.data_quality.sources.map((s) => [s.source, s.last_error]));
    expect(errors.anthropic).toBe(
      'anthropic: unexpected response from GET /v1/organizations/cost_report: data: Invalid input: expected array, received string',
    );
    expect(errors.openai).toBe(
      `openai: /v1/organization/usage/embeddings: HTTP 400: Incorrect API key provided: sk-admin-${REDACTED}…${REDACTED}; also ${REDACTED}`,
    );
    // The 500 and the 529 were retried and logged, with the problem but not the key.
    const retried = logLines.filter((l) => l.includes('provider request retried')).map((l) => JSON.parse(l).problem);
    expect(retried).toEqual([`HTTP 500: upstream failed for ${REDACTED}`, `HTTP 529: overloaded; Authorization: Bearer ${REDACTED}`]);

    const everything = [text, ...logLines, await everythingStored()].join('\n');
    expect(leaksIn(everything)).toEqual([]);
  });

  it('are redacted from a rejected bus event that goes to quarantine', async () => {
    const result = await recordBusEvent(
      { store: stack.runtime.store, now: NOW },
      {
        id: 'eb-secret',
        'detail-type': 'Task.Completed', // not a valid event type: rejected and quarantined whole
        source: 'ci',
        time: '2026-03-10T11:00:00Z',
        detail: { token: `Bearer ${API_KEY}`, note: `leaked ${STRANGER}`, deploy_key: OPENAI_KEY },
      },
    );
    expect(result.quarantined).not.toBeNull();
    const stored = (await stack.runtime.store.getText(result.quarantined!))!.text;
    expect(stored).toContain(`Bearer ${REDACTED}`);
    expect(leaksIn(stored)).toEqual([]);
    expect(leaksIn(await everythingStored())).toEqual([]);
  });

  it('never appear in answers to wrong keys, or in the log lines those produce', async () => {
    const before = logLines.length;
    for (const wrong of [`${API_KEY}x`, API_KEY.slice(0, 20), ANTHROPIC_KEY, `${OPENAI_KEY} `]) {
      const res = await fetch(`${stack.url}/v1/windows/7d`, { headers: { authorization: `Bearer ${wrong}` } });
      expect(res.status).toBe(401);
      expect(leaksIn(JSON.stringify([...res.headers]) + (await res.text()))).toEqual([]);
    }
    const lines = logLines.slice(before);
    expect(lines.some((l) => l.includes('invalid bearer key'))).toBe(true);
    expect(leaksIn(lines.join('\n'))).toEqual([]);
  });
});
