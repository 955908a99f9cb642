// The AWS deployment: five functions, the lake bucket, one least-privilege role per function,
// alarms and the Athena catalogue. Packaged offline with `npx osls package --stage <stage>`
// (osls + serverless-esbuild); deployed with `npx osls deploy --stage <stage>` (docs/deploy.md).
// Stage-specific values come from `params`; secrets live in SSM and only their NAMES reach env.
// Optional features (KMS key, versioning, alarm e-mail, raw-lake retention) are CloudFormation
// parameters whose defaults are the stage params: their conditions are then real, and a branch
// that is not taken holds `AWS::NoValue`, never a placeholder such as "none" (cfn-lint clean).

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

import { readdirSync, readFileSync } from 'node:fs';
import type { AWS } from 'osls';
import type { z } from 'zod';
import { allRoutes } from './lib/api/all-routes.ts';
import { eventRecordSchema } from './lib/events/schema.ts';
import { usageRecordSchema } from './lib/usage/record.ts';

const SERVICE = 'tokenlake';

/**
 * The bucket's name is computed, not `Ref`-ed: the bucket's notification needs the analyze
 * function, the function's role needs the bucket's ARN, and the invoke permission the bucket
 * waits for needs the bucket's ARN too. Building every ARN from this string (CloudFormation
 * pseudo parameters only, resolved by Fn::Sub) breaks that cycle: nothing depends on the bucket.
 * Account and region make it globally unique; at most 10 + stage + 1 + 12 + 1 + 14 characters.
 */
const BUCKET = `${SERVICE}-\${sls:stage}-\${AWS::AccountId}-\${AWS::Region}`;
const sub = (text: string) => ({ 'Fn::Sub': text });
const bucketArn = sub(`arn:\${AWS::Partition}:s3:::${BUCKET}`);
const objectArns = (...prefixes: string[]) => prefixes.map((p) => sub(`arn:\${AWS::Partition}:s3:::${BUCKET}/${p}`));
const functionName = (fn: string) => `${SERVICE}-\${sls:stage}-${fn}`;
const ssmParameterArn = (param: string) => sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter\${param:${param}}`);
const eventBusArn = sub(`arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/\${param:eventBusName}`);

/** The five functions; osls names their resources `<Name>LambdaFunction`. */
const FUNCTIONS = ['sync', 'analyze', 'api', 'ingest', 'compact'] as const;
type FunctionKey = (typeof FUNCTIONS)[number];
const logicalId = (fn: FunctionKey) => `${fn[0]!.toUpperCase()}${fn.slice(1)}`;

// ── IAM ──────────────────────────────────────────────────────────────────────────────────────

type Statement = Record<string, unknown>;

const get = (...prefixes: string[]): Statement => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: objectArns(...prefixes) });
const put = (...prefixes: string[]): Statement => ({ Effect: 'Allow', Action: 's3:PutObject', Resource: objectArns(...prefixes) });

/**
 * ListBucket confined to prefixes with a plain `StringLike`: a listing that names no prefix is
 * refused (`...IfExists` would let it list every key, config/api-keys.json included). S3 answers
 * a GET or HEAD of a missing key with 404 only when the caller may list the bucket, a check made
 * without `s3:prefix`, so such a read gets 403 here; the S3 store (lib/storage.ts) then lists the
 * key's own name, which this grant allows, to tell "missing" from "denied".
 */
const list = (...prefixes: string[]): Statement => ({
  Effect: 'Allow',
  Action: 's3:ListBucket',
  Resource: bucketArn,
  Condition: { StringLike: { 's3:prefix': prefixes.flatMap((p) => [p, `${p}*`]) } },
});

/** Logs go to the log group osls creates for the function; nothing may create other groups. */
const writeOwnLogs = (fn: FunctionKey): Statement => ({
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName(fn)}:*`),
});

