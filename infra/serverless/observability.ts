// Where failures go and who hears of them: the dead-letter queue, the alarm topic (with its own
// key) and the alarms on it.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

import { FUNCTIONS, type FunctionKey, logicalId, SERVICE, sub } from './names.ts';

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

/** The queue, the topic, its e-mail subscription and every alarm, in template order. */
export const observabilityResources = {
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
};
