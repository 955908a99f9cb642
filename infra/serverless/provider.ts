// The provider settings every function shares (runtime, environment, HTTP API, access logs) and
// how the functions are bundled.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

import type { AWS } from 'osls';
import { corsMethods } from './functions.ts';
import { BUCKET, SERVICE, sub } from './names.ts';

export const provider: AWS['provider'] = {
  name: 'aws',
  // nodejs20.x is deprecated on Lambda; the code also runs on the local Node 20.
  runtime: 'nodejs22.x',
  // Graviton: ~20% cheaper per GB-s, and every dependency is pure JavaScript.
  architecture: 'arm64',
  stage: '${opt:stage, "dev"}',
  logRetentionInDays: 30,
  tracing: { lambda: true },
  deploymentBucket: { blockPublicAccess: true, serverSideEncryption: 'AES256' },
  stackTags: { project: SERVICE },
  environment: {
    TOKENLAKE_BUCKET: sub(BUCKET),
    // A configured Bedrock source is added to the list (config drops a name listed twice).
    TOKENLAKE_SOURCES: {
      'Fn::If': [
        'UseBedrockLogs',
        { 'Fn::If': ['UseBedrockMetrics', '${param:sources},bedrock,bedrock-metrics', '${param:sources},bedrock'] },
        { 'Fn::If': ['UseBedrockMetrics', '${param:sources},bedrock-metrics', '${param:sources}'] },
      ],
    },
    TOKENLAKE_BEDROCK_LOGS: {
      'Fn::If': ['UseBedrockLogs', sub('s3://${BedrockLogsBucket}/${BedrockLogsPrefix}'), { Ref: 'AWS::NoValue' }],
    },
    TOKENLAKE_BEDROCK_METRICS_REGIONS: { 'Fn::If': ['UseBedrockMetrics', { Ref: 'BedrockMetricsRegions' }, { Ref: 'AWS::NoValue' }] },
    TOKENLAKE_TIMEZONE: '${param:timezone}',
    // Absent unless a retention is set: config reads "unset" as keep everything.
    TOKENLAKE_RETENTION_DAYS: { 'Fn::If': ['HasRetention', { Ref: 'RetentionDays' }, { Ref: 'AWS::NoValue' }] },
    TOKENLAKE_LOG_LEVEL: 'info',
    POWERTOOLS_SERVICE_NAME: SERVICE,
    // Stack traces point into the TypeScript sources (the bundles ship a source map).
    NODE_OPTIONS: '--enable-source-maps',
  },
  httpApi: {
    cors: {
      allowedOrigins: ['${param:corsOrigin}'],
      allowedHeaders: ['authorization', 'content-type', 'if-none-match'],
      allowedMethods: corsMethods,
      exposedResponseHeaders: ['etag', 'x-request-id', 'content-disposition'],
      maxAge: 600,
    },
    metrics: true,
  },
  // Access logs of the HTTP API stage to the log group osls creates (kept logRetentionInDays).
  logs: {
    httpApi: {
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        httpMethod: '$context.httpMethod',
        routeKey: '$context.routeKey',
        status: '$context.status',
        responseLength: '$context.responseLength',
        integrationLatency: '$context.integrationLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    },
  },
};

/** serverless-esbuild's options. */
export const esbuild = {
  bundle: true,
  minify: true,
  sourcemap: true,
  target: 'node22',
  platform: 'node',
  format: 'esm',
  outputFileExtension: '.mjs',
  mainFields: ['module', 'main'],
  // ESM bundles have no `require`; CommonJS dependencies inside (parts of the AWS SDK) need one.
  banner: {
    js: "import { createRequire as __tokenlakeCreateRequire } from 'node:module'; const require = __tokenlakeCreateRequire(import.meta.url);",
  },
  // Everything is bundled, the AWS SDK included, so the deployed code is the tested version
  // and packaging never runs npm (it works offline).
  exclude: [],
  external: [],
  concurrency: 2,
  outputWorkFolder: '.serverless/.esbuild',
};
