// The cold-start wiring shared by the handlers: read the secrets named in the environment from
// SSM, parse the configuration once, build the runtime once, reuse it across invocations. The
// only module that reads process.env.

import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseConfig } from '../lib/config.ts';
import { createRuntime, type Runtime } from '../lib/runtime.ts';
import { resolveSecrets, secretParameters } from '../lib/secrets.ts';
import { detectAgents } from '../lib/sources/detect.ts';
import { lambdaLogger, writeMetrics } from './lambda-logging.ts';

let cached: Promise<Runtime> | undefined;

async function build(): Promise<Runtime> {
  const needsSsm = Object.values(secretParameters).some((name) => process.env[name]);
  const ssm = needsSsm ? new SSMClient({}) : null;
  const env = ssm
    ? await resolveSecrets(
        process.env,
        async (name) => (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value,
      )
    : process.env;
  ssm?.destroy();
  const config = parseConfig(env, { detectAgents });
  return createRuntime(config, { log: lambdaLogger(config.logLevel), metrics: writeMetrics });
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
