// The AWS deployment: five functions, the lake bucket, one least-privilege role per function,
// alarms and the Athena catalogue. Packaged offline with `npx osls package --stage <stage>`
// (osls + serverless-esbuild); deployed with `npx osls deploy --stage <stage>` (docs/deploy.md).
// Stage-specific values come from `params`; secrets live in SSM and only their NAMES reach env.
// Optional features (KMS key, versioning, alarm e-mail, raw-lake retention) are CloudFormation
// parameters whose defaults are the stage params: their conditions are then real, and a branch
// that is not taken holds `AWS::NoValue`, never a placeholder such as "none" (cfn-lint clean).
// This file composes the parts kept under infra/serverless/ (one concept each); the order of the
// spreads below is the order of the resources in the template.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

import type { AWS } from 'osls';
import { athenaResources } from './infra/serverless/athena.ts';
import { bucketResources } from './infra/serverless/bucket.ts';
import { functions } from './infra/serverless/functions.ts';
import { roleFor } from './infra/serverless/iam.ts';
import { BUCKET, SERVICE, sub } from './infra/serverless/names.ts';
import { observabilityResources } from './infra/serverless/observability.ts';
import { conditions, parameters, stageParams } from './infra/serverless/parameters.ts';
import { esbuild, provider } from './infra/serverless/provider.ts';

const serverlessConfiguration: AWS = {
  service: SERVICE,
  frameworkVersion: '>=3',
  plugins: ['serverless-esbuild'],
  params: stageParams,
  provider,
  package: { individually: true },
  custom: { esbuild },
  functions,
  resources: {
    // Defaults come from the stage params (so `--param` and `params` keep working); a stack update
    // with new parameter values changes them without repackaging.
    Parameters: parameters,
    Conditions: conditions,
    Resources: {
      SyncRole: roleFor('sync'),
      AnalyzeRole: roleFor('analyze'),
      ApiRole: roleFor('api'),
      IngestRole: roleFor('ingest'),
      CompactRole: roleFor('compact'),
      ...bucketResources,
      ...observabilityResources,
      ...athenaResources,
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

export default serverlessConfiguration;
