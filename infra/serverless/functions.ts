// The five functions: sizing, triggers and retry policy, and the HTTP routes taken from the api's
// own list.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

import type { AWS } from 'osls';
import { allRoutes } from '../../lib/api/all-routes.ts';
import { DLQ_ARN, functionName } from './names.ts';

const onFailureToDlq = { onFailure: { type: 'sqs' as const, arn: DLQ_ARN } };

/** Route events generated from the api's own list, so the template cannot miss a route. */
const httpRoutes = [...new Map(allRoutes.map((r) => [`${r.method} ${r.path}`, r])).values()].map((r) => ({
  httpApi: { method: r.method, path: r.path },
}));

/** Browsers may call exactly the methods some route uses (no DELETE while no route has one). */
export const corsMethods = [...new Set(allRoutes.map((r) => r.method))].sort();

/** The six event families the ingest rule subscribes to (design: job.*, task.*, …). */
const INGEST_DETAIL_TYPE_PREFIXES = ['job.', 'task.', 'tool.', 'budget.', 'provider.', 'conversation.'];

export const functions: AWS['functions'] = {
  // Network-bound (provider APIs, S3 writes); 512 MB leaves room to hold one backfill page set
  // and day objects while pricing them. The timeout stays under the shortest schedule (5 min)
  // and reserved concurrency 1 keeps two runs from moving the same cursor.
  sync: {
    name: functionName('sync'),
    handler: 'functions/sync.handler',
    role: 'SyncRole',
    memorySize: 512,
    timeout: 280,
    reservedConcurrency: 1,
    // A scheduled run is an async invocation: retried twice, then recorded in the DLQ. A
    // trigger older than an hour is pointless (the next schedule has started a fresh run).
    maximumRetryAttempts: 2,
    maximumEventAge: 3600,
    destinations: onFailureToDlq,
    environment: {
      TOKENLAKE_ANTHROPIC_ADMIN_KEY_PARAMETER: '${param:anthropicAdminKeyParameter}',
      TOKENLAKE_OPENAI_ADMIN_KEY_PARAMETER: '${param:openaiAdminKeyParameter}',
      TOKENLAKE_PRICES_URL: '${param:pricesUrl}',
    },
    events: [{ schedule: { rate: ['${param:syncSchedule}'] } }],
  },
  // CPU- and memory-bound: a rebuilt day parses every line of that day's objects (estimate at
  // 1 M records/day: ~200 MB of JSONL, ~1 GB of records in memory). 2048 MB also buys ~1.2 vCPU.
  // Reserved concurrency 1 serialises rebuilds (the lead's design: no two analyze runs write
  // analytics.json at once); S3 invokes asynchronously, so throttled events wait in Lambda's
  // queue (up to 6 h) and a run that still fails lands in the DLQ instead of being lost.
  analyze: {
    name: functionName('analyze'),
    handler: 'functions/analyze.handler',
    role: 'AnalyzeRole',
    memorySize: 2048,
    timeout: 900,
    reservedConcurrency: 1,
    maximumRetryAttempts: 2,
    maximumEventAge: 21_600,
    destinations: onFailureToDlq,
    environment: { TOKENLAKE_EVENT_BUS: '${param:eventBusName}' },
  },
  // Reads analytics.json (tens of KB) or a few rollups per request; exports stream lake days.
  // 1024 MB for exports and a fast JSON parse; 29 s is the HTTP API integration limit.
  api: {
    name: functionName('api'),
    handler: 'functions/api.handler',
    role: 'ApiRole',
    memorySize: 1024,
    timeout: 29,
    environment: { TOKENLAKE_EVENT_BUS: '${param:eventBusName}' },
    events: httpRoutes,
  },
  // One small event per invoke: a HEAD and a PUT or two.
  ingest: {
    name: functionName('ingest'),
    handler: 'functions/ingest.handler',
    role: 'IngestRole',
    memorySize: 256,
    timeout: 30,
    maximumRetryAttempts: 2,
    destinations: onFailureToDlq,
    events: [
      {
        eventBridge: {
          eventBus: '${param:eventBusName}',
          pattern: { 'detail-type': INGEST_DETAIL_TYPE_PREFIXES.map((prefix) => ({ prefix })) },
        },
      },
    ],
  },
  // Rewrites a day's many small objects as one: reads and writes a whole day (same estimate as
  // analyze), once a night.
  compact: {
    name: functionName('compact'),
    handler: 'functions/compact.handler',
    role: 'CompactRole',
    memorySize: 2048,
    timeout: 900,
    reservedConcurrency: 1,
    // Nightly: a failed run is retried twice within the next 6 hours, then recorded in the DLQ.
    maximumRetryAttempts: 2,
    maximumEventAge: 21_600,
    destinations: onFailureToDlq,
    events: [{ schedule: { rate: ['${param:compactSchedule}'] } }],
  },
};
