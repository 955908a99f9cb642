// api: API Gateway v2 (HTTP API) → the route table in lib/api.

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { allRoutes } from '../lib/api/all-routes.ts';
import { createKeyCache } from '../lib/api/api-keys.ts';
import { type ApiKeyEntry, entryForPlainKey } from '../lib/api/auth.ts';
import { type AuthGuard, type AuthGuardOptions, createAuthGuard } from '../lib/api/auth-guard.ts';
import { toApiRequest } from '../lib/api/http.ts';
import { createRouter } from '../lib/api/router.ts';
import { analyzeDeps, type Runtime } from '../lib/pipeline/runtime.ts';
import { withLambdaContext } from './lambda-logging.ts';
import { type RuntimeProvider, runtimeFromEnv } from './runtime.ts';

const route = createRouter(allRoutes);

/** Stored keys (config/api-keys.json) are re-read at most this often: a revocation takes this long. */
const STORED_KEYS_TTL_MS = 30_000;

interface ApiHandlerOptions {
  /** Exports larger than this are answered with a presigned URL (tests make it small). */
  exportInlineLimitBytes?: number;
  storedKeysTtlMs?: number;
  /** Limits of the wrong-key guard (defaults in lib/api/auth-guard.ts). */
  authGuard?: Omit<AuthGuardOptions, 'now' | 'log'>;
}

/**
 * `keysOverride` replaces TOKENLAKE_API_KEY's entry (the local stack passes its generated key);
 * the keys stored in the bucket are accepted in addition either way.
 */
export function createApiHandler(getRuntime: RuntimeProvider, keysOverride?: readonly ApiKeyEntry[], options: ApiHandlerOptions = {}) {
  let perRuntime: { runtime: Runtime; loadStoredKeys: () => Promise<ApiKeyEntry[]>; guard: AuthGuard } | null = null;
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const rt = await getRuntime();
    if (perRuntime?.runtime !== rt) {
      perRuntime = {
        runtime: rt,
        loadStoredKeys: createKeyCache(rt.store, { ttlMs: options.storedKeysTtlMs ?? STORED_KEYS_TTL_MS, log: rt.log }),
        // One per warm function (and one for the local stack): it remembers addresses, not keys.
        guard: createAuthGuard({ ...options.authGuard, now: () => rt.now().getTime(), log: rt.log }),
      };
    }
    const configured = keysOverride ?? (rt.config.apiKey ? [entryForPlainKey(rt.config.apiKey)] : []);
    const keys = [...configured, ...(await perRuntime.loadStoredKeys())];
    return route(toApiRequest(event), {
      store: rt.store,
      keys,
      now: rt.now,
      log: rt.log,
      timeZone: rt.config.timeZone,
      analysis: analyzeDeps(rt),
      authGuard: perRuntime.guard,
      anonymize: rt.config.anonymize,
      ...(rt.config.hmacKey ? { anonymizationKey: rt.config.hmacKey } : {}),
      ...(options.exportInlineLimitBytes !== undefined ? { exportInlineLimitBytes: options.exportInlineLimitBytes } : {}),
    });
  };
}

export const handler = withLambdaContext(createApiHandler(runtimeFromEnv));
