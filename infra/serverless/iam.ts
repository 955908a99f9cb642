// One least-privilege role per function: what each handler reads and writes, and what each
// optional source needs beyond the lake.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

import { bucketArn, DLQ_ARN, eventBusArn, type FunctionKey, functionName, objectArns, SERVICE, ssmParameterArn, sub } from './names.ts';

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

/** Lambda delivers an async invocation's final failure to its on-failure destination with the function's own role. */
const sendToDlq: Statement = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: DLQ_ARN };

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
  // set it refreshes the price tables under config/prices/ once a day (lib/usage/pricing/stored-tables.ts).
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

export function roleFor(fn: FunctionKey) {
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
