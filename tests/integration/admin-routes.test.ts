// Budgets and rebuilding a period's rollups over real HTTP on the local stack (demo data, fixed clock).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { createApiKey } from '../../lib/api/api-keys.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { contractViolations, createRecorder } from '../support/api-contract.ts';

const ADMIN = 'admin-key-0123456789abcdef';
let dir: string;
let stack: LocalStack;
let readKey: string;
const api = createRecorder((url) => url.origin === new URL(stack.url).origin);

async function call(method: string, path: string, key: string, body?: unknown, contentType = 'application/json') {
  const res = await api.fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tl-admin-'));
  const config = parseConfig({ TOKENLAKE_DATA_DIR: dir, TOKENLAKE_SOURCES: 'demo', TOKENLAKE_API_KEY: ADMIN, PORT: '0' });
  stack = await startLocalStack({ config, now: () => new Date('2026-03-20T12:00:00Z'), log: silentLogger, schedule: false });
  await stack.syncNow();
  readKey = (await createApiKey(stack.runtime.store, { scopes: ['read'], name: 'viewer', now: new Date() })).key;
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('budgets routes', () => {
  it('validates, stores and answers the month-to-date status of each budget', async () => {
    expect((await call('GET', '/v1/budgets', readKey)).body).toEqual({ budgets: [], status: [], error: null });
    const bad = await call('PUT', '/v1/budgets', ADMIN, { budgets: [{ id: 'web', monthly_usd: -1 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ field: 'budgets.0.monthly_usd', reason: expect.stringMatching(/>0/) }]);
    expect((await call('PUT', '/v1/budgets', ADMIN, 'budgets', 'text/plain')).status).toBe(415);
    expect((await call('PUT', '/v1/budgets', ADMIN, '{"budgets":', 'application/json')).status).toBe(400);
    expect((await call('PUT', '/v1/budgets', readKey, { budgets: [] })).status).toBe(403);

    const put = await call('PUT', '/v1/budgets', ADMIN, {
      budgets: [{ id: 'web', scope: { type: 'project', value: 'web' }, monthly_usd: 10 }],
    });
    expect(put.status).toBe(200);
    const analytics = (await call('GET', '/v1/analytics', readKey)).body as Analytics;
    // Independent figure: the web project's cost from 1 March to as_of, from the daily series.
    const web = put.body.status[0];
    expect(web.id).toBe('web');
    expect(web.spent_usd).toBeGreaterThan(0);
    expect(analytics.month_to_date.budgets[0]?.spent_usd).toBeCloseTo(web.spent_usd, 9);
    // The same month-to-date figure through another route that reads the rollups itself.
    const costs = await call('GET', '/v1/costs?group_by=project&from=2026-03-01&to=2026-03-20', readKey);
    const webCost = (costs.body.items as Array<{ key: string; cost_usd: number }>).find((g) => g.key === 'web')!.cost_usd;
    expect(web.spent_usd).toBeCloseTo(webCost, 9);
    expect(web.limit_usd).toBe(10);
    expect(web.status).toBe(
      web.spent_usd >= 10 ? 'over' : web.forecast_usd >= 10 ? 'forecast_over' : web.spent_usd >= 5 ? 'warning' : 'ok',
    );
    expect((await call('GET', '/v1/budgets', readKey)).body.budgets).toEqual([
      { id: 'web', scope: { type: 'project', value: 'web' }, monthly_usd: 10, thresholds: [0.5, 0.8, 1] },
    ]);
  });
});

describe('after an upgrade', () => {
  it('recomputes an analytics.json of another schema version instead of failing', async () => {
    await stack.runtime.store.put('analytics/analytics.json', JSON.stringify({ schema_version: 0, windows: {} }));
    const res = await call('GET', '/v1/analytics', readKey);
    expect(res.status).toBe(200);
    expect(res.body.schema_version).toBe(1);
    expect(res.body.windows['7d'].totals.records).toBeGreaterThan(0);
  });
});

describe('aggregate route', () => {
  it('rebuilds a period and refuses bad ones with the field named', async () => {
    const ok = await call('POST', '/v1/aggregate?from=2026-03-01&to=2026-03-10', ADMIN);
    expect(ok.status).toBe(200);
    expect(ok.body.rebuilt).toHaveLength(10);
    expect(ok.body.lake_objects_read).toBe(10);
    expect((await call('POST', '/v1/aggregate?from=2026-03-10&to=2026-03-01', ADMIN)).body.details[0].field).toBe('from');
    expect((await call('POST', '/v1/aggregate?from=2025-01-01&to=2026-03-01', ADMIN)).body.details[0].field).toBe('to');
    expect((await call('POST', '/v1/aggregate?from=2026-02-30&to=2026-03-01', ADMIN)).body.details[0].field).toBe('from');
    expect((await call('POST', '/v1/aggregate?to=2026-03-01', ADMIN)).body.details[0].field).toBe('from');
    expect((await call('POST', '/v1/aggregate?from=2026-03-01&to=2026-03-02', readKey)).status).toBe(403);
  });

  it('documents both routes in /openapi.json', async () => {
    const doc = (await (await api.fetch(`${stack.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/budgets'] ?? {}).sort()).toEqual(['get', 'put']);
    expect(Object.keys(doc.paths['/v1/aggregate'] ?? {})).toEqual(['post']);
  });
});

describe('the OpenAPI document', () => {
  it('allows every answer given above: status, media type, headers and body schema', async () => {
    expect(api.exchanges.length).toBeGreaterThan(10);
    expect(await contractViolations(stack.url, api.exchanges)).toEqual([]);
  });
});
