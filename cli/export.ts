// `tokenlake export`: the API's export, run in-process against the store, written to a file.
// Going through the same route keeps the CLI and the API answering the same bytes.

import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { allRoutes } from '../lib/api/all-routes.ts';
import { entryForPlainKey } from '../lib/api/auth.ts';
import type { ApiRequest } from '../lib/api/http.ts';
import { createRouter } from '../lib/api/router.ts';
import { focusMetadata } from '../lib/export/focus.ts';
import { analyzeDeps, type Runtime } from '../lib/pipeline/runtime.ts';

export const EXPORT_HELP = `tokenlake export --format csv|json|ndjson|parquet|focus --out FILE
                 [--window 7d|30d|90d | --from DAY|INSTANT --to DAY|INSTANT]
                 [--dataset usage|daily|events] [--fields a,b,c] [--anonymize user,project]

Writes the records of the period (default: the last 30 days) to FILE, as GET /v1/export would.
With --format focus, the FOCUS metadata (version, schema id, columns) goes beside it, in
FILE without .csv + .metadata.json.
Example: tokenlake export --format parquet --window 90d --out usage.parquet`;

const route = createRouter(allRoutes);

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
  const query = new URLSearchParams();
  for (const name of ['format', 'window', 'from', 'to', 'dataset', 'fields', 'anonymize'] as const) {
    const v = values[name];
    if (v !== undefined) query.set(name, v);
  }
  const key = 'cli-export-in-process-key';
  const request: ApiRequest = {
    method: 'GET',
    path: '/v1/export',
    query: Object.fromEntries(query),
    repeatedQuery: [],
    headers: { authorization: `Bearer ${key}` },
    body: null,
    requestId: 'cli',
  };
  const res = await route(request, {
    store: rt.store,
    keys: [entryForPlainKey(key)],
    now: rt.now,
    log: rt.log,
    timeZone: rt.config.timeZone,
    analysis: analyzeDeps(rt),
    // A file has no response-size limit.
    exportInlineLimitBytes: Number.POSITIVE_INFINITY,
    ...(rt.config.hmacKey ? { anonymizationKey: rt.config.hmacKey } : {}),
  });
  const body = res.body ?? '';
  if (res.statusCode !== 200) {
    const parsed = JSON.parse(body) as { error: string; details?: Array<{ field: string; reason: string }> };
    const details = (parsed.details ?? []).map((d) => `--${d.field}: ${d.reason}`).join('; ');
    io.stderr(`tokenlake export: ${parsed.error}${details ? `: ${details}` : ''}\n`);
    return res.statusCode === 400 ? 2 : 1;
  }
  const bytes = res.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  await writeFile(values.out, bytes);
  if (!values.quiet) io.stdout(`wrote ${res.headers?.['x-row-count'] ?? '?'} rows (${bytes.byteLength} bytes) to ${values.out}\n`);
  if (values.format === 'focus') {
    const metadataFile = `${values.out.replace(/\.csv$/i, '')}.metadata.json`;
    await writeFile(metadataFile, `${JSON.stringify(focusMetadata(), null, 2)}\n`);
    if (!values.quiet) io.stdout(`wrote the FOCUS metadata to ${metadataFile}\n`);
  }
  return 0;
}
