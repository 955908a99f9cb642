// Every route the api serves, in one list (the router, the OpenAPI document and the deploy
// template all read it). Each route is its own file under routes/; the order is the order of the
// OpenAPI document.

import type { Route } from './contract.ts';
import { dashboardRoutes } from './dashboard/routes.ts';
import { aggregateRoute } from './routes/aggregate.ts';
import { analyticsRoute } from './routes/analytics.ts';
import { budgetsGetRoute, budgetsPutRoute } from './routes/budgets.ts';
import { costsRoute } from './routes/costs.ts';
import { eventsRoute } from './routes/events.ts';
import { exportRoute } from './routes/export.ts';
import { healthRoute } from './routes/health.ts';
import { createOpenApiRoute } from './routes/openapi.ts';
import { otlpRoutes } from './routes/otlp.ts';
import { performanceRoute } from './routes/performance.ts';
import { reportRoute } from './routes/report.ts';
import { summaryRoute } from './routes/summary.ts';
import { usageRoute } from './routes/usage.ts';
import { customWindowRoute } from './routes/window.ts';
import { windowRoute } from './routes/windows.ts';

export const allRoutes: Route[] = [
  healthRoute,
  analyticsRoute,
  windowRoute,
  eventsRoute,
  ...dashboardRoutes,
  summaryRoute,
  usageRoute,
  performanceRoute,
  costsRoute,
  reportRoute,
  customWindowRoute,
  exportRoute,
  budgetsGetRoute,
  budgetsPutRoute,
  aggregateRoute,
  ...otlpRoutes,
];
allRoutes.push(createOpenApiRoute(() => allRoutes));
