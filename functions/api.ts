// api: API Gateway v2 (HTTP API) → the route table in lib/api.

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { allRoutes } from '../lib/api/all-routes.ts';
import { type ApiKeyEntry, entryForPlainKey } from '../lib/api/auth.ts';
import { toApiRequest } from '../lib/api/http.ts';
import { createRouter } from '../lib/api/router.ts';
import { type RuntimeProvider, runtimeFromEnv } from './runtime.ts';

const route = createRouter(allRoutes);

export function createApiHandler(getRuntime: RuntimeProvider, keysOverride?: readonly ApiKeyEntry[]) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const rt = await getRuntime();
    const keys = keysOverride ?? (rt.config.apiKey ? [entryForPlainKey(rt.config.apiKey)] : []);
    return route(toApiRequest(event), { store: rt.store, keys, now: rt.now, log: rt.log });
  };
}

export const handler = createApiHandler(runtimeFromEnv);
