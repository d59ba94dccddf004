import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { cli, ROOT, startServer, type RunningServer } from '../support/server.js';

/**
 * The data-preparation pages in a real browser (Debian's Chromium driven by playwright-core)
 * against a real `orchard up`: an admin creates and runs a crawler over a folder of Hive
 * partitions, creates, fits and applies a recipe, follows a processing job started from the
 * CLI, and makes a data-quality report of a dataset; a viewer sees the pages without their
 * buttons and the API refuses a viewer's create. Pages are saved under test-output/screenshots/.
 */
const CHROMIUM = process.env.ORCHARD_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output/screenshots');
const haveChromium = fs.existsSync(CHROMIUM);

// playwright-core has no test matchers; these wait the way @playwright/test's do.
const visible = (l: Locator, timeout?: number) => l.first().waitFor({ state: 'visible', timeout });
const count = (l: Locator, n: number) => expect.poll(() => l.count(), { timeout: 20_000 }).toBe(n);
const hasText = (l: Locator, text: string | RegExp, timeout = 20_000) =>
  expect.poll(async () => (await l.first().textContent()) ?? '', { timeout }).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);

/** One day of events as a CSV with a header: `id,kind,amount`. */
function eventsCsv(day: number): string {
  const lines = ['id,kind,amount'];
  for (let i = 1; i <= 5; i++) lines.push(`${day * 100 + i},${i % 2 ? 'click' : 'view'},${(day * i * 1.5).toFixed(2)}`);
  return lines.join('\n') + '\n';
}

/** 40 shoppers: a colour (some missing), a size (some missing) and a binary label that follows the size. */
function shopCsv(): string {
  const colors = ['red', 'green', 'blue'];
  const lines = ['color,size,y'];
  for (let i = 0; i < 40; i++) {
    const size = 1 + ((i * 7) % 13);
    lines.push(`${i % 9 === 4 ? '' : colors[i % 3]},${i % 8 === 3 ? '' : size},${size > 7 ? 1 : 0}`);
  }
  return lines.join('\n') + '\n';
}

/** A processing script (standard library only): fills missing sizes with 0 and logs what it did. */
const CLEAN_PY = `
import csv, os
src = os.environ['ORCHARD_PROCESSING_INPUT_RAW']
out = os.environ['ORCHARD_PROCESSING_OUTPUT_CLEAN']
rows = []
for f in sorted(os.listdir(src)):
    with open(os.path.join(src, f), newline='') as fh:
        rows += list(csv.DictReader(fh))
print('read %d rows' % len(rows))
filled = 0
for r in rows:
    if r['size'] == '':
        r['size'] = '0'
        filled += 1
with open(os.path.join(out, 'clean.csv'), 'w', newline='') as fh:
    w = csv.DictWriter(fh, fieldnames=['color', 'size', 'y'])
    w.writeheader()
    w.writerows(rows)
print('filled %d missing sizes' % filled)
`;

const RECIPE_JSON = JSON.stringify(
  {
    target: 'y',
    steps: [
      { impute: { columns: ['size'], strategy: 'mean' } },
      { impute: { columns: ['color'], strategy: 'constant', value: 'unknown' } },
      { one_hot: { columns: ['color'], unknown: 'ignore' } },
    ],
  },
  null,
  2,
);

