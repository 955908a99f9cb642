// `tokenlake export`: the export use case (lib/analytics/export-query.ts → lib/export/run-export.ts)
// run in-process against the store and written to a file: the bytes GET /v1/export answers,
// without a key or a request. Options are checked by the schema the route's query uses.

import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exportForQuery, exportQuerySchema } from '../lib/analytics/export-query.ts';
import { HttpError, issuesToDetails } from '../lib/core/errors.ts';
import { focusMetadata } from '../lib/export/focus.ts';
import type { Runtime } from '../lib/pipeline/runtime.ts';

export const EXPORT_HELP = `tokenlake export --format csv|json|ndjson|parquet|focus --out FILE
                 [--window 7d|30d|90d | --from DAY|INSTANT --to DAY|INSTANT]
                 [--dataset usage|daily|events] [--fields a,b,c] [--anonymize user,project]

Writes the records of the period (default: the last 30 days) to FILE, as GET /v1/export would.
With --format focus, the FOCUS metadata (version, schema id, columns) goes beside it, in
FILE without .csv + .metadata.json.
Example: tokenlake export --format parquet --window 90d --out usage.parquet`;

export async function runExportCommand(
  args: readonly string[],
  rt: Runtime,
  io: { stdout(t: string): void; stderr(t: string): void },
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      window: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      dataset: { type: 'string' },
      fields: { type: 'string' },
      anonymize: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (!values.out) {
    io.stderr(`tokenlake export: --out: expected a file name\n${EXPORT_HELP}\n`);
    return 2;
  }
  const query: Record<string, string> = {};
  for (const name of ['format', 'window', 'from', 'to', 'dataset', 'fields', 'anonymize'] as const) {
    const v = values[name];
    if (v !== undefined) query[name] = v;
  }
  const fail = (error: HttpError) => {
    const details = error.details.map((d) => `--${d.field}: ${d.reason}`).join('; ');
    io.stderr(`tokenlake export: ${error.message}${details ? `: ${details}` : ''}\n`);
    return error.statusCode === 400 ? 2 : 1;
  };
  const parsed = exportQuerySchema.safeParse(query);
  if (!parsed.success) return fail(new HttpError(400, 'invalid query parameters', issuesToDetails(parsed.error.issues)));
  let file: Awaited<ReturnType<typeof exportForQuery>>;
  try {
    file = await exportForQuery(
      {
        store: rt.store,
        pricer: rt.pricer,
        anonymizationKey: rt.config.hmacKey,
        now: rt.now(),
        timeZone: rt.config.timeZone,
        log: rt.log,
      },
      parsed.data,
    );
  } catch (error) {
    if (error instanceof HttpError) return fail(error);
    throw error;
  }
  const bytes = typeof file.body === 'string' ? Buffer.from(file.body, 'utf8') : file.body;
  await writeFile(values.out, bytes);
  if (!values.quiet) io.stdout(`wrote ${file.rows} rows (${bytes.byteLength} bytes) to ${values.out}\n`);
  if (values.format === 'focus') {
    const metadataFile = `${values.out.replace(/\.csv$/i, '')}.metadata.json`;
    await writeFile(metadataFile, `${JSON.stringify(focusMetadata(), null, 2)}\n`);
    if (!values.quiet) io.stdout(`wrote the FOCUS metadata to ${metadataFile}\n`);
  }
  return 0;
}
