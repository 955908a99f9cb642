// The lake bucket: encryption, lifecycle, the notifications that trigger analyze, and the
// policy that refuses plain HTTP and old TLS.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

import { BUCKET, bucketArn, objectArns, sub } from './names.ts';

/** The bucket, analyze's invoke permission it waits for, and its policy, in template order. */
export const bucketResources = {
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
