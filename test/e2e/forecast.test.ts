import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { ROOT, startServer, type RunningServer } from '../support/server.js';

/**
 * The Forecast studio pages in a real browser (Debian's Chromium driven by playwright-core)
 * against a real `orchard up`: daily series with a weekly pattern are imported into a
 * group, a seasonal-naive predictor and an AutoPredictor are trained with backtests, a
 * forecast is made, and each page is read as a user reads it. Screenshots go to
 * test-output/screenshots/.
 */
const CHROMIUM = process.env.ORCHARD_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output/screenshots');
const haveChromium = fs.existsSync(CHROMIUM);

const ITEMS = 24;
const DAYS = 120;
const HORIZON = 14;
const WINDOWS = 2;
const START = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
const date = (d: number) => new Date(START + d * DAY).toISOString().slice(0, 10);
const item = (i: number) => `item_${String(i).padStart(2, '0')}`;

// playwright-core has no test matchers; these wait the way @playwright/test's do.
const visible = (l: Locator) => l.first().waitFor({ state: 'visible' });
const textOf = async (l: Locator) => ((await l.first().textContent()) ?? '').trim();
const hasText = (l: Locator, text: string | RegExp) =>
  expect.poll(() => textOf(l), { timeout: 20_000 }).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);

/** Daily series with a weekly pattern, a level per item and seeded noise (whole units). */
function series(): number[][] {
  let s = 7;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const week = [1.0, 0.85, 0.9, 1.05, 1.3, 1.7, 1.2];
  return Array.from({ length: ITEMS }, (_, i) => {
    const level = 40 + 5 * i;
    return Array.from({ length: DAYS }, (_, d) => Math.round(level * week[d % 7] + (rand() - 0.5) * level * 0.2));
  });
}

/** Seasonal naive's WAPE by hand: each window repeats the week before its cutoff; WAPE per window over all items, averaged over windows. */
function seasonalNaiveWape(ys: number[][]): number {
  const out: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    let err = 0;
    let abs = 0;
    for (const y of ys) {
      const cutoff = y.length - HORIZON - HORIZON * (WINDOWS - 1 - w);
      for (let i = 0; i < HORIZON; i++) {
        err += Math.abs(y[cutoff + i] - y[cutoff - 7 + (i % 7)]);
        abs += Math.abs(y[cutoff + i]);
      }
    }
    out.push(err / abs);
  }
  return out.reduce((a, b) => a + b, 0) / out.length;
}

/** The studio shows numbers to five significant digits. */
const shown = (v: number) => String(Number(v.toPrecision(5)));

