// The dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core) against
// the local stack with a known lake: the 90-day demo source, a source that fails and one that
// brings an unpriced model and quarantined lines. The numbers on the page must be the API's.
// Screenshots per window go to test-output/ for people to look at.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics } from '../../lib/analytics/analytics.ts';
import { parseConfig } from '../../lib/config/config.ts';
import { silentLogger } from '../../lib/core/log.ts';
import { createDemoSource } from '../../lib/sources/demo/index.ts';
import { emptyStats, type Source } from '../../lib/sources/source.ts';
import { makeRecord, recordId } from '../../lib/usage/record.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const KEY = 'dashboard-test-key-0123456789';
const WINDOWS = ['7d', '30d', '90d'] as const;
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails on every pull, as a provider API that is down would. */
const failingSource: Source = {
  name: 'flaky-api',
  pull: () => Promise.reject(new Error('provider answered 503 Service Unavailable')),
};

/** One record of a model no price table knows, and two lines that fail validation. */
const oddSource: Source = {
  name: 'odd',
  async pull() {
    const record = makeRecord({
      id: recordId('odd', '1'),
      ts: '2026-11-22T12:00:00.000Z',
      source: 'odd',
      provider: 'acme',
      model: 'acme-large-1',
      project: 'web',
      user: 'alice',
      input_tokens: 1000,
      output_tokens: 500,
    });
    const reject = (line: number) => ({ source: 'odd', origin: 'test', line, reason: 'not JSON', raw: '{"usage":' });
    return {
      records: [record],
      quarantine: [reject(3), reject(7)],
      stats: { ...emptyStats(), read: 3, records: 1, quarantined: 2 },
      batchIdFor: (day: string) => `odd-${day}`,
      commit: async () => undefined,
    };
  },
};

let data: string;
let stack: LocalStack;
let browser: Browser;
let analytics: Analytics;

// Independent of the page's own formatting code: what a person should read.
const usd = (n: number) => `$${n.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
const int = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const millions = (n: number) => `${(n / 1e6).toFixed(1)} M`;

interface Problems {
  console: string[];
  failed: string[];
  foreign: string[];
  analyticsRequests: number;
}

async function openPage(path: string, options: BrowserContextOptions = {}): Promise<{ page: Page; problems: Problems }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', ...options });
  const page = await context.newPage();
  const problems: Problems = { console: [], failed: [], foreign: [], analyticsRequests: 0 };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.console.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(stack.url)) problems.foreign.push(r.url());
    if (r.url().includes('/v1/analytics')) problems.analyticsRequests++;
  });
  page.on('requestfailed', (r) => problems.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.failed.push(`${r.url()}: HTTP ${r.status()}`);
  });
  await page.goto(`${stack.url}${path}`);
  return { page, problems };
}

async function metric(page: Page, name: string): Promise<{ raw: number; text: string }> {
  const el = page.locator(`#headline [data-metric="${name}"]`);
  return { raw: Number(await el.getAttribute('data-raw')), text: (await el.textContent()) ?? '' };
}

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'tl-dashboard-'));
  mkdirSync(OUTPUT, { recursive: true });
  const config = parseConfig({ TOKENLAKE_DATA_DIR: data, TOKENLAKE_SOURCES: 'demo', TOKENLAKE_API_KEY: KEY, PORT: '0' });
  // The failing source goes first so its status is on record before the last analyze runs.
  stack = await startLocalStack({
    config,
    now: () => NOW,
    log: silentLogger,
    schedule: false,
    sources: [failingSource, createDemoSource(), oddSource],
  });
  await stack.syncNow();
  const res = await fetch(`${stack.url}/v1/analytics`, { headers: { authorization: `Bearer ${KEY}` } });
  analytics = (await res.json()) as Analytics;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(data, { recursive: true, force: true });
});

