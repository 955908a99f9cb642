// analyze: S3 ObjectCreated under lake/ (and quarantine/) → rebuild the touched days' rollups and
// analytics.json. Keys arrive URL-encoded ('=' as %3D, spaces as '+') and are decoded here.

import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../lib/core/errors.ts';
import { emfDocument } from '../lib/core/metrics.ts';
import { type AnalyzeResult, runAnalyze, touchedDays, touchedEventDays } from '../lib/pipeline/analyze.ts';
import { analyzeDeps } from '../lib/pipeline/runtime.ts';
import { withLambdaContext } from './lambda-logging.ts';
import { type RuntimeProvider, runtimeFromEnv } from './runtime.ts';

const s3EventSchema = z.object({
  Records: z.array(
    z.looseObject({
      eventName: z.string(),
      s3: z.looseObject({ object: z.looseObject({ key: z.string() }) }),
    }),
  ),
});

export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

interface AnalyzeSummary {
  rebuilt: string[];
  skipped: string[];
  lake_objects_read: number;
  generated_at: string;
}

export function createAnalyzeHandler(getRuntime: RuntimeProvider) {
  return async (event: unknown): Promise<AnalyzeSummary> => {
    const parsed = s3EventSchema.safeParse(event);
    if (!parsed.success) throw new BadRequestError('invalid S3 event', issuesToDetails(parsed.error.issues, 'event'));
    const keys = parsed.data.Records.filter((r) => r.eventName.startsWith('ObjectCreated')).map((r) => decodeS3Key(r.s3.object.key));
    const rt = await getRuntime();
    const started = Date.now();
    const result: AnalyzeResult = await runAnalyze(analyzeDeps(rt), { days: touchedDays(keys), eventDays: touchedEventDays(keys) });
    rt.metrics(
      emfDocument({
        namespace: 'tokenlake',
        dimensions: { function: 'analyze' },
        metrics: {
          analyze_duration_ms: { value: Date.now() - started, unit: 'Milliseconds' },
          days_rebuilt: { value: result.rebuilt.length, unit: 'Count' },
          lake_objects_read: { value: result.lakeObjectsRead, unit: 'Count' },
        },
        timestamp: rt.now(),
      }),
    );
    return {
      rebuilt: result.rebuilt,
      skipped: result.skipped,
      lake_objects_read: result.lakeObjectsRead,
      generated_at: result.analytics.generated_at,
    };
  };
}

export const handler = withLambdaContext(createAnalyzeHandler(runtimeFromEnv));
