// The cold-start wiring shared by the handlers: read the secrets named in the environment from
// SSM, parse the configuration once, build the runtime once, reuse it across invocations. The
// only module that reads process.env.

import { parseConfig } from '../lib/config/config.ts';
import { resolveSecrets, secretParameters } from '../lib/config/secrets.ts';
import { createRuntime, type Runtime } from '../lib/pipeline/runtime.ts';
import { detectAgents } from '../lib/sources/detect.ts';
import { lambdaLogger, writeMetrics } from './lambda-logging.ts';

let cached: Promise<Runtime> | undefined;

async function build(): Promise<Runtime> {
  // The AWS SDK clients are imported here, not at the top: the local stack imports the handler
  // factories of functions/ and must not load them.
  const needsSsm = Object.values(secretParameters).some((name) => process.env[name]);
  let env: Record<string, string | undefined> = process.env;
  if (needsSsm) {
    const { GetParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
    const ssm = new SSMClient({});
    try {
      env = await resolveSecrets(
        process.env,
        async (name) => (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value,
      );
    } finally {
      ssm.destroy();
    }
  }
  const config = parseConfig(env, { detectAgents });
  const { createS3Client, S3ObjectStore } = await import('../lib/store/s3-store.ts');
  const client = createS3Client({ region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) });
  return createRuntime(config, {
    store: new S3ObjectStore(client, config.bucket),
    log: await lambdaLogger(config.logLevel),
    metrics: writeMetrics,
  });
}

export function runtimeFromEnv(): Promise<Runtime> {
  cached ??= build().catch((error) => {
    // A failed cold start is retried on the next invocation rather than cached forever.
    cached = undefined;
    throw error;
  });
  return cached;
}

export type RuntimeProvider = () => Promise<Runtime>;