/**
 * `Resource: '*'` where AWS allows nothing else: X-Ray's PutTraceSegments and PutTelemetryRecords
 * support no resource-level permissions, so AWS requires '*' (so does cloudwatch:GetMetricData,
 * granted to sync only while bedrock-metrics is configured; see SOURCE_GRANTS). Metrics need no such exception:
 * they are emitted as EMF log lines (lib/core/metrics.ts), not with cloudwatch:PutMetricData.
 */
const XRAY: Statement = { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' };

/** With a customer KMS key the S3 calls need the key too; with SSE-S3 (the default) nothing. */
const KMS_IF_USED = {
  'Fn::If': [
    'UseKms',
    { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { Ref: 'KmsKeyArn' } },
    { Ref: 'AWS::NoValue' },
  ],
};

const DLQ_ARN = { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] };
/** Lambda delivers an async invocation's final failure to its on-failure destination with the function's own role. */
const sendToDlq: Statement = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: DLQ_ARN };
const onFailureToDlq = { onFailure: { type: 'sqs' as const, arn: DLQ_ARN } };

/** A statement that exists only while a condition holds (`AWS::NoValue` otherwise: nothing is granted). */
const onlyIf = (condition: string, statement: Statement): Statement => ({ 'Fn::If': [condition, statement, { Ref: 'AWS::NoValue' }] });

/** The Bedrock invocation-log location: `<BedrockLogsBucket>/<BedrockLogsPrefix>AWSLogs/…` (lib/sources/bedrock/paths.ts). */
const BEDROCK_LOGS_KEYS = `\${BedrockLogsPrefix}AWSLogs/`;

/**
 * What each optional source needs beyond the lake, granted to sync (the only function that reads
 * sources). One entry per source, so a new source adds its own least-privilege statements here and
 * tests/deploy/template.test.ts asserts them by source name. The Bedrock grants exist only when
 * their parameters are set (conditions below).
 */
