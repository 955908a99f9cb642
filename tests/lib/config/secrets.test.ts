import { describe, expect, it } from 'vitest';
import { resolveSecrets } from '../../../lib/config/secrets.ts';
import { ConfigError } from '../../../lib/core/errors.ts';

describe('resolveSecrets', () => {
  it('fills provider keys from the named SSM parameters, once each', async () => {
    const asked: string[] = [];
    const env = await resolveSecrets(
      {
        TOKENLAKE_ANTHROPIC_ADMIN_KEY_PARAMETER: '/tokenlake/prod/anthropic',
        OPENAI_ADMIN_KEY: 'sk-admin-direct',
        TOKENLAKE_OPENAI_ADMIN_KEY_PARAMETER: '/x',
      },
      async (name) => {
        asked.push(name);
        return `value-of-${name}`;
      },
    );
    expect(env.ANTHROPIC_ADMIN_API_KEY).toBe('value-of-/tokenlake/prod/anthropic');
    // A key set directly wins and its parameter is not read.
    expect(env.OPENAI_ADMIN_KEY).toBe('sk-admin-direct');
    expect(asked).toEqual(['/tokenlake/prod/anthropic']);
  });

  it('names the variable when a parameter cannot be read, without the value', async () => {
    const failing = resolveSecrets({ TOKENLAKE_OPENAI_ADMIN_KEY_PARAMETER: '/p' }, async () => {
      throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    });
    await expect(failing).rejects.toBeInstanceOf(ConfigError);
    await expect(failing).rejects.toThrow('TOKENLAKE_OPENAI_ADMIN_KEY_PARAMETER: cannot read SSM parameter /p: AccessDeniedException');
    await expect(resolveSecrets({ TOKENLAKE_OPENAI_ADMIN_KEY_PARAMETER: '/p' }, async () => '')).rejects.toThrow(/is empty/);
  });
});