describe('dashboard in Chromium', () => {
  it('opens from the printed #key= link with no console errors, no failed and no foreign requests, and forgets the key from the URL', async () => {
    const { page, problems } = await openPage(`/#key=${KEY}`, { timezoneId: 'America/New_York' });
    await page.waitForSelector('#headline[data-window="7d"]');

    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('tokenlake.api-key'))).toBe(KEY);
    // generated_at is 10:00 UTC = 05:00 in New York (EST): the viewer's zone, named.
    const shown = (await page.locator('#freshness time').textContent())?.replace(/\u202f/g, ' ');
    expect(shown).toBe('Nov 23, 2026, 5:00 AM EST');
    expect(problems).toEqual({ console: [], failed: [], foreign: [], analyticsRequests: 1 });
    await page.context().close();
  });

  it('shows, for each window, the totals the API computed, and switching updates numbers and charts', async () => {
    const { page, problems } = await openPage(`/#key=${KEY}`);
    await page.waitForSelector('#headline[data-window="7d"]');
    const chartImages: Buffer[] = [];

    for (const name of WINDOWS) {
      await page.click(`#switcher button[data-window="${name}"]`);
      await page.waitForSelector(`#headline[data-window="${name}"]`);
      const w = analytics.windows[name];
      const t = w.totals;

      for (const b of WINDOWS) {
        expect(await page.getAttribute(`#switcher button[data-window="${b}"]`, 'aria-pressed')).toBe(String(b === name));
      }
      expect(await metric(page, 'cost_usd')).toEqual({ raw: t.cost_usd, text: usd(t.cost_usd) });
      expect(await metric(page, 'total_tokens')).toEqual({ raw: t.total_tokens, text: millions(t.total_tokens) });
      expect(await metric(page, 'requests')).toEqual({ raw: t.requests, text: int(t.requests) });
      expect(await metric(page, 'burn_rate_usd_per_day')).toEqual({
        raw: w.burn_rate_usd_per_day,
        text: `${usd(w.burn_rate_usd_per_day)}/day`,
      });
      expect(await metric(page, 'month_to_date_usd')).toEqual({
        raw: analytics.month_to_date.cost_usd,
        text: usd(analytics.month_to_date.cost_usd),
      });
      expect(await metric(page, 'forecast_usd')).toEqual({
        raw: analytics.month_to_date.forecast_usd,
        text: usd(analytics.month_to_date.forecast_usd),
      });
      for (const kind of ['input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens'] as const) {
        expect(Number(await page.getAttribute(`#tokens [data-metric="${kind}"]`, 'data-raw'))).toBe(t[kind]);
      }

      // The daily chart's table alternative: one row per day of the window, the API's day totals.
      const rows = page.locator('#cost-table tbody tr');
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')))).toEqual(w.daily.map((d) => d.day));
      const dayTotals = await page
        .locator('#cost-table tbody tr td:nth-child(2)')
        .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-raw'))));
      expect(dayTotals).toEqual(w.daily.map((d) => d.cost_usd));

      // The chart itself: labelled with the window's total; the legend (not hovered) shows each model's window cost.
      expect(await page.getAttribute('#cost-chart canvas', 'aria-label')).toContain(`last ${w.days} days`);
      expect(await page.getAttribute('#cost-chart canvas', 'aria-label')).toContain(`Total ${usd(t.cost_usd)}`);
      const top = w.by_model[0]!;
      const topSum = w.daily.map((d) => d.cost_by_model.find((c) => c.model === top.key)?.cost_usd ?? 0).reduce((a, b) => a + b, 0);
      const legend = await page
        .locator('#cost-chart .u-legend .u-series')
        .evaluateAll((trs) =>
          Object.fromEntries(trs.map((tr) => [tr.querySelector('.u-label')?.textContent, tr.querySelector('.u-value')?.textContent])),
        );
      expect(legend[top.key]).toBe(usd(topSum));
      chartImages.push(await page.locator('#cost-chart canvas').screenshot());

      // Top projects and users: the API's order and numbers.
      for (const [table, list] of [
        ['#projects-table', w.by_project],
        ['#users-table', w.by_user],
      ] as const) {
        const keys = await page.locator(`${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
        expect(keys).toEqual(list.slice(0, 10).map((r) => r.key));
        const costs = await page
          .locator(`${table} tbody tr td:nth-child(2)`)
          .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-raw'))));
        expect(costs).toEqual(list.slice(0, 10).map((r) => r.cost_usd));
      }

      // Latency per model, the API's percentiles.
      const p50s = await page
        .locator('#latency tbody tr td:nth-child(3)')
        .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-raw'))));
      expect(p50s).toEqual([...w.latency_by_model.map((l) => l.p50_ms), w.latency.p50_ms]);

      await page.screenshot({ path: join(OUTPUT, `dashboard-${name}.png`), fullPage: true });
    }

    // Each window drew a different chart.
    expect(chartImages[0]!.equals(chartImages[1]!)).toBe(false);
    expect(chartImages[1]!.equals(chartImages[2]!)).toBe(false);
    expect(await page.evaluate(() => location.hash)).toBe('#window=90d');
    expect(problems).toEqual({ console: [], failed: [], foreign: [], analyticsRequests: 1 });
    await page.context().close();
  });

  it('shows a custom range of days from GET /v1/window, keeps it in the link, and says why a range is refused', async () => {
    const res = await fetch(`${stack.url}/v1/window?from=2026-10-01&to=2026-10-31`, { headers: { authorization: `Bearer ${KEY}` } });
    const october = (await res.json()) as Analytics['windows']['30d'];
    expect(october.days).toBe(31);
    const { page, problems } = await openPage(`/#key=${KEY}`);
    await page.waitForSelector('#headline[data-window="7d"]');
    await page.fill('#range-from', '2026-10-01');
    await page.fill('#range-to', '2026-10-31');
    await page.click('#range-show');
    await page.waitForSelector('#headline[data-window="custom"]');

    expect(await metric(page, 'cost_usd')).toEqual({ raw: october.totals.cost_usd, text: usd(october.totals.cost_usd) });
    expect(await metric(page, 'requests')).toEqual({ raw: october.totals.requests, text: int(october.totals.requests) });
    expect(await page.locator('#headline-title').textContent()).toMatch(/· 31 days$/);
    const days = await page.locator('#cost-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
    expect(days).toEqual(october.daily.map((d) => d.day));
    expect(await page.getAttribute('#range-show', 'aria-pressed')).toBe('true');
    expect(await page.getAttribute('#switcher button[data-window="7d"]', 'aria-pressed')).toBe('false');
    expect(await page.evaluate(() => location.hash)).toBe('#from=2026-10-01&to=2026-10-31');

    // A window button brings the window back; a reversed range is refused with the API's reason.
    await page.click('#switcher button[data-window="30d"]');
    await page.waitForSelector('#headline[data-window="30d"]');
    await page.fill('#range-from', '2026-10-31');
    await page.fill('#range-to', '2026-10-01');
    await page.click('#range-show');
    await page.waitForSelector('#status.status-error');
    expect(await page.locator('#status').textContent()).toBe('That range cannot be shown: must not be after "to".');
    // The browser reports the refused request itself; nothing else went wrong.
    expect(problems.console).toEqual(['error: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    expect(problems.failed).toEqual([`${stack.url}/v1/window?from=2026-10-31&to=2026-10-01: HTTP 400`]);
    await page.context().close();

    // The link opens the range again.
    const again = await openPage(`/#key=${KEY}&from=2026-10-01&to=2026-10-31`);
    await again.page.waitForSelector('#headline[data-window="custom"]');
    expect(await metric(again.page, 'cost_usd')).toEqual({ raw: october.totals.cost_usd, text: usd(october.totals.cost_usd) });
    await again.page.screenshot({ path: join(OUTPUT, 'dashboard-custom-range.png'), fullPage: true });
    await again.page.context().close();
  });

  it('switches windows from the keyboard (Enter, Space, arrow keys); Refresh re-reads the API', async () => {
    const { page, problems } = await openPage(`/#key=${KEY}`);
    await page.waitForSelector('#headline[data-window="7d"]');

    await page.focus('#switcher button[data-window="30d"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#headline[data-window="30d"]');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#headline[data-window="90d"]');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.window)).toBe('90d');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Space');
    await page.waitForSelector('#headline[data-window="7d"]');

    expect(await metric(page, 'cost_usd')).toEqual({
      raw: analytics.windows['7d'].totals.cost_usd,
      text: usd(analytics.windows['7d'].totals.cost_usd),
    });

    await page.click('#refresh');
    await page.waitForSelector('#status:has-text("Up to date")');
    expect(problems.analyticsRequests).toBe(2);
    expect(problems.failed).toEqual([]);
    await page.context().close();
  });

  it('shows data-quality warnings: the failing source, quarantined lines and the unpriced model', async () => {
    const q = analytics.data_quality;
    expect(q.sources.find((s) => s.source === 'flaky-api')?.ok).toBe(false);
    expect(q.quarantined_lines).toBe(2);
    expect(q.unpriced_models).toEqual([{ model: 'acme-large-1', provider: 'acme', records: 1, tokens: 1_500 }]);
    const { page } = await openPage(`/#key=${KEY}`);
    await page.waitForSelector('#headline');

    const warnings = await page.locator('#warnings li').allTextContents();
    expect(warnings.find((w) => w.includes('“flaky-api”'))).toContain('provider answered 503 Service Unavailable');
    expect(warnings.find((w) => w.includes('quarantined'))).toContain('2 quarantined lines');
    expect(warnings.find((w) => w.includes('No price known'))).toContain(
      'for acme-large-1 (1.5 k tokens): 1 record in the last 90 days is shown as unpriced, not as $0',
    );
    expect(await page.locator('#sources tbody tr[data-key="flaky-api/"] .badge').textContent()).toBe('Failing');
    expect(await page.locator('#models tbody tr[data-key="acme-large-1"] td:nth-child(3)').textContent()).toBe('no price');
    expect(analytics.month_to_date.budgets).toEqual([]);
    expect(await page.locator('#budgets .empty').textContent()).toContain('No budgets are set');
    await page.context().close();
  });

  it('renders budgets with their forecast and run-out day, and anomalies, when analytics carries them', async () => {
    // Budgets and anomalies come from other parts of analyze; the page is fed a document that has them.
    const budget = (over: Partial<Analytics['month_to_date']['budgets'][number]>) => ({
      id: 'b',
      scope: 'global',
      limit_usd: 70,
      spent_usd: 63,
      forecast_usd: 81.1,
      run_out_day: '2026-11-26',
      status: 'forecast_over',
      daily_limit_usd: null,
      today_usd: 0.5,
      thresholds_reached: [50, 80],
      thresholds_forecast: [100],
      ...over,
    });
    const fed = {
      ...analytics,
      month_to_date: {
        ...analytics.month_to_date,
        budgets: [
          budget({ id: 'global' }),
          budget({ id: 'web', scope: 'project:web', limit_usd: 500, spent_usd: 20, forecast_usd: 30, run_out_day: null, status: 'ok' }),
        ],
      },
      anomalies: [
        {
          day: '2026-11-20',
          dimension: 'model',
          key: 'claude-opus-4-7',
          cost_usd: 12.5,
          baseline_usd: 1.25,
          spread_usd: 0.4,
          jump_usd: 11.25,
          score: 28.1,
        },
      ],
    };
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.route('**/v1/analytics', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(fed) }),
    );
    await page.goto(`${stack.url}/#key=${KEY}`);
    await page.waitForSelector('#headline');

    const rows = await page.locator('#budgets tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    expect(rows).toEqual([
      ['global', '$70.00', '$63.00 (90.0%)', '$81.10', 'Thu, Nov 26, 2026', 'Forecast over'],
      ['project:web', '$500.00', '$20.00 (4.0%)', '$30.00', 'not this month', 'On track'],
    ]);
    expect(await page.locator('#warnings li', { hasText: 'Budget' }).textContent()).toContain(
      'Budget “global” will run out on Thu, Nov 26, 2026',
    );
    expect(await page.locator('#anomalies li').allTextContents()).toEqual([
      'Fri, Nov 20, 2026: model claude-opus-4-7 · $12.50 vs usual $1.25 (+$11.25, 10.0×)',
    ]);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-budgets.png'), fullPage: true });
    await context.close();
  });

  it('asks for a key when there is none, refuses a wrong one, and opens with the right one', async () => {
    const { page, problems } = await openPage('/');
    await page.waitForSelector('#key-form');

    expect(await page.isVisible('#key-panel')).toBe(true);
    expect(await page.isVisible('#dashboard')).toBe(false);
    expect(problems.analyticsRequests).toBe(0);

    await page.fill('#key-input', 'not-the-key-0123456789');
    await page.press('#key-input', 'Enter');
    await page.waitForSelector('#key-error:not([hidden])');
    expect(await page.textContent('#key-error')).toContain('not accepted');
    expect(await page.evaluate(() => sessionStorage.getItem('tokenlake.api-key'))).toBeNull();

    await page.fill('#key-input', KEY);
    await page.click('#key-form button[type="submit"]');
    await page.waitForSelector('#headline[data-window="7d"]');
    expect(await page.isVisible('#key-panel')).toBe(false);
    expect(problems.failed).toEqual([`${stack.url}/v1/analytics: HTTP 401`]);
    await page.context().close();
  });

  it('fits a phone: one column, nothing wider than the screen', async () => {
    const { page, problems } = await openPage(`/#key=${KEY}`, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.waitForSelector('#headline');

    const layout = await page.evaluate(() => {
      const box = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
      return {
        scrollWidth: document.documentElement.scrollWidth,
        projectsLeft: box('#projects').left,
        usersLeft: box('#users').left,
        usersBelowProjects: box('#users').top >= box('#projects').bottom,
      };
    });
    expect(layout.scrollWidth).toBeLessThanOrEqual(390);
    expect(layout.usersLeft).toBe(layout.projectsLeft);
    expect(layout.usersBelowProjects).toBe(true);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-phone.png'), fullPage: true });
    expect(problems.console).toEqual([]);
    await page.context().close();
  });
});
