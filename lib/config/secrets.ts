// Provider admin keys on AWS live in SSM Parameter Store (SecureString); the environment holds
// only the parameter NAMES. They are fetched once per cold start and handed to the config as if
// they were set directly. A named parameter that cannot be read stops the start with its name.

import { ConfigError } from '../core/errors.ts';

/** Secret variable → the variable holding its SSM parameter name. */
export const secretParameters = {
  ANTHROPIC_ADMIN_API_KEY: 'TOKENLAKE_ANTHROPIC_ADMIN_KEY_PARAMETER',
  OPENAI_ADMIN_KEY: 'TOKENLAKE_OPENAI_ADMIN_KEY_PARAMETER',
  TOKENLAKE_HMAC_KEY: 'TOKENLAKE_HMAC_KEY_PARAMETER',
} as const;

type GetParameter = (name: string) => Promise<string | undefined>;

export async function resolveSecrets(
  env: Record<string, string | undefined>,
  getParameter: GetParameter,
): Promise<Record<string, string | undefined>> {
  const out = { ...env };
  for (const [secret, nameVariable] of Object.entries(secretParameters)) {
    const name = env[nameVariable]?.trim();
    if (!name || env[secret]) continue;
    let value: string | undefined;
    try {
      value = await getParameter(name);
    } catch (error) {
      throw new ConfigError(nameVariable, `cannot read SSM parameter ${name}: ${(error as Error).name}`);
    }
    if (!value) throw new ConfigError(nameVariable, `SSM parameter ${name} is empty`);
    out[secret] = value;
  }
  return out;
}
