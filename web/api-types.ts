// The API's answers as the dashboard reads them: types only, inferred from the zod contracts in
// lib/ (analyticsSchema, customWindowAnswerSchema, errorBodySchema), so a renamed or removed field
// fails `npm run typecheck:web` instead of showing blank. `export type` is erased when bundling:
// no schema and no zod reach the browser (scripts/build-dashboard.mjs refuses a bundle that would).

export type { Analytics, AnalyticsWindow, WindowName } from '../lib/analytics/analytics.ts';
export type { ErrorBody } from '../lib/api/contract.ts';
export type { CustomWindowAnswer } from '../lib/api/routes/window.ts';
