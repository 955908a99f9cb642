// The case of the prices issue, end to end through the real sources: Codex CLI rollouts on
// gpt-5.3-codex and gpt-5.5, and a Claude Code transcript whose model is a Bedrock Japan profile.
// Every record must be priced (never $0, never unpriced), at list / regional rates worked out by hand.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lib/config/config.ts';
import { silentLogger } from '../../../../lib/core/log.ts';
import { createClaudeCodeSource } from '../../../../lib/sources/claude-code/index.ts';
import { createCodexSource } from '../../../../lib/sources/codex/index.ts';
import { priceRecords } from '../../../../lib/usage/lake-batch.ts';
import { createPricer } from '../../../../lib/usage/pricing/price.ts';
import { assistantLine } from '../../../support/claude-logs.ts';
import { MemoryStore } from '../../../support/memory-store.ts';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'tl-real-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function write(relative: string, text: string) {
  mkdirSync(dirname(join(home, relative)), { recursive: true });
  writeFileSync(join(home, relative), text);
}

const line = (timestamp: string, type: string, payload: unknown) => JSON.stringify({ timestamp, type, payload });
const tokenCount = (ts: string, last: { input: number; cached: number; output: number }) =>
  line(ts, 'event_msg', {
    type: 'token_count',
    info: {
      last_token_usage: {
        input_tokens: last.input,
        cached_input_tokens: last.cached,
        output_tokens: last.output,
        reasoning_output_tokens: 0,
        total_tokens: last.input + last.output,
      },
      model_context_window: 272000,
    },
  });

describe('the real-world report, re-run', () => {
  it('prices every Codex record at OpenAI list price with exact tokens', async () => {
    const session = '019a9776-0a34-7842-8627-112b63d66e91';
    write(
      `codex/sessions/2026/03/01/rollout-2026-03-01T10-00-00-${session}.jsonl`,
      [
        line('2026-03-01T10:00:00.000Z', 'session_meta', {
          id: session,
          timestamp: '2026-03-01T10:00:00.000Z',
          cwd: '/w/api',
          model_provider: 'openai',
        }),
        line('2026-03-01T10:00:01.000Z', 'turn_context', { cwd: '/w/api', model: 'gpt-5.3-codex' }),
        tokenCount('2026-03-01T10:00:02.000Z', { input: 10_000, cached: 4_000, output: 500 }),
        line('2026-03-01T10:01:00.000Z', 'turn_context', { cwd: '/w/api', model: 'gpt-5.5' }),
        tokenCount('2026-03-01T10:01:02.000Z', { input: 20_000, cached: 15_000, output: 1_000 }),
        '',
      ].join('\n'),
    );
    const config = parseConfig({ CODEX_HOME: join(home, 'codex'), TOKENLAKE_USER: 'alice', TOKENLAKE_MACHINE: 'm' });
    const pull = await createCodexSource().pull({
      store: new MemoryStore(),
      config,
      now: new Date('2026-03-02T00:00:00Z'),
      log: silentLogger,
    });
    priceRecords(pull.records, createPricer());
    const byModel = Object.fromEntries(pull.records.map((r) => [r.model, r]));
    expect(byModel['gpt-5.3-codex']).toMatchObject({
      input_tokens: 6_000,
      cache_read_tokens: 4_000,
      output_tokens: 500,
      cost_source: 'priced',
    });
    // 6000×1.75 + 4000×0.175 + 500×14 = 18,200 per million
    expect(byModel['gpt-5.3-codex']?.cost_usd).toBeCloseTo(0.0182, 12);
    expect(byModel['gpt-5.5']).toMatchObject({
      input_tokens: 5_000,
      cache_read_tokens: 15_000,
      output_tokens: 1_000,
      cost_source: 'priced',
    });
    // 5000×5 + 15000×0.5 + 1000×30 = 62,500 per million
    expect(byModel['gpt-5.5']?.cost_usd).toBeCloseTo(0.0625, 12);
  });

  it('prices a Claude model reached through a Bedrock Japan profile at its regional rate', async () => {
    write(
      'claude/projects/-home-alice-code-web/session-1.jsonl',
      `${assistantLine({
        ts: '2026-03-01T09:00:00.000Z',
        msgId: 'msg_1',
        requestId: 'req_1',
        model: 'converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0',
        input: 2_000,
        output: 800,
        cacheWrite: 10_000,
        cacheWrite1h: 4_000,
        cacheRead: 30_000,
      })}\n`,
    );
    const config = parseConfig({ CLAUDE_CONFIG_DIR: join(home, 'claude'), TOKENLAKE_USER: 'alice', TOKENLAKE_MACHINE: 'm' });
    const pull = await createClaudeCodeSource().pull({
      store: new MemoryStore(),
      config,
      now: new Date('2026-03-02T00:00:00Z'),
      log: silentLogger,
    });
    priceRecords(pull.records, createPricer());
    expect(pull.records).toHaveLength(1);
    const r = pull.records[0]!;
    expect(r).toMatchObject({
      input_tokens: 2_000,
      output_tokens: 800,
      cache_creation_tokens: 10_000,
      cache_read_tokens: 30_000,
      cost_source: 'priced',
    });
    // Japan: input 1.1, output 5.5, 5-minute write 1.375, 1-hour write 2.2, read 0.11 (per million):
    // 2000×1.1 + 800×5.5 + 6000×1.375 + 4000×2.2 + 30000×0.11 = 26,950 per million
    expect(r.cost_usd).toBeCloseTo(0.02695, 12);
  });
});
