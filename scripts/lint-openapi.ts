// `npm run lint:openapi`: writes the OpenAPI document the api serves (built from the route
// declarations, as GET /openapi.json builds it) to a temporary file and lints it with Redocly's
// recommended rules (redocly.yaml), offline. Exits with Redocly's code: non-zero on any error.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allRoutes } from '../lib/api/all-routes.ts';
import { buildOpenApiDocument } from '../lib/api/openapi.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tokenlake-openapi-'));
const file = join(dir, 'openapi.json');
try {
  writeFileSync(file, JSON.stringify(buildOpenApiDocument(allRoutes, { title: 'tokenlake API', version: '1' }), null, 2));
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', '--config', join(root, 'redocly.yaml'), file],
    { stdio: 'inherit', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
  );
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