export const SOURCE_GRANTS: Record<string, Statement[]> = {
  // The admin keys are SecureString parameters under the AWS-managed aws/ssm key: no kms grant.
  anthropic: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: ssmParameterArn('anthropicAdminKeyParameter') }],
  openai: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: ssmParameterArn('openaiAdminKeyParameter') }],
  // Reads the log batches under AWSLogs/ of the configured prefix, and lists only there; with a
  // KMS-encrypted log bucket, decrypts with that key (S3 asks KMS on the reader's behalf).
  bedrock: [
    onlyIf('UseBedrockLogs', {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: sub(`arn:\${AWS::Partition}:s3:::\${BedrockLogsBucket}/${BEDROCK_LOGS_KEYS}*`),
    }),
    onlyIf('UseBedrockLogs', {
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: sub('arn:${AWS::Partition}:s3:::${BedrockLogsBucket}'),
      Condition: { StringLike: { 's3:prefix': [sub(BEDROCK_LOGS_KEYS), sub(`${BEDROCK_LOGS_KEYS}*`)] } },
    }),
    onlyIf('UseBedrockLogsKms', { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { Ref: 'BedrockLogsKmsKeyArn' } }),
  ],
  // GetMetricData supports no resource-level permission and no condition key: AWS requires '*'.
  // It reads metrics only (no write, no alarm, no dashboard).
  'bedrock-metrics': [onlyIf('UseBedrockMetrics', { Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' })],
};

/**
 * Exactly what each handler does, no more (SecureString parameters encrypted with the AWS-managed
 * `aws/ssm` key need no kms:Decrypt grant).
 */
const permissions: Record<FunctionKey, Statement[]> = {
  // Pulls provider usage into the lake; keeps its cursors and status under state/. With label
  // anonymisation on, it reads (or creates once) the HMAC key kept in the bucket
  // (lib/usage/anonymize.ts), since a secret in env is not an option. With TOKENLAKE_PRICES_URL
  // set it refreshes the price tables under config/prices/ once a day (lib/pricing/stored-tables.ts).
  sync: [
    put('lake/*', 'quarantine/*', 'state/*', 'config/anonymization-key', 'config/prices/*'),
    get('state/*', 'config/anonymization-key', 'config/prices/*'),
    list('lake/', 'quarantine/', 'state/', 'config/'),
    // The sync lease (lib/store/lease.ts) is released by deleting it.
    { Effect: 'Allow', Action: 's3:DeleteObject', Resource: objectArns('state/machines/*/lock.json') },
    ...Object.values(SOURCE_GRANTS).flat(),
    sendToDlq,
  ],
  // Rebuilds rollups and analytics.json; claims and publishes budget alerts; keeps the last
  // valid budgets file (lib/analytics/budgets.ts) so a bad edit of config/budgets.json changes nothing.
  analyze: [
    get('lake/*', 'rollups/*', 'config/*', 'state/*', 'quarantine/*'),
    put('rollups/*', 'analytics/*', 'state/alerts/*', 'state/budgets-last-good.json'),
    list('lake/', 'rollups/', 'config/', 'state/', 'quarantine/'),
    // An alert whose delivery failed gives its claim back so the next run retries (lib/pipeline/alerts.ts).
    { Effect: 'Allow', Action: 's3:DeleteObject', Resource: objectArns('state/alerts/*') },
    { Effect: 'Allow', Action: 'events:PutEvents', Resource: eventBusArn },
    sendToDlq,
  ],
  // Serves what analyze computed; records pushed events; writes exports and budgets. GetObject on
  // exports/* is what makes its presigned export URLs work (they are signed with this role).
  // Anonymised exports may create the HMAC key on first use. API keys are salted hashes in
  // config/api-keys.json (lib/api/api-keys.ts, managed with `tokenlake keys`), so no SSM read is needed.
  // PUT /v1/budgets and POST /v1/aggregate recompute analytics before answering, so the api may
  // write what analyze writes (rollups, analytics.json, alert claims) and publish alerts. The
  // OTLP receiver (lib/otlp) also quarantines what it rejects, claims Claude Code sessions under
  // state/otlp/ and keeps its status in state/status/otlp.json. Pushed events claim their ids
  // under state/events/ids/ (lib/events/identity.ts: an event id counts once whatever its day).
  api: [
    get('analytics/*', 'rollups/*', 'lake/*', 'config/*', 'state/*', 'exports/*', 'quarantine/*'),
    put(
      'lake/events/*',
      'lake/usage/*',
      'quarantine/*',
      'state/events/ids/*',
      'state/otlp/*',
      'state/status/otlp.json',
      'exports/*',
      'config/budgets.json',
      'config/anonymization-key',
      'rollups/*',
      'analytics/*',
      'state/alerts/*',
      'state/budgets-last-good.json',
    ),
    list('analytics/', 'rollups/', 'lake/', 'config/', 'state/', 'exports/', 'quarantine/'),
    { Effect: 'Allow', Action: 's3:DeleteObject', Resource: objectArns('state/alerts/*') },
    { Effect: 'Allow', Action: 'events:PutEvents', Resource: eventBusArn },
  ],
  // One bus event → lake/events (and lake/usage). It HEADs a key before writing (idempotent
  // replays), which needs GetObject there and ListBucket for an honest 404; a bad event goes to
  // quarantine/ (lib/events/ingest.ts). Each event id is claimed create-only under
  // state/events/ids/, and a claim found there is read back (lib/events/identity.ts).
  // Prices usage-bearing events with the tables kept under config/prices/ (read only).
  ingest: [
    put('lake/events/*', 'lake/usage/*', 'quarantine/*', 'state/events/ids/*'),
    get('lake/events/*', 'lake/usage/*', 'config/prices/*', 'state/events/ids/*'),
    list('lake/events/', 'lake/usage/', 'config/prices/', 'state/events/ids/'),
    sendToDlq,
  ],
  // Merges a day's small objects into one and deletes the originals; expires rollups older than
  // 760 days and, when a retention is set, raw days (lib/pipeline/compaction.ts; the lifecycle rules are the
  // backstop for both).
  compact: [
    get('lake/*'),
    put('lake/*'),
    { Effect: 'Allow', Action: 's3:DeleteObject', Resource: objectArns('lake/*', 'rollups/*') },
    list('lake/', 'rollups/'),
    sendToDlq,
  ],
};

function roleFor(fn: FunctionKey) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `${SERVICE} ${fn}: least privilege for this function only`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [
        {
          PolicyName: `${SERVICE}-${fn}`,
          PolicyDocument: { Version: '2012-10-17', Statement: [writeOwnLogs(fn), XRAY, ...permissions[fn], KMS_IF_USED] },
        },
      ],
    },
  };
}

