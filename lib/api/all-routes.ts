// Every route the api serves, in one list (the router, the OpenAPI document and the deploy
// template all read it).

import { adminRoutes } from './admin-routes.ts';
import { analysisRoutes } from './analysis-routes.ts';
import { dashboardRoutes } from './dashboard/routes.ts';
import { eventsRoute } from './events-route.ts';
import { exportRoutes } from './export-route.ts';
import { createOpenApiRoute } from './openapi.ts';
import { otlpRoutes } from './otlp-route.ts';
import { reportRoutes } from './report-routes.ts';
import type { Route } from './router.ts';
import { coreRoutes } from './routes.ts';

export const allRoutes: Route[] = [
  ...coreRoutes,
  eventsRoute,
  ...dashboardRoutes,
  ...analysisRoutes,
  ...reportRoutes,
  ...exportRoutes,
  ...adminRoutes,
  ...otlpRoutes,
];
allRoutes.push(createOpenApiRoute(() => allRoutes));