describe.skipIf(!haveChromium)(`data-preparation pages in Chromium (needs ${CHROMIUM})`, () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;
  let crawlRoot: string;

  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: server.url });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  };
  const signIn = async (page: Page, name: string) => {
    await page.goto('/');
    await page.getByLabel('User name').fill(name);
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
  };
  const nav = (page: Page, label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  const card = (page: Page, title: string | RegExp) => page.locator('section.card', { has: page.getByRole('heading', { name: title, level: 2 }) });
  const writeDay = (day: number) => {
    const folder = path.join(crawlRoot, 'events', `dt=2024-01-0${day}`);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'part-0.csv'), eventsCsv(day));
  };

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-prep-'));
    crawlRoot = path.join(dir, 'landing');
    writeDay(1);
    writeDay(2);
    fs.writeFileSync(path.join(dir, 'shop.csv'), shopCsv());
    fs.writeFileSync(path.join(dir, 'clean.py'), CLEAN_PY);
    server = await startServer({ ORCHARD_WORKERS: '1', ORCHARD_CRAWLER_ROOTS: crawlRoot });
    const sdk = new Orchard({ url: server.url, token: server.adminToken });
    await sdk.users.create({ name: 'ada', role: 'admin', password: 'correct horse' });
    await sdk.users.create({ name: 'vic', role: 'viewer', password: 'correct horse' });
    await sdk.datasets.create({ name: 'shop', file: path.join(dir, 'shop.csv'), header: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an admin creates a crawler over Hive partitions, runs it live, then crawls a new file into a new version', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, 'ada');
    await nav(page, 'Crawlers');
    await page.getByRole('heading', { name: 'Crawlers', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('events');
    await page.getByLabel('Source', { exact: true }).fill(`file://${path.join(crawlRoot, 'events')}/`);
    await page.getByRole('button', { name: 'Create crawler' }).click();
    await page.waitForURL(/\/crawlers\/events$/);
    await visible(page.getByText('No runs yet: press Run.'));

    // The run is followed live: no reload between pressing Run and seeing it complete.
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const run1 = page.getByRole('region', { name: 'Run 1' });
    await visible(run1.locator('[data-status="Completed"]'), 60_000);
    await hasText(run1, /2 seen, 2 new or changed, 0 rejected/);
    await hasText(run1, /events@1 \(new version\)/);
    const changes = run1.getByRole('table', { name: 'Schema changes' });
    for (const column of ['id', 'kind', 'amount', 'dt']) await visible(changes.getByRole('row', { name: new RegExp(`^${column} added`) }));
    await visible(card(page, 'Crawler').getByRole('link', { name: 'events@1' }));
    await shot(page, 'prep-01-crawler');

    // A third day lands: the next run reads only it and registers version 2.
    writeDay(3);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const run2 = page.getByRole('region', { name: 'Run 2' });
    await visible(run2.locator('[data-status="Completed"]'), 60_000);
    await hasText(run2, /3 seen, 1 new or changed, 0 rejected/);
    await hasText(run2, /events@2 \(new version\)/);
    await visible(card(page, 'Crawler').getByRole('link', { name: 'events@2' }));
    const sdk = new Orchard({ url: server.url, token: server.adminToken });
    expect(await sdk.datasets.describe('events')).toMatchObject({ version: 2, rowCount: 15 });

    // The list links the crawler and its dataset's current version.
    await page.getByRole('link', { name: 'Crawlers', exact: true }).first().click();
    const row = page.getByRole('row', { name: /events/ });
    await visible(row.getByRole('link', { name: 'events@2' }));
    await hasText(row, /#2/);
    await shot(page, 'prep-02-crawlers');
    await page.getByRole('link', { name: 'events@2' }).click();
    await page.waitForURL(/\/datasets\/events\?version=2$/);
    await page.getByRole('heading', { name: /Schema and statistics \(4 columns\)/ }).waitFor();
    expect(errors).toEqual([]);
  });

  it('an admin creates a recipe from JSON, fits it on a dataset with missing values and applies it', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, 'ada');
    await nav(page, 'Recipes');
    await visible(page.getByText('No recipes yet.'));
    await page.getByLabel('Name', { exact: true }).fill('shop-prep');
    await page.getByLabel('Description (optional)').fill('Fill the gaps, one-hot the colour');
    await page.getByLabel('Recipe (YAML or JSON)').fill(RECIPE_JSON);
    await page.getByRole('button', { name: 'Create recipe' }).click();
    await page.waitForURL(/\/recipes\/shop-prep$/);
    await hasText(card(page, 'Recipe'), /Latest fit\s*not fitted/);
    await count(page.locator('ol.steps li'), 3);

    // Fit: the page follows the job and shows the fit version.
    await page.getByLabel('Job', { exact: true }).selectOption('fit');
    await page.getByLabel('Dataset', { exact: true }).selectOption('shop');
    await page.getByRole('button', { name: 'Start fit' }).click();
    await hasText(page.getByRole('status'), /Started shop-prep-fit-/);
    const fits = card(page, 'Fits');
    await visible(fits.getByRole('row', { name: /shop-prep@1 shop@1 color, size/ }), 60_000);
    await visible(fits.getByRole('link', { name: 'shop@1' }));
    await hasText(card(page, 'Recipe'), /Latest fit\s*shop-prep@1/);
    const jobs = card(page, 'Fit and apply jobs');
    await visible(jobs.getByRole('row', { name: /fit Completed shop@1 shop-prep@1/ }));

    // Apply the newest fit as CSV: the output dataset is linked from the job.
    await page.getByLabel('Job', { exact: true }).selectOption('apply');
    await page.getByLabel('Dataset', { exact: true }).selectOption('shop');
    await page.getByLabel('Output dataset').fill('shop-ready');
    await page.getByLabel('Format', { exact: true }).selectOption('csv');
    await page.getByRole('button', { name: 'Start apply' }).click();
    await visible(jobs.getByRole('link', { name: 'shop-ready@1' }), 60_000);
    await visible(jobs.getByRole('row', { name: /apply Completed shop@1 shop-ready@1 \(40 rows\)/ }));
    await shot(page, 'prep-03-recipe');

    await page.getByRole('link', { name: 'Recipes', exact: true }).first().click();
    await visible(page.getByRole('row', { name: /shop-prep impute → impute → one_hot y shop-prep@1/ }));
    await shot(page, 'prep-04-recipes');
    await page.goto('/recipes/shop-prep');
    await page.getByRole('link', { name: 'shop-ready@1' }).click();
    await page.waitForURL(/\/datasets\/shop-ready\?version=1$/);
    await page.getByRole('heading', { name: /Schema and statistics/ }).waitFor();
    expect(errors).toEqual([]);
  });

  it('a processing job started from the CLI is listed, with its status, output dataset and log lines', async () => {
    const admin = { url: server.url, token: server.adminToken };
    const res = await cli(['process', '--name', 'shop-clean', '--script', path.join(dir, 'clean.py'), '--input', 'raw=shop', '--output', 'clean=shop-clean', '--cpus', '1', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', outputs: { clean: 'shop-clean@1' } });

    const page = await newPage();
    await signIn(page, 'ada');
    await nav(page, 'Processing');
    const row = page.getByRole('row', { name: /shop-clean/ });
    await visible(row.locator('[data-status="Completed"]'));
    await visible(row.getByRole('link', { name: 'shop-clean@1' }));
    await hasText(row, /clean\.py/);
    await hasText(row, /shop@1/);
    await shot(page, 'prep-05-processing');

    await row.getByRole('link', { name: 'shop-clean', exact: true }).click();
    await page.waitForURL(/\/processing\/shop-clean$/);
    await visible(page.locator('.page-header [data-status="Completed"]'));
    await visible(card(page, 'Outputs').getByRole('link', { name: 'shop-clean@1' }));
    await visible(card(page, 'Inputs').getByRole('link', { name: 'shop@1' }));
    await hasText(page.getByLabel('Processing log'), /read 40 rows\nfilled \d+ missing sizes/);
    await shot(page, 'prep-06-processing-job');
    await card(page, 'Outputs').getByRole('link', { name: 'shop-clean@1' }).click();
    await page.waitForURL(/\/datasets\/shop-clean\?version=1$/);
    await page.getByRole('heading', { name: /Schema and statistics \(3 columns\)/ }).waitFor();
  });

  it('an admin makes a data-quality report with a target from the dataset page and follows it live', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, 'ada');
    await page.getByRole('link', { name: 'shop', exact: true }).click();
    await page.waitForURL(/\/datasets\/shop(\?|$)/);
    await page.getByRole('link', { name: 'Data quality' }).click();
    await page.waitForURL(/\/datasets\/shop\/quality/);
    await page.getByRole('heading', { name: /Data quality and insights: shop@1/, level: 1 }).waitFor();
    await visible(page.getByText(/No data-quality report of shop@1 yet/));
    await page.getByLabel('Target column').selectOption('y');
    await page.getByLabel('Problem type').selectOption('binary');
    await page.getByRole('button', { name: 'Create report' }).click();
    await page.waitForURL(/report=/);

    // Followed live until it completes: warnings, columns, the quick model's importance.
    await visible(page.locator('.page-header [data-status="Completed"]'), 90_000);
    await visible(page.getByRole('heading', { name: /^Warnings \([1-9]\d*\)$/ }));
    await visible(card(page, /^Warnings/).getByRole('row', { name: /missing/i }));
    const columns = card(page, 'Columns (3)');
    for (const c of ['color', 'size', 'y']) await visible(columns.getByRole('rowheader', { name: c, exact: true }));
    await hasText(columns.getByRole('row', { name: /^size/ }), /\(\d+(\.\d)?%\)/);
    await visible(columns.getByRole('row', { name: /^y/ }).getByText('target', { exact: true }));
    await visible(page.getByRole('img', { name: /^Feature importance: / }));
    await visible(page.getByRole('img', { name: /^Class distribution of y/ }));
    await shot(page, 'prep-07-data-quality');

    // The JSON download answers with the report, with the page's session.
    const href = await page.getByRole('link', { name: 'Download JSON' }).getAttribute('href');
    expect(href).toBeTruthy();
    const download = await page.evaluate(async (url) => {
      const res = await fetch(url);
      const body = (await res.json()) as { summary?: { rows?: number }; warnings?: unknown[] };
      return { status: res.status, disposition: res.headers.get('content-disposition'), rows: body.summary?.rows, warnings: body.warnings?.length };
    }, href!);
    expect(download.status).toBe(200);
    expect(download.disposition).toMatch(/attachment/);
    expect(download.rows).toBe(40);
    expect(download.warnings).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('a viewer sees the preparation pages without their create, run and fit buttons; the API refuses a viewer', async () => {
    const page = await newPage();
    await signIn(page, 'vic');
    await nav(page, 'Crawlers');
    await visible(page.getByRole('link', { name: 'events', exact: true }));
    await count(page.getByRole('heading', { name: 'Create a crawler' }), 0);
    await page.getByRole('link', { name: 'events', exact: true }).click();
    await visible(page.getByRole('region', { name: 'Run 2' }));
    await count(page.getByRole('button', { name: 'Run', exact: true }), 0);
    await count(page.getByRole('button', { name: 'Delete' }), 0);
    await shot(page, 'prep-08-viewer-crawler');

    await nav(page, 'Recipes');
    await visible(page.getByRole('link', { name: 'shop-prep' }));
    await count(page.getByRole('button', { name: 'Create recipe' }), 0);
    await page.getByRole('link', { name: 'shop-prep' }).click();
    await visible(card(page, 'Fits').getByRole('link', { name: 'shop@1' }));
    await count(page.getByRole('button', { name: /Start fit|Start apply/ }), 0);
    await count(page.getByRole('button', { name: 'Delete' }), 0);

    await nav(page, 'Processing');
    await page.getByRole('link', { name: 'shop-clean', exact: true }).click();
    await visible(page.locator('.page-header [data-status="Completed"]'));
    await hasText(page.getByLabel('Processing log'), /read 40 rows/);

    await page.goto('/datasets/shop/quality');
    await visible(page.locator('.page-header [data-status="Completed"]'));
    await visible(page.getByRole('img', { name: /^Feature importance: / }));
    await count(page.getByRole('button', { name: 'Create report' }), 0);
    await shot(page, 'prep-09-viewer-data-quality');

    // The page's own session, CSRF token included: the role, not the UI, is what refuses.
    const refused = await page.evaluate(async () => {
      const s: any = await (await fetch('/api/v1/session')).json();
      const post = async (url: string, body: object) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [s.csrfHeader]: s.csrfToken }, body: JSON.stringify(body) });
        return { status: res.status, code: ((await res.json()) as any).code };
      };
      return {
        crawler: await post('/api/v1/crawlers', { name: 'sneaky', source: 'file:///data/landing/' }),
        run: await post('/api/v1/crawlers/events/runs', {}),
        recipe: await post('/api/v1/recipes', { name: 'sneaky', definition: '{"steps":[]}' }),
        report: await post('/api/v1/data-quality-reports', { dataset: 'shop' }),
      };
    });
    for (const r of Object.values(refused)) expect(r).toEqual({ status: 403, code: 'ORCH_AUTH_FORBIDDEN' });
  });
});
