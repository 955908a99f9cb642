// The OTLP receiver end to end: OpenTelemetry's own OTLP exporters (protobuf and JSON, one
// gzip-compressed) and tool-shaped payloads over real HTTP → the api handler → the embedded S3 →
// analyze → /v1/analytics, whose totals must equal what was sent, once, however often it is sent.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter as OTLPJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, type ReadableLogRecord, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { decodeResponse, decodeStatus, encodeRequest } from '../../lib/otlp/proto.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import {
  CLAUDE_CODE_RESOURCE,
  type ClaudeCodeRequest,
  CODEX_RESOURCE,
  claudeCodeApiRequest,
  codexSseCompleted,
  GEMINI_RESOURCE,
  geminiApiResponse,
  logsRequest,
  metricsRequest,
} from '../support/otlp-payloads.ts';

let data: string;
let stack: LocalStack;
/** Every instant is a little before the real clock, which the stack and the SDKs both use. */
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);

/** What was sent that must count, summed here from the inputs (not from the lake). */
const expected = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, requests: 0, reported: 0 };
function expect_(r: { input: number; output: number; cacheRead?: number; cacheCreation?: number; requests?: number; reported?: number }) {
  expected.input += r.input;
  expected.output += r.output;
  expected.cacheRead += r.cacheRead ?? 0;
  expected.cacheCreation += r.cacheCreation ?? 0;
  expected.requests += r.requests ?? 1;
  expected.reported += r.reported ?? 0;
}

const url = (signal: string) => `${stack.url}/v1/otlp/v1/${signal}`;
const auth = () => ({ authorization: `Bearer ${stack.apiKey}` });

function exported(exporter: { export(items: never[], cb: (r: ExportResult) => void): void }, items: unknown[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(items as never[], resolve));
}

async function lake(): Promise<string[]> {
  return (await stack.runtime.store.list('lake/')).map((o) => `${o.key} ${o.etag}`);
}

async function analytics(): Promise<Analytics> {
  await stack.idle();
  const res = await fetch(`${stack.url}/v1/analytics`, { headers: auth() });
  expect(res.status).toBe(200);
  return (await res.json()) as Analytics;
}

async function post(signal: string, body: BodyInit, headers: Record<string, string>) {
  const res = await fetch(url(signal), { method: 'POST', headers: { ...auth(), ...headers }, body });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'tl-otlp-'));
  const config = parseConfig({ TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', PORT: '0' });
  stack = await startLocalStack({ config, log: silentLogger, sources: [], schedule: false });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(data, { recursive: true, force: true });
});