// ── Observability ────────────────────────────────────────────────────────────────────────────

/**
 * Errors and throttles per function. analyze runs with reserved concurrency 1, so bursts of
 * S3 notifications are throttled by design and retried by Lambda's async queue: its throttle
 * alarm fires only when throttling is sustained (the DLQ alarm catches what is finally lost).
 */
function alarmsFor(fn: FunctionKey) {
  const alarm = (metric: 'Errors' | 'Throttles', threshold: number, periods: number) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: `${SERVICE} ${fn}: ${metric} above ${threshold} in ${periods * 5} minutes`,
      Namespace: 'AWS/Lambda',
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: `${logicalId(fn)}LambdaFunction` } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: periods,
      DatapointsToAlarm: periods,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    },
  });
  return {
    [`${logicalId(fn)}ErrorsAlarm`]: alarm('Errors', 0, 1),
    [`${logicalId(fn)}ThrottlesAlarm`]: fn === 'analyze' ? alarm('Throttles', 50, 3) : alarm('Throttles', 0, 1),
  };
}

// ── Athena ───────────────────────────────────────────────────────────────────────────────────

/**
 * Glue columns generated from the zod contract, so the table cannot drift from the lake line:
 * strings (ISO instants included, cast in queries) → string, whole numbers → bigint, other
 * numbers → double, enums → string, records of numbers → map<string,double>, other records →
 * map<string,string> (the JSON SerDe reads numbers and booleans there as text).
 */
export function glueColumns(schema: z.ZodObject): Array<{ Name: string; Type: string }> {
  return Object.entries(schema.shape).map(([name, field]) => ({ Name: name, Type: glueType(field as z.ZodType) }));
}

function glueType(field: z.ZodType): string {
  // biome-ignore lint/suspicious/noExplicitAny: zod's internal definition is untyped per kind.
  const def = (field as any)._zod.def;
  switch (def.type) {
    case 'nullable':
    case 'optional':
      return glueType(def.innerType);
    case 'pipe':
      // A preprocess step (a transform) in front of the schema says nothing about the stored type.
      return glueType(def.in._zod.def.type === 'transform' ? def.out : def.in);
    case 'string':
    case 'enum':
      return 'string';
    case 'number':
      return def.format === 'safeint' || def.format === 'int32' ? 'bigint' : 'double';
    case 'boolean':
      return 'boolean';
    case 'record':
      return glueType(def.valueType) === 'double' ? 'map<string,double>' : 'map<string,string>';
    case 'union':
      return 'string';
    default:
      throw new Error(`serverless.ts: no Glue type for zod "${def.type}"`);
  }
}

/** The dt partitions Athena projects (infra/athena/*_table.sql say the same). */
const ATHENA_DT_RANGE = '2020-01-01,NOW+1DAYS';

function lakeTable(table: string, dataset: 'usage' | 'events', schema: z.ZodObject) {
  const location = `s3://${BUCKET}/lake/${dataset}/`;
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseName: { Ref: 'GlueDatabase' },
      TableInput: {
        Name: table,
        Description: `tokenlake lake/${dataset}: one JSON object per line, Hive-partitioned by the UTC day dt`,
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [{ Name: 'dt', Type: 'string' }],
        // Partition projection: Athena computes the dt partitions from this range, so a new day
        // is queryable at once and MSCK REPAIR / Glue crawlers are never needed.
        Parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          // From a fixed start (retention is opt-in, so old days stay; a moving NOW-3YEARS would
          // hide them) to tomorrow, so a day written by a clock running ahead (or just after
          // midnight UTC) is not invisible.
          'projection.dt.range': ATHENA_DT_RANGE,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          // `${!dt}` is Fn::Sub's escape for a literal `${dt}`, which Athena fills in per partition.
          'storage.location.template': sub(`${location}dt=\${!dt}/`),
        },
        StorageDescriptor: {
          Columns: glueColumns(schema),
          Location: sub(location),
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          // A malformed line (a foreign or truncated object under lake/) reads as nulls instead of
          // failing every query that touches its day.
          SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'ignore.malformed.json': 'true' } },
        },
      },
    },
  };
}