describe.skipIf(!haveChromium)(`forecast pages in Chromium (needs ${CHROMIUM})`, () => {
  let server: RunningServer;
  let browser: Browser;
  let sdk: Orchard;
  let dir: string;
  const ys = series();

  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: server.url });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  };
  const signIn = async (page: Page, name = 'ada') => {
    await page.goto('/');
    await page.getByLabel('User name').fill(name);
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
  };
  const chart = (page: Page) => page.locator('figure.forecast-chart svg');

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-forecast-'));
    const rows = ys.flatMap((y, i) => y.map((v, d) => `${item(i)},${date(d)},${v}`));
    fs.writeFileSync(path.join(dir, 'sales.csv'), ['sku,day,units', ...rows].join('\n') + '\n');
    // Prices over the history and the horizon; a category per item.
    const prices = ys.flatMap((_, i) => Array.from({ length: DAYS + HORIZON }, (_, d) => `${item(i)},${date(d)},${(4.5 + i / 10).toFixed(2)}`));
    fs.writeFileSync(path.join(dir, 'prices.csv'), ['sku,day,price', ...prices].join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'catalog.csv'), ['sku,category', ...ys.map((_, i) => `${item(i)},${i % 2 ? 'food' : 'toys'}`)].join('\n') + '\n');
    server = await startServer({ ORCHARD_WORKERS: '1' });
    sdk = new Orchard({ url: server.url, token: server.adminToken });
    await sdk.users.create({ name: 'ada', role: 'admin', password: 'correct horse' });
    await sdk.users.create({ name: 'vic', role: 'viewer', password: 'correct horse' });
    await sdk.datasets.create({ name: 'sales', file: path.join(dir, 'sales.csv'), header: true });
    await sdk.forecast.groups.create({ name: 'shop', frequency: 'D', domain: 'RETAIL' });
    await sdk.datasets.create({ name: 'prices', file: path.join(dir, 'prices.csv'), header: true });
    await sdk.datasets.create({ name: 'catalog', file: path.join(dir, 'catalog.csv'), header: true });
    await sdk.forecast.imports.create({ group: 'shop', target: 'sales', related: 'prices', metadata: 'catalog', map: { item_id: 'sku', timestamp: 'day', target_value: 'units' } });
    await sdk.forecast.predictors.create({ name: 'sn', group: 'shop', algorithm: 'seasonal-naive', horizon: HORIZON, backtestWindows: WINDOWS });
    await sdk.forecast.predictors.create({ name: 'pick', group: 'shop', algorithm: 'auto', candidates: ['naive', 'seasonal-naive'], horizon: HORIZON });
    expect((await sdk.forecast.predictors.waitFor('sn', { signal: AbortSignal.timeout(120_000) })).status).toBe('Active');
    expect((await sdk.forecast.predictors.waitFor('pick', { signal: AbortSignal.timeout(120_000) })).status).toBe('Active');
    await sdk.forecast.forecasts.create({ name: 'fsn', predictor: 'sn' });
    expect((await sdk.forecast.forecasts.waitFor('fsn', { signal: AbortSignal.timeout(120_000) })).status).toBe('Active');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the home and group pages list the group, its import, predictors and forecast', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Forecast' }).click();
    await page.getByRole('heading', { name: 'Forecast', level: 1 }).waitFor();

    const groups = page.getByRole('table', { name: 'Dataset groups' });
    const shop = groups.getByRole('row', { name: /shop/ });
    await visible(shop);
    expect(await shop.getByRole('cell').allTextContents()).toEqual(['shop', 'D', 'RETAIL', '1', '2', expect.any(String)]);
    // The seasonal-naive predictor's average WAPE, as computed by hand from the data.
    const sn = page.locator('tr[data-predictor="sn"]');
    await hasText(sn.locator('[data-status]'), 'Active');
    expect(await textOf(sn.locator('[data-metric="WAPE"]'))).toBe(shown(seasonalNaiveWape(ys)));
    await visible(page.getByRole('table', { name: 'Forecasts' }).getByRole('link', { name: 'fsn', exact: true }));
    await shot(page, 'forecast-01-home');

    await groups.getByRole('link', { name: 'shop' }).click();
    await page.getByRole('heading', { name: 'shop', level: 1 }).waitFor();
    const imp = page.getByRole('table', { name: 'Imports' }).locator('tbody tr');
    await visible(imp);
    expect(await imp.count()).toBe(1);
    expect(await textOf(imp.locator('[data-field="rows"]'))).toBe((ITEMS * DAYS).toLocaleString('en-US'));
    expect(await textOf(imp.locator('[data-field="items"]'))).toBe(String(ITEMS));
    await visible(imp.getByRole('link', { name: 'sales@1' }));
    await visible(imp.getByRole('link', { name: 'prices@1' }));
    await visible(imp.getByRole('link', { name: 'catalog@1' }));
    // The related series reach exactly the horizon past each item's history.
    expect(await imp.textContent()).toContain(`(price)covers ${HORIZON} step(s) ahead`);
    expect(await imp.textContent()).toContain('(category)');
    expect(await imp.textContent()).toContain(`${date(0)} – ${date(DAYS - 1)}`);
    expect(await page.getByRole('table', { name: 'Predictors' }).locator('tbody tr').count()).toBe(2);
    await shot(page, 'forecast-02-group');
    expect(errors).toEqual([]);
  });

  it('the predictor page shows metrics by window and algorithm, and the choice per series, searchable and paged', async () => {
    const page = await newPage();
    await signIn(page);
    await page.goto('/forecast/predictors/sn');
    const windows = page.getByRole('table', { name: 'Backtest window' });
    await visible(windows);
    expect(await windows.locator('tbody tr').count()).toBe(1 + WINDOWS);
    const head = await windows.locator('thead th').allTextContents();
    expect(head).toEqual(['Backtest window', 'wQL[0.1]', 'wQL[0.5]', 'wQL[0.9]', 'Average wQL', 'WAPE', 'RMSE', 'MAPE', 'MASE']);
    expect(await textOf(windows.locator('tr[data-row="average"] [data-metric="WAPE"]'))).toBe(shown(seasonalNaiveWape(ys)));
    // Every metric of every row is a number.
    for (const cell of await windows.locator('tbody td').allTextContents()) expect(Number.isFinite(Number(cell)), cell).toBe(true);

    await page.goto('/forecast/predictors/pick');
    await page.getByRole('heading', { name: 'Choice per series' }).waitFor();
    const described = await sdk.forecast.predictors.describe('pick');
    const byAlgorithm = page.getByRole('table', { name: 'Algorithm' });
    await visible(byAlgorithm);
    expect((await byAlgorithm.locator('tbody th').allTextContents()).sort()).toEqual(['naive', 'seasonal-naive']);
    // The chart of choices: one bar per chosen model, summing to every series.
    const choices = Object.entries(described.choices ?? {}).filter(([, n]) => n > 0);
    await visible(page.getByRole('img', { name: `Series per chosen model: ${choices.length} bars` }));
    expect(choices.reduce((a, [, n]) => a + n, 0)).toBe(ITEMS);
    const counts = await page.getByRole('list', { name: 'Series per chosen model' }).getByRole('listitem').allTextContents();
    expect(counts.sort()).toEqual(choices.map(([a, n]) => `${a}: ${n} series`).sort());

    const status = page.getByText(/of \d+ series$/);
    await hasText(status, `${ITEMS} of ${ITEMS} series`);
    const rows = page.getByRole('table', { name: 'Series' }).locator('tbody tr');
    expect(await rows.count()).toBe(20);
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await rows.count()).toBe(ITEMS - 20);
    expect(await rows.first().getAttribute('data-item')).toBe(item(20));
    await page.getByLabel('Search series').fill('item_07');
    await hasText(status, `1 of ${ITEMS} series`);
    expect(await rows.count()).toBe(1);
    const chosen = await textOf(rows.first().locator('td').nth(1));
    expect(chosen).toMatch(/naive/);
    await shot(page, 'forecast-03-predictor');
  });

  it('the forecast page draws an item with history, median and band, switches items, and exports', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page);
    await page.goto('/forecast/forecasts/fsn');
    await page.getByRole('heading', { name: 'fsn', level: 1 }).waitFor();

    // The first item is picked; its chart has the whole history, the horizon and the p10–p90 band.
    await expect.poll(() => chart(page).getAttribute('data-item'), { timeout: 20_000 }).toBe(item(0));
    // The recent history (six horizons) by default; the whole of it on demand.
    expect(await chart(page).getAttribute('data-history-points')).toBe(String(6 * HORIZON));
    await page.getByLabel(/Whole history/).check();
    await expect.poll(() => chart(page).getAttribute('data-history-points')).toBe(String(DAYS));
    expect(await chart(page).getAttribute('data-forecast-points')).toBe(String(HORIZON));
    expect(await chart(page).getAttribute('data-band')).toBe('p10-p90');
    const band = chart(page).locator('path.forecast-band');
    expect(await band.count()).toBe(1);
    const box = await band.boundingBox();
    expect(box!.height).toBeGreaterThan(2);
    expect(await chart(page).locator('path.forecast-history').count()).toBe(1);
    await shot(page, 'forecast-04-item0');

    // The picker switches the chart's item; seasonal naive's median repeats the item's last week.
    await page.getByLabel('Search items').fill('item_05');
    await expect.poll(() => page.getByLabel('Item', { exact: true }).locator('option').allTextContents(), { timeout: 20_000 }).toEqual([item(0) + ' (not in the matches)', item(5)]);
    await page.getByLabel('Item', { exact: true }).selectOption(item(5));
    await expect.poll(() => chart(page).getAttribute('data-item'), { timeout: 20_000 }).toBe(item(5));
    expect(page.url()).toContain(`item=${item(5)}`);
    const first = await chart(page).locator('.forecast-median circle title').first().textContent();
    expect(first).toContain(`${date(DAYS)}: p50 ${ys[5][DAYS - 7]}`);
    const last = await chart(page).locator('.forecast-median circle title').nth(HORIZON - 1).textContent();
    expect(last).toContain(`p50 ${ys[5][DAYS - 7 + ((HORIZON - 1) % 7)]}`);

    // Export: the whole forecast as CSV in the artifact store.
    await page.getByRole('button', { name: 'Export CSV' }).click();
    await hasText(page.getByRole('status').filter({ hasText: 'Wrote' }), `Wrote exports/fsn.csv: ${ITEMS * HORIZON} rows`);
    const text = (await buffer(await sdk.artifacts.get('exports/fsn.csv'))).toString('utf8').trim().split('\n');
    expect(text[0]).toBe('item_id,timestamp,p10,p50,p90,mean');
    expect(text).toHaveLength(1 + ITEMS * HORIZON);
    await shot(page, 'forecast-05-item5');
    expect(errors).toEqual([]);
  });

  it('a predictor being trained shows its progress per algorithm and window, and a Stop button', async () => {
    const page = await newPage();
    await signIn(page);
    // Training this small set ends in moments, so the page is shown the answer a server gives mid-training.
    const trained = await sdk.forecast.predictors.describe('sn');
    const training = {
      ...trained,
      status: 'CreateInProgress',
      metrics: null,
      windowMetrics: null,
      algorithmMetrics: null,
      choices: null,
      endedAt: null,
      progress: { stage: 'backtesting', percent: 40, shards: { total: 2, done: 0 }, items: { total: ITEMS, done: 10 }, detail: ['shard 0: seasonal-naive, window 2 of 2', 'shard 1: seasonal-naive, window 1 of 2'] },
    };
    await page.route('**/api/v1/forecast-predictors/sn', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(training) }));
    await page.goto('/forecast/predictors/sn');
    await hasText(page.locator('[data-status]'), 'CreateInProgress');
    expect(await page.getByRole('progressbar', { name: 'Progress of sn' }).getAttribute('aria-valuenow')).toBe('40');
    const card = page.locator('section.card', { has: page.getByRole('heading', { name: 'Training' }) });
    expect(await card.textContent()).toContain(`10 of ${ITEMS}`);
    expect(await card.getByRole('list', { name: 'Shards at work' }).getByRole('listitem').allTextContents()).toEqual(training.progress.detail);
    await visible(page.getByRole('button', { name: 'Stop' }));
    expect(await page.getByRole('table', { name: 'Backtest window' }).count()).toBe(0);
  });

  it('a viewer reads a forecast without the export, and an unknown forecast is a clear error', async () => {
    const page = await newPage();
    await signIn(page, 'vic');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Forecast' }).click();
    await page.getByRole('table', { name: 'Forecasts' }).getByRole('link', { name: 'fsn', exact: true }).click();
    await expect.poll(() => chart(page).getAttribute('data-item'), { timeout: 20_000 }).toBe(item(0));
    expect(await page.getByRole('heading', { name: 'Export' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Export CSV' }).count()).toBe(0);

    await page.goto('/forecast/forecasts/nothing-here');
    const alert = page.getByRole('alert');
    await hasText(alert, 'ORCH_FORECAST_NOT_FOUND');
    await page.goto('/forecast/predictors/nothing-here');
    await hasText(page.getByRole('alert'), 'ORCH_FORECAST_PREDICTOR_NOT_FOUND');
  });
});