describe('OTLP receiver with OpenTelemetry exporters', () => {
  const requests: ClaudeCodeRequest[] = [
    {
      session: 'cc-a',
      seq: 1,
      at: '',
      model: 'claude-sonnet-4-5',
      input: 1200,
      output: 340,
      cacheRead: 5100,
      cacheCreation: 800,
      costUsd: 0.0321,
      durationMs: 4210,
      requestId: 'req_a1',
    },
    {
      session: 'cc-a',
      seq: 3,
      at: '',
      model: 'claude-sonnet-4-5',
      input: 15,
      output: 900,
      cacheRead: 7000,
      cacheCreation: 0,
      costUsd: 0.0163,
      durationMs: 9800,
      requestId: 'req_a2',
    },
    {
      session: 'cc-b',
      seq: 1,
      at: '',
      model: 'claude-haiku-4-5',
      input: 420,
      output: 77,
      cacheRead: 0,
      cacheCreation: 2048,
      costUsd: 0.0029,
      durationMs: 1300,
    },
  ];
  let records: ReadableLogRecord[];

  it('lands Claude Code api_request events sent by the protobuf exporter, rejecting the one past the caps', async () => {
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes(CLAUDE_CODE_RESOURCE),
      processors: [new SimpleLogRecordProcessor({ exporter: memory })],
    });
    const logger = provider.getLogger('com.anthropic.claude_code.events');
    for (const [i, r] of requests.entries()) {
      const when = at(60 - i);
      const item = claudeCodeApiRequest({ ...r, at: when.toISOString() });
      logger.emit({ body: item.body, timestamp: when, attributes: item.attributes as Record<string, string> });
    }
    const prompt = at(61);
    logger.emit({
      body: 'claude_code.user_prompt',
      timestamp: prompt,
      attributes: { 'session.id': 'cc-a', 'event.name': 'user_prompt', prompt_length: '12' },
    });
    const huge = claudeCodeApiRequest({ ...requests[0]!, requestId: 'req_huge', at: at(59).toISOString() });
    huge.attributes.output_tokens = '20000000000000000';
    logger.emit({ body: huge.body, timestamp: at(59), attributes: huge.attributes as Record<string, string> });
    await provider.forceFlush();
    records = memory.getFinishedLogRecords();
    expect(records).toHaveLength(5);

    const result = await exported(new OTLPLogExporter({ url: url('logs'), headers: auth(), keepAlive: false }), records);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    for (const r of requests)
      expect_({ input: r.input, output: r.output, cacheRead: r.cacheRead, cacheCreation: r.cacheCreation, reported: r.costUsd });

    const quarantined = await stack.runtime.store.list('quarantine/');
    const lines = (await Promise.all(quarantined.map(async (o) => (await stack.runtime.store.getText(o.key))?.text ?? ''))).join('');
    expect(lines).toContain('output_tokens = 20000000000000000 is too large to count exactly');
  });

  it('writes nothing more when the same records are exported again, in either encoding', async () => {
    await stack.idle();
    const before = await lake();
    expect((await exported(new OTLPLogExporter({ url: url('logs'), headers: auth(), keepAlive: false }), records)).code).toBe(
      ExportResultCode.SUCCESS,
    );
    expect((await exported(new OTLPJsonLogExporter({ url: url('logs'), headers: auth(), keepAlive: false }), records)).code).toBe(
      ExportResultCode.SUCCESS,
    );
    expect(await lake()).toEqual(before);
  });

  it("lands GenAI spans from an instrumented app (JSON exporter, gzip) and leaves a coding agent's spans to its events", async () => {
    const memory = new InMemorySpanExporter();
    const app = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
    });
    const tracer = app.getTracer('openai-instrumentation');
    const calls = [
      { input: 900, cacheRead: 600, output: 120, ms: 1750 },
      { input: 5000, cacheRead: 0, output: 40, ms: 640 },
    ];
    for (const [i, c] of calls.entries()) {
      const start = at(50 - i);
      const span = tracer.startSpan('chat acme-llm-1', {
        startTime: start,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'acme',
          'gen_ai.request.model': 'acme-llm-1',
          'gen_ai.usage.input_tokens': c.input,
          'gen_ai.usage.cache_read.input_tokens': c.cacheRead,
          'gen_ai.usage.output_tokens': c.output,
        },
      });
      span.end(new Date(start.getTime() + c.ms));
      expect_({ input: c.input - c.cacheRead, output: c.output, cacheRead: c.cacheRead });
    }
    await app.forceFlush();
    const agentMemory = new InMemorySpanExporter();
    const agent = new TracerProvider({
      resource: resourceFromAttributes(CLAUDE_CODE_RESOURCE),
      spanProcessors: [new SimpleSpanProcessor({ exporter: agentMemory })],
    });
    const llm = agent.getTracer('claude-code').startSpan('claude_code.llm_request', {
      startTime: at(49),
      attributes: { 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.usage.input_tokens': 999999 },
    });
    llm.end(at(48));
    await agent.forceFlush();
    const spans: ReadableSpan[] = [...memory.getFinishedSpans(), ...agentMemory.getFinishedSpans()];
    const json = new OTLPJsonTraceExporter({
      url: url('traces'),
      headers: auth(),
      compression: CompressionAlgorithm.GZIP,
      keepAlive: false,
    });
    expect((await exported(json, spans)).code).toBe(ExportResultCode.SUCCESS);
    await stack.idle();
    const before = await lake();
    expect((await exported(new OTLPTraceExporter({ url: url('traces'), headers: auth(), keepAlive: false }), spans)).code).toBe(
      ExportResultCode.SUCCESS,
    );
    expect(await lake()).toEqual(before);
  });

  it('lands Claude Code counters for a session without events and drops them for a session with events', async () => {
    const exporter = new OTLPMetricExporter({
      url: url('metrics'),
      headers: auth(),
      temporalityPreference: AggregationTemporalityPreference.DELTA,
      keepAlive: false,
    });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ resource: resourceFromAttributes(CLAUDE_CODE_RESOURCE), readers: [reader] });
    const meter = meterProvider.getMeter('com.anthropic.claude_code');
    const tokens = meter.createCounter('claude_code.token.usage', { unit: 'tokens' });
    const cost = meter.createCounter('claude_code.cost.usage', { unit: 'USD' });
    const add = (session: string, t: { input: number; output: number; cacheRead: number; cacheCreation: number }, usd: number) => {
      const standard = { 'session.id': session, 'user.id': 'a3f1c0de', 'organization.id': 'org-0001', model: 'claude-sonnet-4-5' };
      for (const [type, value] of Object.entries(t)) tokens.add(value, { ...standard, type });
      cost.add(usd, standard);
    };
    const metricsOnly = { input: 300, output: 60, cacheRead: 1000, cacheCreation: 0 };
    add('cc-metrics-only', metricsOnly, 0.0042);
    // The same usage as cc-a's first event: its events own the session, so this must not count.
    add('cc-a', { input: 1200, output: 340, cacheRead: 5100, cacheCreation: 800 }, 0.0321);
    await meterProvider.forceFlush();
    await meterProvider.shutdown();
    expect_({ ...metricsOnly, requests: 0, reported: 0.0042 });
  });

  it('lands the tool-shaped payloads of Claude Code, Codex and Gemini CLI posted as gzip JSON', async () => {
    const codex = {
      conversation: 'codex-conv',
      at: at(40).toISOString(),
      model: 'gpt-5-codex',
      input: 3000,
      cached: 1200,
      output: 800,
      reasoning: 100,
    };
    const gemini = {
      session: 'gem-1',
      at: at(39).toISOString(),
      model: 'gemini-2.5-pro',
      prompt: 10_000,
      cached: 4000,
      output: 700,
      thoughts: 300,
      tool: 50,
      durationMs: 2500,
      promptId: 'p1',
    };
    const cc = {
      session: 'cc-c',
      seq: 2,
      at: at(38).toISOString(),
      model: 'claude-opus-4-1',
      input: 10,
      output: 20,
      cacheRead: 30,
      cacheCreation: 40,
      costUsd: 0.5,
      durationMs: 700,
      requestId: 'req_c1',
    };
    for (const [resource, item] of [
      [CODEX_RESOURCE, codexSseCompleted(codex)],
      [GEMINI_RESOURCE, geminiApiResponse(gemini)],
      [CLAUDE_CODE_RESOURCE, claudeCodeApiRequest(cc)],
    ] as const) {
      const res = await post('logs', gzipSync(JSON.stringify(logsRequest(resource, [item]))), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
    }
    expect_({ input: codex.input - codex.cached, output: codex.output, cacheRead: codex.cached });
    expect_({ input: gemini.prompt - gemini.cached + gemini.tool, output: gemini.output + gemini.thoughts, cacheRead: gemini.cached });
    expect_({ input: cc.input, output: cc.output, cacheRead: cc.cacheRead, cacheCreation: cc.cacheCreation, reported: cc.costUsd });
  });

  it("answers bad input with the spec's codes or a partial success naming what was rejected", async () => {
    const undecodable = await post('logs', Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), {
      'content-type': 'application/x-protobuf',
    });
    expect(undecodable.status).toBe(400);
    expect(undecodable.headers.get('content-type')).toBe('application/x-protobuf');
    expect(decodeStatus(undecodable.bytes).message).toMatch(/^body is not a protobuf-encoded OTLP logs export request/);

    const notOtlp = await post('logs', JSON.stringify({ events: [{ event_type: 'task.completed' }] }), {
      'content-type': 'application/json',
    });
    expect(notOtlp.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(notOtlp.bytes))).toEqual({
      message: 'body is not an OTLP logs export request: body: expected "resourceLogs", found events',
    });

    const huge = await post('traces', new Uint8Array(50 * 1024 * 1024), { 'content-type': 'application/x-protobuf' });
    expect(huge.status).toBe(413);
    expect((await post('metrics', '{}', { 'content-type': 'text/plain' })).status).toBe(415);
    const anonymous = await fetch(url('logs'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);

    const standard = { 'session.id': 'cc-bad-metrics', model: 'claude-sonnet-4-5' };
    const end = at(30).toISOString();
    const start = at(31).toISOString();
    const counters = metricsRequest(CLAUDE_CODE_RESOURCE, [
      {
        name: 'claude_code.token.usage',
        unit: 'tokens',
        temporality: 1,
        points: [
          { attributes: { ...standard, type: 'input' }, start, end, value: 'NaN' },
          { attributes: { ...standard, type: 'output' }, start, end, value: -12 },
          { attributes: { ...standard, type: 'cacheRead' }, start, end, value: 64 },
        ],
      },
    ]);
    const partial = await post('metrics', new Uint8Array(encodeRequest('metrics', counters)), { 'content-type': 'application/x-protobuf' });
    expect(partial.status).toBe(200);
    const answer = decodeResponse('metrics', partial.bytes) as { partialSuccess: { rejectedDataPoints: number; errorMessage: string } };
    expect(answer.partialSuccess.rejectedDataPoints).toBe(2);
    expect(answer.partialSuccess.errorMessage).toContain('sum.dataPoints[0] (claude_code.token.usage): value is NaN');
    expect(answer.partialSuccess.errorMessage).toContain('sum.dataPoints[1] (claude_code.token.usage): value -12 is negative');
    expect_({ input: 0, output: 0, cacheRead: 64, requests: 0 });

    const unknownModel = {
      conversation: 'codex-2',
      at: at(20).toISOString(),
      model: 'gpt-internal-x',
      input: 5,
      cached: 0,
      output: 5,
      reasoning: 0,
    };
    const warned = await post('logs', JSON.stringify(logsRequest(CODEX_RESOURCE, [codexSseCompleted(unknownModel)])), {
      'content-type': 'application/json',
    });
    expect(warned.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(warned.bytes))).toEqual({
      partialSuccess: { rejectedLogRecords: '0', errorMessage: 'no price for openai/gpt-internal-x: their usage lands as unpriced' },
    });
    expect_({ input: 5, output: 5 });
  });

  it('shows exactly what was sent, once, in /v1/analytics, with otlp as a source', async () => {
    const a = await analytics();
    const otlp = a.windows['7d'].by_source.find((s) => s.key === 'otlp');
    expect(otlp).toMatchObject({
      input_tokens: expected.input,
      output_tokens: expected.output,
      cache_read_tokens: expected.cacheRead,
      cache_creation_tokens: expected.cacheCreation,
      requests: expected.requests,
    });
    expect(otlp?.reported_cost_usd).toBeCloseTo(expected.reported, 9);
    expect(a.data_quality.sources.map((s) => s.source)).toContain('otlp');
    expect(a.data_quality.quarantined_lines).toBeGreaterThanOrEqual(3);
    expect(a.data_quality.unpriced_models.map((m) => m.model)).toEqual(expect.arrayContaining(['acme-llm-1', 'gpt-internal-x']));
    // The labels went to twin events, one per landed request, read back by the events rollup.
    const byType = new Map(a.windows['7d'].events.by_type.map((t) => [t.event_type, t]));
    expect(byType.get('claude_code.api_request')).toMatchObject({
      count: 4,
      metrics: { input_tokens: expect.objectContaining({ sum: 1200 + 15 + 420 + 10 }) },
    });
    expect([byType.get('codex.sse_event')?.count, byType.get('gemini_cli.api_response')?.count, byType.get('gen_ai.chat')?.count]).toEqual([
      2, 1, 2,
    ]);
  });
});