/** Named queries: the Athena dialect of infra/athena/queries/ (the DuckDB twins are tested). */
const queriesDir = new URL('./infra/athena/queries/', import.meta.url);
const namedQueries = Object.fromEntries(
  readdirSync(queriesDir)
    .filter((f) => f.endsWith('.athena.sql'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.athena\.sql$/, '');
      const text = readFileSync(new URL(file, queriesDir), 'utf8');
      const description = /^--\s*(.+)$/m.exec(text)?.[1] ?? name;
      const id = name
        .split(/[-_]/)
        .map((w) => `${w[0]!.toUpperCase()}${w.slice(1)}`)
        .join('');
      return [
        `${id}NamedQuery`,
        {
          Type: 'AWS::Athena::NamedQuery',
          Properties: {
            Name: `${SERVICE} ${name.replace(/[-_]/g, ' ')}`,
            Description: description.slice(0, 1024),
            Database: { Ref: 'GlueDatabase' },
            WorkGroup: { Ref: 'AthenaWorkGroup' },
            QueryString: text,
          },
        },
      ];
    }),
);

// ── Functions ────────────────────────────────────────────────────────────────────────────────

/** Route events generated from the api's own list, so the template cannot miss a route. */
const httpRoutes = [...new Map(allRoutes.map((r) => [`${r.method} ${r.path}`, r])).values()].map((r) => ({
  httpApi: { method: r.method, path: r.path },
}));

/** Browsers may call exactly the methods some route uses (no DELETE while no route has one). */
const corsMethods = [...new Set(allRoutes.map((r) => r.method))].sort();

/** The six event families the ingest rule subscribes to (design: job.*, task.*, …). */
export const INGEST_DETAIL_TYPE_PREFIXES = ['job.', 'task.', 'tool.', 'budget.', 'provider.', 'conversation.'];

