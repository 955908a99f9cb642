// What varies per stage and per stack: the stage params, the CloudFormation parameters whose
// defaults they are, and the conditions the optional features hang on.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

import type { AWS } from 'osls';
import { SERVICE } from './names.ts';

export const stageParams: AWS['params'] = {
  default: {
    // How often sync pulls the sources (EventBridge schedule expression).
    syncSchedule: 'rate(15 minutes)',
    // Nightly compaction, 03:30 UTC: after the day's last restatements, before business hours.
    compactSchedule: 'cron(30 3 * * ? *)',
    sources: 'anthropic,openai',
    timezone: 'UTC',
    // Raw lake/ expiry in days, or 'none' (the default): keep the lake, the source of truth,
    // forever. Rollups keep their own 760 days either way.
    retentionDays: 'none',
    // 'true' keeps old object versions (expired after 30 days by the lifecycle rules).
    versioning: 'false',
    // 'none' = SSE-S3 (S3-managed keys); a KMS key ARN = SSE-KMS with a bucket key.
    kmsKeyArn: 'none',
    // 'default', or a bus name this stack creates (osls creates any non-default named bus).
    eventBusName: 'default',
    corsOrigin: '*',
    // HTTP API stage limits: steady requests per second and burst, for all routes together.
    apiRateLimit: 25,
    apiBurstLimit: 50,
    // Athena refuses a query that would scan more than this (bytes; 10 GiB ≈ $0.05 at $5/TB).
    athenaBytesScannedCutoff: 10_737_418_240,
    glueDatabase: `${SERVICE}_\${sls:stage}`,
    // 'none', or an address subscribed to the alarm topic (it must confirm the subscription).
    alarmEmail: 'none',
    // SSM SecureString NAMES (never values): read by the functions at cold start.
    anthropicAdminKeyParameter: `/${SERVICE}/\${sls:stage}/anthropic-admin-key`,
    openaiAdminKeyParameter: `/${SERVICE}/\${sls:stage}/openai-admin-key`,
    // LiteLLM's price file for the daily price refresh by sync; '' = off (accounts without egress).
    pricesUrl: '',
    // Amazon Bedrock (docs/deploy.md): the bucket model invocation logging delivers to ('none' =
    // off), the key prefix above AWSLogs/ ('' or ending in '/'), its KMS key if SSE-KMS, and the
    // regions whose AWS/Bedrock CloudWatch metrics are read where logging is off ('none' = off).
    bedrockLogsBucket: 'none',
    bedrockLogsPrefix: '',
    bedrockLogsKmsKeyArn: 'none',
    bedrockMetricsRegions: 'none',
  },
  // The stage the template tests package: the demo source, and values that differ from the
  // defaults so the tests can see the parameters flow through.
  test: {
    sources: 'demo',
    syncSchedule: 'rate(1 hour)',
    versioning: 'true',
  },
  prod: {
    syncSchedule: 'rate(5 minutes)',
    versioning: 'true',
  },
};

// Defaults come from the stage params (so `--param` and `params` keep working); a stack update
// with new parameter values changes them without repackaging.
export const parameters = {
  KmsKeyArn: {
    Type: 'String',
    Default: '${param:kmsKeyArn}',
    AllowedPattern: '^(none|arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+)$',
    Description: "'none' = SSE-S3; a KMS key ARN = SSE-KMS with a bucket key",
  },
  Versioning: {
    Type: 'String',
    Default: '${param:versioning}',
    AllowedValues: ['true', 'false'],
    Description: 'Keep old object versions (expired after 30 days)',
  },
  AlarmEmail: {
    Type: 'String',
    Default: '${param:alarmEmail}',
    AllowedPattern: '^(none|[^@\\s]+@[^@\\s]+)$',
    Description: "'none', or an address subscribed to the alarm topic",
  },
  BedrockLogsBucket: {
    Type: 'String',
    Default: '${param:bedrockLogsBucket}',
    AllowedPattern: '^(none|[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$',
    Description: "'none', or the bucket Amazon Bedrock model invocation logging delivers to",
  },
  BedrockLogsPrefix: {
    Type: 'String',
    Default: '${param:bedrockLogsPrefix}',
    AllowedPattern: '^([A-Za-z0-9!_.*()=-]+/)*$',
    Description: "The key prefix above AWSLogs/ in that bucket: '' or ending in '/'",
  },
  BedrockLogsKmsKeyArn: {
    Type: 'String',
    Default: '${param:bedrockLogsKmsKeyArn}',
    AllowedPattern: '^(none|arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+)$',
    Description: "'none', or the KMS key of an SSE-KMS encrypted log bucket",
  },
  BedrockMetricsRegions: {
    Type: 'String',
    Default: '${param:bedrockMetricsRegions}',
    AllowedPattern: '^(none|[a-z]{2}(-gov)?-[a-z]+-[0-9](,[a-z]{2}(-gov)?-[a-z]+-[0-9])*)$',
    Description: "'none', or the regions whose AWS/Bedrock CloudWatch metrics are read (comma-separated)",
  },
  RetentionDays: {
    Type: 'String',
    Default: '${param:retentionDays}',
    AllowedPattern: '^(none|[1-9][0-9]{0,5})$',
    Description: "Days raw lake/ objects are kept; 'none' keeps them forever",
  },
};

export const conditions = {
  UseBedrockLogs: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BedrockLogsBucket' }, 'none'] }] },
  UseBedrockLogsKms: {
    'Fn::And': [{ Condition: 'UseBedrockLogs' }, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BedrockLogsKmsKeyArn' }, 'none'] }] }],
  },
  UseBedrockMetrics: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BedrockMetricsRegions' }, 'none'] }] },
  UseKms: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'KmsKeyArn' }, 'none'] }] },
  UseVersioning: { 'Fn::Equals': [{ Ref: 'Versioning' }, 'true'] },
  HasAlarmEmail: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmEmail' }, 'none'] }] },
  HasRetention: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'RetentionDays' }, 'none'] }] },
};
