import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { ROOT, startServer, type RunningServer } from '../support/server.js';

/**
 * Dashboards in a real browser (Debian's Chromium driven by playwright-core) against a
 * real `orchard up`: an admin builds a dashboard with two charts and a filter, previews,
 * saves, filters, and exports a chart as PNG and CSV; a viewer sees it read-only.
 * Pages are saved as screenshots under test-output/screenshots/.
 */
const CHROMIUM = process.env.ORCHARD_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output/screenshots');
const haveChromium = fs.existsSync(CHROMIUM);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// playwright-core has no test matchers; these wait the way @playwright/test's do.
const visible = (l: Locator) => l.first().waitFor({ state: 'visible' });
const hasText = (l: Locator, text: string | RegExp) =>
  expect.poll(async () => (await l.first().textContent()) ?? '', { timeout: 20_000 }).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);

/** Sales by day and region: ten days of March 2024, regions eu/us/apac, amount = day × region factor. */
function salesCsv(): string {
  const lines = ['dt,region,amount'];
  const factor: Record<string, number> = { eu: 1, us: 2, apac: 3 };
  for (let d = 1; d <= 10; d++) for (const region of Object.keys(factor)) lines.push(`2024-03-${String(d).padStart(2, '0')},${region},${d * factor[region]}`);
  return lines.join('\n') + '\n';
}

describe.skipIf(!haveChromium)(`dashboards in Chromium (needs ${CHROMIUM})`, () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;

  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: server.url, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  };
  const signIn = async (page: Page, name: string, password: string) => {
    await page.goto('/');
    await page.getByLabel('User name').fill(name);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
  };
  const chartCard = (page: Page, title: string) => page.locator('section.dash-chart', { has: page.getByRole('heading', { name: title }) });

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-dash-'));
    fs.writeFileSync(path.join(dir, 'sales.csv'), salesCsv());
    server = await startServer({ ORCHARD_WORKERS: '1' });
    const sdk = new Orchard({ url: server.url, token: server.adminToken });
    await sdk.users.create({ name: 'ada', role: 'admin', password: 'correct horse' });
    await sdk.users.create({ name: 'vic', role: 'viewer', password: 'correct horse' });
    await sdk.datasets.create({ name: 'sales', file: path.join(dir, 'sales.csv'), header: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an admin builds a dashboard with two charts and a filter, then exports a chart as PNG and CSV', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, 'ada', 'correct horse');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboards' }).click();
    await page.getByRole('link', { name: 'Create dashboard' }).click();
    await page.getByLabel('Dashboard name').fill('sales-board');
    await page.getByLabel('Title', { exact: true }).fill('Sales board');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.getByLabel('Filter 1 column').fill('region');
    await page.getByLabel('Filter 1 label').fill('Region');

    // First chart: bars by region, previewed before it is added.
    await page.getByRole('button', { name: 'Add chart' }).click();
    await page.getByLabel('Chart id').fill('by-region');
    await page.getByLabel('Chart title').fill('Amount by region');
    await page.getByLabel('SQL').fill('SELECT region, sum(amount) AS total FROM sales GROUP BY 1 ORDER BY 1');
    await page.getByLabel('X column').fill('region');
    await page.getByLabel('Y columns').fill('total');
    await page.getByRole('button', { name: 'Preview' }).click();
    await visible(page.getByRole('img', { name: 'Amount by region: 3 bars' }));
    await page.getByRole('button', { name: 'Add to dashboard' }).click();

    // Second chart: a daily line that does not return the filter's column.
    await page.getByRole('button', { name: 'Add chart' }).click();
    await page.getByLabel('Chart id').fill('daily');
    await page.getByLabel('Chart title').fill('Daily amount');
    await page.getByLabel('Chart type').selectOption('line');
    await page.getByLabel('SQL').fill('SELECT dt, sum(amount) AS total FROM sales GROUP BY 1 ORDER BY 1');
    await page.getByLabel('X column').fill('dt');
    await page.getByLabel('Y columns').fill('total');
    await page.getByRole('button', { name: 'Add to dashboard' }).click();
    await shot(page, 'dash-01-editor');
    await page.getByRole('button', { name: 'Save dashboard' }).click();

    await page.waitForURL(/\/dashboards\/sales-board$/);
    await page.getByRole('heading', { name: 'Sales board', level: 1 }).waitFor();
    await visible(page.getByRole('img', { name: 'Amount by region: 3 bars' }));
    await visible(page.getByRole('img', { name: /^Daily amount: total, 10 points/ }));

    // The filter narrows the chart that returns its column and says it skips the other.
    await page.getByLabel('Region', { exact: true }).fill('eu, us');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await visible(page.getByRole('img', { name: 'Amount by region: 2 bars' }));
    await hasText(chartCard(page, 'Daily amount').locator('.dash-ignored'), 'Not filtered by region');
    await shot(page, 'dash-02-view');

    // PNG: the chart's SVG drawn on a canvas; the file is a real PNG twice the chart's size.
    const card = chartCard(page, 'Amount by region');
    await card.getByText('Export', { exact: true }).click();
    const [png] = await Promise.all([page.waitForEvent('download'), card.getByRole('menuitem', { name: 'Download PNG' }).click()]);
    expect(png.suggestedFilename()).toBe('sales-board-by-region.png');
    const pngFile = path.join(dir, 'chart.png');
    await png.saveAs(pngFile);
    fs.copyFileSync(pngFile, path.join(SHOTS, 'dash-chart-export.png'));
    const bytes = fs.readFileSync(pngFile);
    expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
    const svgWidth = await card.locator('svg').first().evaluate((svg) => Math.round(svg.getBoundingClientRect().width));
    expect(bytes.readUInt32BE(16)).toBe(svgWidth * 2);
    expect(bytes.length).toBeGreaterThan(2000);

    // CSV: the rows under the current filter, from the API with the session cookie.
    await card.getByText('Export', { exact: true }).click();
    const [csv] = await Promise.all([page.waitForEvent('download'), card.getByRole('menuitem', { name: 'Download CSV' }).click()]);
    const csvFile = path.join(dir, 'chart.csv');
    await csv.saveAs(csvFile);
    expect(fs.readFileSync(csvFile, 'utf8')).toBe('region,total\r\neu,55\r\nus,110\r\n');
    expect(errors).toEqual([]);
  });

  it('a viewer sees the dashboard read-only', async () => {
    const page = await newPage();
    await signIn(page, 'vic', 'correct horse');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboards' }).click();
    await page.getByRole('link', { name: 'Sales board' }).waitFor();
    expect(await page.getByRole('link', { name: 'Create dashboard' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Sales board' }).click();
    await visible(page.getByRole('img', { name: 'Amount by region: 3 bars' }));
    expect(await page.getByRole('link', { name: 'Edit dashboard' }).count()).toBe(0);
    // Filters and exports are reading, so a viewer has them.
    await page.getByLabel('Region', { exact: true }).fill('apac');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await visible(page.getByRole('img', { name: 'Amount by region: 1 bars' }));
    await shot(page, 'dash-03-viewer');
    await page.goto('/dashboards/sales-board/edit');
    await page.getByRole('heading', { name: 'Dashboards are read-only for you' }).waitFor();
    expect(await page.getByRole('button', { name: 'Save dashboard' }).count()).toBe(0);
  });
});
