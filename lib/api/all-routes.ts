// Every route the api serves, in one list (the router, the OpenAPI document and the deploy
// template all read it).

import type { Route } from './router.ts';
import { coreRoutes } from './routes.ts';

export const allRoutes: Route[] = [...coreRoutes];