const serverlessConfiguration: AWS = {
  service: SERVICE,
  frameworkVersion: '>=3',
  plugins: ['serverless-esbuild'],
  params: {
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
  },
  provider: {
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
  },
  package: { individually: true },
  custom: {
    esbuild: {
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
    },
  },
  functions: {
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
  },
  resources: {
    // Defaults come from the stage params (so `--param` and `params` keep working); a stack update
    // with new parameter values changes them without repackaging.
    Parameters: {
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
    },
    Conditions: {
      UseBedrockLogs: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BedrockLogsBucket' }, 'none'] }] },
      UseBedrockLogsKms: {
        'Fn::And': [{ Condition: 'UseBedrockLogs' }, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BedrockLogsKmsKeyArn' }, 'none'] }] }],
      },
      UseBedrockMetrics: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'BedrockMetricsRegions' }, 'none'] }] },
      UseKms: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'KmsKeyArn' }, 'none'] }] },
      UseVersioning: { 'Fn::Equals': [{ Ref: 'Versioning' }, 'true'] },
      HasAlarmEmail: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmEmail' }, 'none'] }] },
      HasRetention: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'RetentionDays' }, 'none'] }] },
    },
    Resources: {
      SyncRole: roleFor('sync'),
      AnalyzeRole: roleFor('analyze'),
      ApiRole: roleFor('api'),
      IngestRole: roleFor('ingest'),
      CompactRole: roleFor('compact'),

      LakeBucket: {
        Type: 'AWS::S3::Bucket',
        // The lake is the data: deleting the stack must not delete it (docs/deploy.md, tear down).
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        // S3 checks at creation that it may invoke analyze, so the permission must exist first.
        DependsOn: ['AnalyzeS3InvokePermission'],
        Properties: {
          BucketName: sub(BUCKET),
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              {
                ServerSideEncryptionByDefault: {
                  'Fn::If': ['UseKms', { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { Ref: 'KmsKeyArn' } }, { SSEAlgorithm: 'AES256' }],
                },
                BucketKeyEnabled: { 'Fn::If': ['UseKms', true, false] },
              },
            ],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          VersioningConfiguration: { 'Fn::If': ['UseVersioning', { Status: 'Enabled' }, { Ref: 'AWS::NoValue' }] },
          LifecycleConfiguration: {
            Rules: [
              // Raw partitions expire only when a retention is set: the lake is the source of truth
              // (Claude Code itself purges its logs after 30 days), so by default it is kept.
              { 'Fn::If': ['HasRetention', lifecycleRule('expire-lake', 'lake/', { Ref: 'RetentionDays' }), { Ref: 'AWS::NoValue' }] },
              // Large exports are fetched through a presigned URL right away.
              lifecycleRule('expire-exports', 'exports/', 1),
              lifecycleRule('expire-quarantine', 'quarantine/', 30),
              // Daily rollups outlive the raw lake: two years plus a month of year-on-year views.
              lifecycleRule('expire-rollups', 'rollups/', 760),
              lifecycleRule('expire-athena-results', 'athena-results/', 30),
            ],
          },
          /**
           * Direct S3 → Lambda notifications rather than EventBridge: free, no rule to run, and
           * the prefix/suffix filters are exactly what is needed for one consumer. EventBridge
           * notifications would avoid the dependency cycle and allow several consumers, at $1 per
           * million events; switch if another consumer needs lake writes. Usage and event
           * partitions and quarantine trigger analyze (local/stack.ts mirrors this filter);
           * analyze writes none of them, so it cannot trigger itself.
           */
          NotificationConfiguration: {
            LambdaConfigurations: ['lake/usage/', 'lake/events/', 'quarantine/'].map((prefix) => ({
              Event: 's3:ObjectCreated:*',
              Function: { 'Fn::GetAtt': ['AnalyzeLambdaFunction', 'Arn'] },
              Filter: {
                S3Key: {
                  Rules: [
                    { Name: 'prefix', Value: prefix },
                    { Name: 'suffix', Value: '.jsonl' },
                  ],
                },
              },
            })),
          },
        },
      },
      // SourceArn is built from the computed name, not Ref/GetAtt on the bucket (see BUCKET);
      // SourceAccount guards against a same-named bucket in another account.
      AnalyzeS3InvokePermission: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': ['AnalyzeLambdaFunction', 'Arn'] },
          Principal: 's3.amazonaws.com',
          SourceArn: bucketArn,
          SourceAccount: { Ref: 'AWS::AccountId' },
        },
      },
      LakeBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'LakeBucket' },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              // A Deny: `s3:*` here forbids everything over plain HTTP; it grants nothing.
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [bucketArn, ...objectArns('*')],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
              {
                Sid: 'DenyOutdatedTls',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [bucketArn, ...objectArns('*')],
                Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
              },
            ],
          },
        },
      },

      // Async invocations (sync, analyze, ingest, compact) that failed every retry; kept 14 days.
      FailedInvocationsQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: `${SERVICE}-\${sls:stage}-failed-invocations`,
          MessageRetentionPeriod: 1_209_600,
          SqsManagedSseEnabled: true,
        },
      },
      /**
       * The alarm topic is encrypted with a key of its own: CloudWatch can publish to an encrypted
       * topic only if the key policy lets cloudwatch.amazonaws.com use the key, which the
       * AWS-managed aws/sns key does not allow. The key costs $1 a month.
       */
      AlarmTopicKey: {
        Type: 'AWS::KMS::Key',
        Properties: {
          Description: `${SERVICE} \${sls:stage}: encrypts the alarm topic`,
          EnableKeyRotation: true,
          KeyPolicy: {
            Version: '2012-10-17',
            Statement: [
              // The account keeps control of its key (AWS's default key policy); IAM decides who.
              {
                Sid: 'AccountAdministers',
                Effect: 'Allow',
                Principal: { AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') },
                Action: 'kms:*',
                Resource: '*',
              },
              // What SNS does on CloudWatch's behalf when an alarm publishes (AWS's documented grant).
              {
                Sid: 'CloudWatchAlarmsPublish',
                Effect: 'Allow',
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
                Resource: '*',
                Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
              },
            ],
          },
        },
      },
      AlarmTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: `${SERVICE}-\${sls:stage}-alarms`, KmsMasterKeyId: { 'Fn::GetAtt': ['AlarmTopicKey', 'Arn'] } },
      },
      AlarmEmailSubscription: {
        Type: 'AWS::SNS::Subscription',
        Condition: 'HasAlarmEmail',
        Properties: { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: { Ref: 'AlarmEmail' } },
      },
      FailedInvocationsAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmDescription: `${SERVICE}: a sync, analyze, ingest or compact invocation failed all retries (see the DLQ)`,
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['FailedInvocationsQueue', 'QueueName'] } }],
          Statistic: 'Maximum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: 'AlarmTopic' }],
        },
      },
      ...Object.assign({}, ...FUNCTIONS.map(alarmsFor)),

      GlueDatabase: {
        Type: 'AWS::Glue::Database',
        Properties: {
          CatalogId: { Ref: 'AWS::AccountId' },
          DatabaseInput: { Name: '${param:glueDatabase}', Description: 'tokenlake lake tables (partition projection on dt)' },
        },
      },
      LakeUsageTable: lakeTable('lake_usage', 'usage', usageRecordSchema),
      LakeEventsTable: lakeTable('lake_events', 'events', eventRecordSchema),
      AthenaWorkGroup: {
        Type: 'AWS::Athena::WorkGroup',
        Properties: {
          Name: `${SERVICE}-\${sls:stage}`,
          Description: 'tokenlake queries: results under athena-results/, bytes scanned capped per query',
          State: 'ENABLED',
          // Deleting the stack deletes the workgroup with its named queries and history.
          RecursiveDeleteOption: true,
          WorkGroupConfiguration: {
            EnforceWorkGroupConfiguration: true,
            PublishCloudWatchMetricsEnabled: true,
            BytesScannedCutoffPerQuery: '${param:athenaBytesScannedCutoff}',
            EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
            ResultConfiguration: {
              OutputLocation: sub(`s3://${BUCKET}/athena-results/`),
              EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
            },
          },
        },
      },
      ...namedQueries,
    },
    Outputs: {
      LakeBucketName: { Value: sub(BUCKET) },
      AthenaWorkGroupName: { Value: { Ref: 'AthenaWorkGroup' } },
      GlueDatabaseName: { Value: { Ref: 'GlueDatabase' } },
      FailedInvocationsQueueUrl: { Value: { Ref: 'FailedInvocationsQueue' } },
      AlarmTopicArn: { Value: { Ref: 'AlarmTopic' } },
    },
    // osls generates the HTTP API stage; throttling is set on it here (shallow merge, so the
    // detailed-metrics flag osls sets is repeated).
    extensions: {
      HttpApiStage: {
        Properties: {
          DefaultRouteSettings: {
            DetailedMetricsEnabled: true,
            ThrottlingRateLimit: '${param:apiRateLimit}',
            ThrottlingBurstLimit: '${param:apiBurstLimit}',
          },
        },
      },
    },
  },
};

function lifecycleRule(id: string, prefix: string, days: number | { Ref: string }) {
  return {
    Id: id,
    Status: 'Enabled',
    Prefix: prefix,
    ExpirationInDays: days,
    // Only matters with versioning on: old versions of overwritten objects go after 30 days.
    NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
  };
}

export default serverlessConfiguration;
