// `tokenlake keys create --scope read|ingest|admin [--scope …] [--name N] | list | revoke ID`:
// manages the API keys stored (as salted hashes) in the bucket. The new key is printed once, on
// stdout alone, so `KEY=$(tokenlake keys create --scope read)` works; everything else goes to stderr.

import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, revokeApiKey, scopeSchema } from '../lib/api/api-keys.ts';
import type { Scope } from '../lib/api/auth.ts';
import { errorMessage } from '../lib/core/errors.ts';
import type { ObjectStore } from '../lib/store/object-store.ts';

export const KEYS_HELP = `tokenlake keys create --scope read|ingest|admin [--scope …] [--name NAME]
tokenlake keys list [--json]
tokenlake keys revoke ID

Keys live in the bucket as salted hashes (config/api-keys.json); "create" prints the key once.
A running API picks up changes within 30 seconds. admin implies read and ingest.
Example: KEY=$(tokenlake keys create --scope read --name dashboard)`;

interface KeysCommandIo {
  store: ObjectStore;
  now: () => Date;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit codes: 0 ok, 1 failed (e.g. unknown id), 2 bad usage. */
export async function runKeysCommand(args: readonly string[], io: KeysCommandIo): Promise<number> {
  const [sub, ...rest] = args;
  let parsed: ReturnType<typeof parseKeysArgs>;
  try {
    parsed = parseKeysArgs(rest);
  } catch (error) {
    io.stderr(`tokenlake keys: ${errorMessage(error)}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (sub === 'help' || values.help) {
    io.stdout(`${KEYS_HELP}\n`);
    return 0;
  }
  if (!sub) {
    io.stderr(`${KEYS_HELP}\n`);
    return 2;
  }
  try {
    switch (sub) {
      case 'create': {
        const scopes = values.scope ?? [];
        if (scopes.length === 0) return usage(io, '--scope is required (read, ingest or admin)');
        const bad = scopes.filter((s) => !scopeSchema.safeParse(s).success);
        if (bad.length > 0) return usage(io, `--scope: expected read, ingest or admin, got "${bad[0]}"`);
        if (values.name !== undefined && (values.name.length === 0 || values.name.length > 128))
          return usage(io, '--name: 1 to 128 characters');
        if (positionals.length > 0) return usage(io, `unexpected argument "${positionals[0]}"`);
        const created = await createApiKey(io.store, { scopes: scopes as Scope[], name: values.name ?? null, now: io.now() });
        io.stdout(`${created.key}\n`);
        io.stderr(`created ${created.info.id} (${created.info.scopes.join(', ')}): the key above is shown only once; store it now.\n`);
        return 0;
      }
      case 'list': {
        if (positionals.length > 0) return usage(io, `unexpected argument "${positionals[0]}"`);
        const keys = await listApiKeys(io.store);
        if (values.json) io.stdout(`${JSON.stringify(keys, null, 2)}\n`);
        else if (keys.length === 0) io.stdout('no stored keys (TOKENLAKE_API_KEY, if set, is not listed)\n');
        else {
          for (const k of keys) {
            const state = k.revoked_at ? `revoked ${k.revoked_at}` : 'active';
            io.stdout(`${k.id}  ${k.scopes.join(',').padEnd(18)}  ${state.padEnd(32)}  ${k.created_at}  ${k.name ?? ''}\n`);
          }
        }
        return 0;
      }
      case 'revoke': {
        if (positionals.length !== 1) return usage(io, 'revoke takes one key id (see "tokenlake keys list")');
        const info = await revokeApiKey(io.store, positionals[0]!, io.now());
        io.stderr(`revoked ${info.id} at ${info.revoked_at}\n`);
        return 0;
      }
      default:
        return usage(io, `unknown subcommand "${sub}" (create, list, revoke)`);
    }
  } catch (error) {
    io.stderr(`tokenlake keys: ${errorMessage(error)}\n`);
    return 1;
  }
}

function parseKeysArgs(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      scope: { type: 'string', multiple: true },
      name: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
}

function usage(io: KeysCommandIo, message: string): number {
  io.stderr(`tokenlake keys: ${message}\n`);
  return 2;
}
