// Names and ARNs every part of the deployment builds on: the service, the computed bucket name,
// the five functions and the failed-invocations queue.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

export const SERVICE = 'tokenlake';

/**
 * The bucket's name is computed, not `Ref`-ed: the bucket's notification needs the analyze
 * function, the function's role needs the bucket's ARN, and the invoke permission the bucket
 * waits for needs the bucket's ARN too. Building every ARN from this string (CloudFormation
 * pseudo parameters only, resolved by Fn::Sub) breaks that cycle: nothing depends on the bucket.
 * Account and region make it globally unique; at most 10 + stage + 1 + 12 + 1 + 14 characters.
 */
export const BUCKET = `${SERVICE}-\${sls:stage}-\${AWS::AccountId}-\${AWS::Region}`;
export const sub = (text: string) => ({ 'Fn::Sub': text });
export const bucketArn = sub(`arn:\${AWS::Partition}:s3:::${BUCKET}`);
export const objectArns = (...prefixes: string[]) => prefixes.map((p) => sub(`arn:\${AWS::Partition}:s3:::${BUCKET}/${p}`));
export const functionName = (fn: string) => `${SERVICE}-\${sls:stage}-${fn}`;
export const ssmParameterArn = (param: string) =>
  sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter\${param:${param}}`);
export const eventBusArn = sub(`arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/\${param:eventBusName}`);

/** The five functions; osls names their resources `<Name>LambdaFunction`. */
export const FUNCTIONS = ['sync', 'analyze', 'api', 'ingest', 'compact'] as const;
export type FunctionKey = (typeof FUNCTIONS)[number];
export const logicalId = (fn: FunctionKey) => `${fn[0]!.toUpperCase()}${fn.slice(1)}`;

/** The queue async invocations land in after their last retry (resources in observability.ts). */
export const DLQ_ARN = { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] };
