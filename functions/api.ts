// api: API Gateway v2 (HTTP API) → the route table in lib/api.

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { allRoutes } from '../lib/api/all-routes.ts';
import { type ApiKeyEntry, entryForPlainKey } from '../lib/api/auth.ts';
import { toApiRequest } from '../lib/api/http.ts';
import { createRouter } from '../lib/api/router.ts';
import { createKeyCache } from '../lib/keys.ts';
import { analyzeDeps, type Runtime } from '../lib/runtime.ts';
import { withLambdaContext } from './lambda-logging.ts';
import { type RuntimeProvider, runtimeFromEnv } from './runtime.ts';

const route = createRouter(allRoutes);

/** Stored keys (config/api-keys.json) are re-read at most this often: a revocation takes this long. */
const STORED_KEYS_TTL_MS = 30_000;

export interface ApiHandlerOptions {
  /** Exports larger than this are answered with a presigned URL (tests make it small). */
  exportInlineLimitBytes?: number;
  storedKeysTtlMs?: number;
}

/**
 * `keysOverride` replaces TOKENLAKE_API_KEY's entry (the local stack passes its generated key);
 * the keys stored in the bucket are accepted in addition either way.
 */
export function createApiHandler(getRuntime: RuntimeProvider, keysOverride?: readonly ApiKeyEntry[], options: ApiHandlerOptions = {}) {
  let storedKeys: { runtime: Runtime; load: () => Promise<ApiKeyEntry[]> } | null = null;
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const rt = await getRuntime();
    if (storedKeys?.runtime !== rt) {
      storedKeys = { runtime: rt, load: createKeyCache(rt.store, { ttlMs: options.storedKeysTtlMs ?? STORED_KEYS_TTL_MS, log: rt.log }) };
    }
    const configured = keysOverride ?? (rt.config.apiKey ? [entryForPlainKey(rt.config.apiKey)] : []);
    const keys = [...configured, ...(await storedKeys.load())];
    return route(toApiRequest(event), {
      store: rt.store,
      keys,
      now: rt.now,
      log: rt.log,
      timeZone: rt.config.timeZone,
      analysis: analyzeDeps(rt),
      anonymize: rt.config.anonymize,
      ...(rt.config.hmacKey ? { anonymizationKey: rt.config.hmacKey } : {}),
      ...(options.exportInlineLimitBytes !== undefined ? { exportInlineLimitBytes: options.exportInlineLimitBytes } : {}),
    });
  };
}

export const handler = withLambdaContext(createApiHandler(runtimeFromEnv));
