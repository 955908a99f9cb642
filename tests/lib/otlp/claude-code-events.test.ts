import { describe, expect, it } from 'vitest';
import { mapLogs } from '../../../lib/otlp/logs.ts';
import { logsRequestSchema } from '../../../lib/otlp/schema.ts';
import { CLAUDE_CODE_RESOURCE, claudeCodeApiRequest, claudeCodeUserPrompt, logsRequest } from '../../support/otlp-payloads.ts';

const NOW = new Date('2026-08-01T12:00:00.000Z');
const base = {
  session: 'sess-1',
  seq: 7,
  at: '2026-08-01T10:15:30.250Z',
  model: 'claude-sonnet-4-5-20250929',
  input: 1200,
  output: 340,
  cacheRead: 5100,
  cacheCreation: 800,
  costUsd: 0.0321,
  durationMs: 4210,
  requestId: 'req_011CTest',
  user: 'dev@example.com',
};

function map(items: ReturnType<typeof claudeCodeApiRequest>[]) {
  return mapLogs(logsRequestSchema.parse(logsRequest(CLAUDE_CODE_RESOURCE, items)), NOW);
}

describe('Claude Code api_request → usage record', () => {
  it('maps every documented attribute, numbers sent as strings', () => {
    const { candidates, rejected, ignored } = map([claudeCodeApiRequest(base)]);
    expect(rejected).toEqual([]);
    expect(ignored).toBe(0);
    expect(candidates).toHaveLength(1);
    const c = candidates[0]!;
    expect(c.record).toMatchObject({
      ts: '2026-08-01T10:15:30.250Z',
      source: 'otlp',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      session: 'sess-1',
      user: 'dev@example.com',
      workspace: 'org-0001',
      input_tokens: 1200,
      output_tokens: 340,
      cache_read_tokens: 5100,
      cache_creation_tokens: 800,
      cache_creation_1h_tokens: 0,
      requests: 1,
      cost_usd: 0.0321,
      cost_source: 'reported',
      latency_ms: 4210,
      bucket_seconds: null,
    });
    expect(c.claim).toEqual({ session: 'sess-1', signal: 'events' });
    expect(c.twin?.event_type).toBe('claude_code.api_request');
    expect(c.twin?.attributes).toMatchObject({
      'terminal.type': 'iTerm.app',
      'service.version': '2.1.90',
      request_id: 'req_011CTest',
      speed: 'normal',
    });
    // No identity leaves through the twin's labels.
    expect(Object.keys(c.twin?.attributes ?? {})).not.toContain('user.email');
    expect(c.twin?.metrics).toEqual({
      input_tokens: 1200,
      output_tokens: 340,
      cache_creation_tokens: 800,
      cache_read_tokens: 5100,
      duration_ms: 4210,
      cost_usd: 0.0321,
    });
  });

  it('gives the same id to the same request whether its numbers are strings or numbers, and another id to another request', () => {
    const a = map([claudeCodeApiRequest(base, true)]).candidates[0]!.record;
    const b = map([claudeCodeApiRequest(base, false)]).candidates[0]!.record;
    const other = map([claudeCodeApiRequest({ ...base, requestId: 'req_other' })]).candidates[0]!.record;
    expect(b.id).toBe(a.id);
    expect(other.id).not.toBe(a.id);
  });

  it('without a request id, identifies the request by session, sequence and timestamp', () => {
    const { requestId: _omit, ...noId } = base;
    const first = map([claudeCodeApiRequest(noId)]).candidates[0]!.record.id;
    const again = map([claudeCodeApiRequest(noId)]).candidates[0]!.record.id;
    const next = map([claudeCodeApiRequest({ ...noId, seq: 8 })]).candidates[0]!.record.id;
    expect(again).toBe(first);
    expect(next).not.toBe(first);
  });

  it('prefers the exact cost_usd_micros over the float', () => {
    const item = claudeCodeApiRequest({ ...base, costUsd: 0.1 });
    item.attributes.cost_usd_micros = '123457';
    expect(map([item]).candidates[0]!.record.cost_usd).toBe(0.123457);
  });

  it('ignores other events and all-zero requests, and rejects what it cannot trust with a reason', () => {
    const bad = claudeCodeApiRequest({ ...base, requestId: 'req_bad' });
    bad.attributes.output_tokens = '-5';
    const frac = claudeCodeApiRequest({ ...base, requestId: 'req_frac' });
    frac.attributes.input_tokens = '12.5';
    const noSession = claudeCodeApiRequest({ ...base, requestId: 'req_nosess' });
    delete noSession.attributes['session.id'];
    const huge = claudeCodeApiRequest({ ...base, requestId: 'req_huge' });
    huge.attributes.input_tokens = '20000000000000000';
    const future = claudeCodeApiRequest({ ...base, requestId: 'req_future', at: '2026-08-03T12:00:00.000Z' });
    const zero = claudeCodeApiRequest({ ...base, requestId: 'req_zero', input: 0, output: 0, cacheRead: 0, cacheCreation: 0, costUsd: 0 });
    const result = map([claudeCodeUserPrompt('sess-1', 6, base.at), bad, frac, noSession, huge, future, zero, claudeCodeApiRequest(base)]);
    expect(result.candidates).toHaveLength(1);
    expect(result.ignored).toBe(2);
    expect(result.rejected.map((r) => [r.path.replace(/.*logRecords/, ''), r.what, r.reason])).toEqual([
      ['[1]', 'claude_code.api_request', 'output_tokens must be a whole number ≥ 0, got "-5"'],
      ['[2]', 'claude_code.api_request', 'input_tokens must be a whole number ≥ 0, got "12.5"'],
      ['[3]', 'claude_code.api_request', 'session.id is missing (Claude Code sends it on every event)'],
      ['[4]', 'claude_code.api_request', 'input_tokens = 20000000000000000 is too large to count exactly'],
      ['[5]', 'claude_code.api_request', 'timestamp 2026-08-03T12:00:00.000Z is more than 24 h ahead'],
    ]);
  });

  it('applies the lake line contract, so a value the record schema refuses is rejected, not landed', () => {
    const long = claudeCodeApiRequest({ ...base, model: 'm'.repeat(300) });
    const result = map([long]);
    expect(result.candidates).toEqual([]);
    expect(result.rejected[0]?.reason).toMatch(/^model: /);
  });
});
