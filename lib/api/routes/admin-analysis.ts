// What the admin routes share: the analysis services a deployment may lack (then they answer 503).

import { HttpError } from '../../core/errors.ts';
import type { AnalyzeDeps } from '../../pipeline/analyze.ts';
import type { RouteContext } from '../contract.ts';

/** The 503 the admin routes declare. */
export const noAnalysis = 'This deployment cannot recompute analytics from the API.';

export function analysisOf(context: Pick<RouteContext, 'deps'>): AnalyzeDeps {
  const analysis = context.deps.analysis;
  if (!analysis) throw new HttpError(503, 'this deployment cannot recompute analytics from the api');
  return analysis;
}
