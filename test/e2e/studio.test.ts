import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type RunningServer } from '../support/server.js';

/**
 * The studio in a real browser (Debian's Chromium driven by playwright-core) against a
 * real `orchard up`: sign in, upload a CSV, train xgboost and watch it finish, make a
 * model, register and approve it, run a batch transform; a viewer cannot create.
 * Every page is saved as a screenshot under test-output/screenshots/.
 */
const CHROMIUM = process.env.ORCHARD_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output/screenshots');
const haveChromium = fs.existsSync(CHROMIUM);

// playwright-core has no test matchers; these wait the way @playwright/test's do.
const visible = (l: Locator) => l.first().waitFor({ state: 'visible' });
const count = (l: Locator, n: number) => expect.poll(() => l.count(), { timeout: 20_000 }).toBe(n);
const hasText = (l: Locator, text: string | RegExp) =>
  expect.poll(async () => (await l.first().textContent()) ?? '', { timeout: 20_000 }).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);

/** A small binary-classification CSV in SageMaker's layout: target first, no header. */
function makeCsv(rows: number): string {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = [rand() * 10, rand() * 5 - 2.5, rand(), Math.round(rand() * 3)];
    const label = x[0] + 2 * x[1] + (rand() - 0.5) * 2 > 5 ? 1 : 0;
    lines.push([label, ...x.map((v) => Number(v.toFixed(4)))].join(','));
  }
  return lines.join('\n') + '\n';
}

describe.skipIf(!haveChromium)(`studio in Chromium (needs ${CHROMIUM}: apt-get install chromium)`, () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;

  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const newPage = async (viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport, baseURL: server.url });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return { context, page };
  };
  const signIn = async (page: Page, name: string, password: string) => {
    await page.goto('/');
    await page.getByLabel('User name').fill(name);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
  };

  const endpointWeights = async (name: string): Promise<Record<string, number>> => {
    const res = await fetch(new URL(`/api/v1/endpoints/${name}`, server.url), { headers: { authorization: `Bearer ${server.adminToken}` } });
    const e = (await res.json()) as { variants: { name: string; desiredWeight: number }[] };
    return Object.fromEntries(e.variants.map((v) => [v.name, v.desiredWeight]));
  };

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-'));
    fs.writeFileSync(path.join(dir, 'churn.csv'), makeCsv(400));
    // One core per job: xgboost trains on one thread, not a two-thread pool that waits on the other thread every round (slow on a loaded machine; the threads are tested with the algorithm).
    server = await startServer({ ORCHARD_WORKERS: '1', ORCHARD_WORKER_CPUS: '1' });
    const admin = (p: string, body: object) =>
      fetch(new URL(p, server.url), { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await admin('/api/v1/users', { name: 'ann', role: 'member', password: 'correct horse' })).status).toBe(201);
    expect((await admin('/api/v1/users', { name: 'vic', role: 'viewer', password: 'correct horse' })).status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a member signs in, uploads a CSV, trains xgboost, deploys it as a model and runs a batch transform', async () => {
    const { context, page } = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && errors.push(m.text()));

    // Sign-in: a wrong password is refused with the server's message.
    await page.goto('/');
    await page.getByLabel('User name').fill('ann');
    await page.getByLabel('Password').fill('wrong horse');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await hasText(page.getByRole('alert'), 'Wrong user name or password');
    await shot(page, '01-sign-in');
    await signIn(page, 'ann', 'correct horse');
    // The cookie is HttpOnly: the page's script cannot read it.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('orchard_session');

    // Upload with a progress bar, then the dataset's page with schema, statistics and preview.
    await page.getByLabel('File', { exact: true }).setInputFiles(path.join(dir, 'churn.csv'));
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('churn');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.waitForURL(/\/datasets\/churn\?version=1$/);
    await page.getByRole('heading', { name: /Schema and statistics \(5 columns\)/ }).waitFor();
    await count(page.getByRole('row', { name: /_c1/ }).locator('svg.histogram'), 1);
    await count(page.getByRole('region', { name: 'First rows of churn@1' }).locator('tbody tr'), 50);
    await shot(page, '02-dataset');

    // SQL with results and a chart.
    await page.getByRole('link', { name: 'Query in SQL' }).click();
    await page.getByRole('textbox', { name: 'Query' }).fill('SELECT _c0 AS label, count(*) AS n, avg(_c1) AS mean_x FROM churn GROUP BY 1 ORDER BY 1');
    await page.getByRole('button', { name: 'Run' }).click();
    await count(page.getByRole('region', { name: 'Query results' }).locator('tbody tr'), 2);
    await visible(page.getByRole('img', { name: /n by label: 2 bars/ }));
    await shot(page, '03-sql');
    // The whole result saved as a dataset (CTAS), linked to its page.
    await page.getByLabel('Dataset name').fill('churn-by-label');
    await page.getByRole('button', { name: 'Save as dataset' }).click();
    await hasText(page.getByRole('status'), 'churn-by-label@1: 2 rows');
    await page.getByRole('link', { name: 'churn-by-label@1' }).click();
    await page.waitForURL(/\/datasets\/churn-by-label\?version=1$/);
    await page.getByRole('heading', { name: /Schema and statistics \(3 columns\)/ }).waitFor();
    await page.goBack();
    await page.getByRole('textbox', { name: 'Query' }).waitFor();
    await page.getByRole('textbox', { name: 'Query' }).fill('SELECT * FROM nowhere');
    await page.getByRole('button', { name: 'Run' }).click();
    await hasText(page.getByRole('alert'), 'ORCH_QUERY_UNKNOWN_DATASET');

    // The training form follows xgboost's schema and checks values before sending.
    await page.getByRole('link', { name: 'Training jobs' }).click();
    await page.getByRole('link', { name: 'Create training job' }).click();
    await page.getByLabel('Job name').fill('churn-xgb');
    await page.getByRole('button', { name: 'Create training job' }).click();
    await visible(page.locator('.field-error', { hasText: 'Choose a dataset.' }));
    await visible(page.locator('.field-error', { hasText: 'Required.' }));
    await page.getByLabel('train', { exact: true }).selectOption('churn');
    await page.getByLabel('num_round').fill('0');
    await page.getByText(/Optional \(\d+\)/).click();
    await page.getByLabel('eta').fill('5');
    await page.getByRole('button', { name: 'Create training job' }).click();
    await visible(page.locator('.field-error', { hasText: 'Must be an integer in [1, 100000].' }));
    await visible(page.locator('.field-error', { hasText: 'Must be a number in [0, 1].' }));
    await shot(page, '04-training-form-errors');
    await page.getByLabel('num_round').fill('30');
    await page.getByLabel('eta').fill('0.3');
    await page.getByLabel('objective').selectOption('binary:logistic');
    await page.getByRole('button', { name: 'Create training job' }).click();

    // The job page follows the job live until it completes: logs and metric charts.
    await page.waitForURL(/\/training-jobs\/churn-xgb$/);
    await page.locator('[data-status="Completed"]').first().waitFor({ timeout: 120_000 });
    await hasText(page.getByLabel('Training log'), /\S/);
    await visible(page.locator('.chart svg').first());
    await shot(page, '05-training-job');

    // Model from the job, then the registry: register and approve.
    await page.getByRole('button', { name: 'Create model' }).click();
    await page.waitForURL(/\/models\/churn-xgb$/);
    await visible(page.getByRole('link', { name: 'churn@1' }));
    await page.getByLabel('Group').fill('churn');
    await page.getByRole('button', { name: 'Register version' }).click();
    await page.waitForURL(/\/registry\/churn$/);
    await visible(page.locator('[data-status="PendingManualApproval"]').first());
    await page.getByLabel('Note').fill('AUC looks fine');
    await page.getByRole('button', { name: 'Approve' }).click();
    await visible(page.locator('.card-head [data-status="Approved"]'));
    await visible(page.getByText('“AUC looks fine”'));
    await shot(page, '06-registry');
    await page.getByRole('link', { name: 'Models', exact: true }).click();
    await page.locator('a[href="/models/churn-xgb"]').click();
    await page.getByRole('heading', { name: 'Lineage' }).waitFor();
    await shot(page, '07-model');

    // The model as ONNX (downloaded with the session cookie), uploaded back as a new model.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download ONNX' }).click()]);
    const onnxFile = path.join(dir, 'churn.onnx');
    await download.saveAs(onnxFile);
    expect(fs.statSync(onnxFile).size).toBeGreaterThan(100);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    await page.getByText('Upload an ONNX model').click();
    await page.getByLabel('ONNX file').setInputFiles(onnxFile);
    await expect.poll(() => page.getByLabel('Model name').inputValue()).toBe('churn');
    await page.getByLabel('Model name').fill('churn-onnx');
    await page.getByRole('button', { name: 'Upload model' }).click();
    await page.waitForURL(/\/models\/churn-onnx$/);
    await visible(page.getByRole('heading', { name: 'ONNX signature' }));
    await visible(page.getByRole('cell', { name: 'features' }));
    await shot(page, '07b-onnx-model');

    // Batch transform over the same rows without the label column; progress, then the output.
    await page.getByRole('link', { name: 'Batch transforms' }).click();
    await page.getByRole('link', { name: 'Create transform job' }).click();
    await page.getByLabel('Model').selectOption('churn-xgb');
    await page.getByLabel('Input dataset').selectOption('churn');
    await page.getByLabel('Input filter (optional)').fill('$[1:]');
    // Joined to the input, the output keeps the label and the prediction.
    await page.getByLabel('Join source').selectOption('Input');
    await page.getByLabel('Output filter (optional)').fill('$[0,-1]');
    await page.getByLabel('Job name (optional)').fill('churn-scores');
    await page.getByRole('button', { name: 'Create transform job' }).click();
    await page.waitForURL(/\/transforms\/churn-scores$/);
    await page.locator('[data-status="Completed"]').first().waitFor({ timeout: 120_000 });
    await visible(page.getByRole('link', { name: 'churn-predictions@1' }));
    await visible(page.getByText('$[0,-1]', { exact: true }));
    await expect.poll(() => page.getByRole('progressbar', { name: 'Shards completed' }).getAttribute('aria-valuenow')).toMatch(/[1-9]/);
    await shot(page, '08-transform');

    await page.getByRole('link', { name: 'Training jobs' }).click();
    await visible(page.getByRole('link', { name: 'churn-xgb' }));
    await shot(page, '09-training-jobs');
    // A member does not see the admin pages.
    await count(page.getByRole('link', { name: 'Users' }), 0);

    // Sign out: back to the sign-in page, and the old cookie no longer works.
    const cookies = await context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const old = cookies.find((c) => c.name === 'orchard_session')!;
    expect(old.httpOnly).toBe(true);
    expect(old.sameSite).toBe('Strict');
    const after = await fetch(new URL('/api/v1/datasets', server.url), { headers: { cookie: `orchard_session=${old.value}` } });
    expect(after.status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a member deploys the model to an endpoint, invokes it from the page and sees the prediction', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'ann', 'correct horse');
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByText('Deploy a model').click();
    await page.getByLabel('Endpoint name').fill('churn-live');
    await page.getByLabel('Variant 1 model').selectOption('churn-xgb');
    await page.getByRole('button', { name: 'Add variant' }).click();
    await page.getByLabel('Variant 2 model').selectOption('churn-onnx');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.waitForURL(/\/endpoints\/churn-live$/);
    await page.locator('.page-header [data-status="InService"]').waitFor({ timeout: 120_000 });

    // Invoke with one CSV row (features only): the answer is a probability.
    await page.getByLabel('Request body').fill('8.5,1.2,0.5,2');
    await page.getByLabel('Target variant (optional)').selectOption('AllTraffic');
    await page.getByRole('button', { name: 'Invoke' }).click();
    await hasText(page.getByRole('status', { name: 'Invocation result' }), /HTTP 200 from AllTraffic/);
    const prediction = Number((await page.locator('pre.prediction').textContent())!.trim());
    expect(prediction).toBeGreaterThan(0.5);
    expect(prediction).toBeLessThanOrEqual(1);
    // The ONNX export of the same model answers the same.
    await page.getByLabel('Target variant (optional)').selectOption('Variant2');
    await page.getByRole('button', { name: 'Invoke' }).click();
    await hasText(page.getByRole('status', { name: 'Invocation result' }), /HTTP 200 from Variant2/);
    expect(Number((await page.locator('pre.prediction').textContent())!.trim())).toBeCloseTo(prediction, 4);

    // Weights are edited in place; the live charts follow the counters.
    await page.getByLabel('Weight of Variant2').fill('3');
    await hasText(page.getByRole('row', { name: /Variant2/ }), /75%/);
    await page.getByRole('button', { name: 'Apply weights and instances' }).click();
    await expect.poll(async () => (await endpointWeights('churn-live'))['Variant2'], { timeout: 30_000 }).toBe(3);
    await visible(page.getByRole('img', { name: /Invocations in the last minute, by variant/ }));
    await hasText(page.getByRole('row', { name: /AllTraffic/ }), /ms/);
    await shot(page, '19-endpoint');
    await context.close();
  });

  it('a member tunes xgboost, sees the best trial, and compares runs in the experiment', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'ann', 'correct horse');
    await page.getByRole('link', { name: 'Tuning jobs' }).click();
    await page.getByRole('link', { name: 'Create tuning job' }).click();
    await page.getByLabel('Tuning job name').fill('churn-tune');
    await page.getByLabel('Channel train').selectOption('churn');
    await page.getByLabel('Channel validation (optional)').selectOption('churn');
    await page.getByLabel('Objective metric').selectOption('validation:auc');
    await page.getByLabel('Strategy').selectOption('random');
    await page.getByLabel('Max training jobs').fill('3');
    await page.getByLabel('At once').fill('1');
    await page.getByRole('button', { name: 'Create tuning job' }).click();
    await visible(page.getByText('Tune at least one hyperparameter.'));
    await page.getByLabel('Tune max_depth').check();
    await page.getByLabel('max_depth min').fill('2');
    await page.getByLabel('max_depth max').fill('5');
    await page.getByLabel('Tune eta').check();
    await page.getByLabel('num_round value').fill('8');
    await page.getByLabel('objective value').fill('binary:logistic');
    await page.getByRole('button', { name: 'Create tuning job' }).click();
    await page.waitForURL(/\/tuning-jobs\/churn-tune$/);
    await page.locator('.page-header [data-status="Completed"]').waitFor({ timeout: 180_000 });
    await count(page.locator('tbody tr'), 3);
    await count(page.locator('tr.best'), 1);
    await visible(page.getByRole('img', { name: /validation:auc by trial/ }));
    await visible(page.getByRole('img', { name: /validation:auc against eta: 3 points/ }));
    await page.getByLabel('Hyperparameter').selectOption('max_depth');
    await visible(page.getByRole('img', { name: /validation:auc against max_depth: 3 points/ }));
    await shot(page, '16-tuning-job');

    // The trials are runs of the experiment named after the tuning job.
    await page.getByRole('link', { name: 'Experiments' }).click();
    // Exact: until the experiments page replaces the tuning job's, its trial links
    // (churn-tune-001…) would match a substring too.
    await page.getByRole('link', { name: 'churn-tune', exact: true }).click();
    await count(page.locator('tbody tr'), 3);
    await page.getByRole('button', { name: /^validation:auc/ }).click();
    await page.waitForURL(/sort=metrics.validation%3Aauc\+desc|sort=metrics.validation:auc(\+|%20)desc/);
    await page.getByLabel('Filter').fill('params.max_depth >= 0');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByLabel('Select churn-tune-001').check();
    await page.getByLabel('Select churn-tune-002').check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await visible(page.getByRole('img', { name: /by step, one line per run/ }));
    await visible(page.getByRole('img', { name: /Parameters and final metrics: 2 runs/ }));
    await shot(page, '17-experiment-compare');
    await context.close();
  });

  it('a viewer sees but cannot create; the API refuses even a forged write', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'vic', 'correct horse');
    await visible(page.getByRole('link', { name: 'churn' }));
    await count(page.getByRole('heading', { name: 'Upload a dataset' }), 0);
    await page.getByRole('link', { name: 'Training jobs' }).click();
    await visible(page.getByRole('link', { name: 'churn-xgb' }));
    await count(page.getByRole('link', { name: 'Create training job' }), 0);
    await page.goto('/registry/churn');
    await visible(page.locator('.card-head [data-status="Approved"]'));
    await count(page.getByRole('button', { name: 'Approve' }), 0);
    await shot(page, '10-viewer-registry');
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await visible(page.getByRole('link', { name: 'churn-live' }));
    await count(page.getByText('Deploy a model'), 0);
    await page.getByRole('link', { name: 'churn-live' }).click();
    await page.locator('main h1').waitFor();
    await count(page.getByRole('button', { name: 'Invoke' }), 0);
    await count(page.getByLabel('Weight of AllTraffic'), 0);
    // The page's own session, CSRF token included: the role, not the UI, is what refuses.
    const status = await page.evaluate(async () => {
      const s: any = await (await fetch('/api/v1/session')).json();
      const res = await fetch('/api/v1/training-jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json', [s.csrfHeader]: s.csrfToken },
        body: JSON.stringify({ name: 'sneaky', algorithm: 'xgboost', hyperParameters: { num_round: '1' }, channels: { train: 'churn' } }),
      });
      return { status: res.status, code: ((await res.json()) as any).code };
    });
    expect(status).toEqual({ status: 403, code: 'ORCH_AUTH_FORBIDDEN' });
    await context.close();
  });

  it('an admin signs in with the API token and manages users and tokens', async () => {
    const { context, page } = await newPage();
    await page.goto('/');
    await page.getByRole('button', { name: 'API token' }).click();
    await page.getByLabel('API token').fill(server.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('User name').fill('newbie');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Create user' }).click();
    await visible(page.getByRole('row', { name: /newbie/ }));
    await page.getByLabel('Role of newbie').selectOption('member');
    await expect.poll(() => page.getByLabel('Role of newbie').inputValue()).toBe('member');
    await shot(page, '11-users');
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Name', { exact: true }).fill('ci');
    await page.getByRole('button', { name: 'Create token' }).click();
    await hasText(page.getByRole('status'), 'Copy it now');
    await shot(page, '12-tokens');

    // Deleting a dataset version asks first, then the list no longer shows it.
    const up = await fetch(new URL('/api/v1/datasets/scratch/versions', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv' },
      body: '1,2\n3,4\n',
    });
    expect(up.status).toBe(201);
    await page.goto('/datasets/scratch');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete version' }).click();
    await page.waitForURL(/\/datasets$/);
    await visible(page.getByRole('link', { name: 'churn', exact: true }));
    await count(page.getByRole('link', { name: 'scratch' }), 0);
    await context.close();
  });

  it('no page scrolls sideways at 1280×800 or on a phone (390×844)', async () => {
    const routes = [
      '/datasets',
      '/datasets/churn',
      '/sql?q=SELECT%20*%20FROM%20churn%20LIMIT%205',
      '/training-jobs',
      '/training-jobs/churn-xgb',
      '/training-jobs/new',
      '/tuning-jobs/churn-tune',
      '/tuning-jobs/new',
      '/experiments/churn-tune',
      '/experiments/churn-tune/compare?runs=churn-tune-001,churn-tune-002',
      '/models/churn-onnx',
      '/registry/churn',
      '/transforms/churn-scores',
      '/tokens',
    ];
    // One signed-in page for both sizes; each route reached as the studio's links reach it
    // (history and popstate, the app not loaded again), and measured once it has settled:
    // no request in flight (an event stream never ends, so it is not counted) and nothing
    // on the page still loading.
    const { context, page } = await newPage();
    await signIn(page, 'ann', 'correct horse');
    // Requests are tracked one by one, not counted: one that started before these listeners
    // (the datasets list, fetched as signing in shows its heading) may end after them.
    const inflight = new Set<unknown>();
    page.on('request', (r) => void (r.resourceType() !== 'eventsource' && inflight.add(r)));
    page.on('requestfinished', (r) => void inflight.delete(r));
    page.on('requestfailed', (r) => void inflight.delete(r));
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      for (const route of routes) {
        await page.evaluate((to) => {
          const w = globalThis as unknown as { history: { pushState(s: null, t: string, u: string): void }; dispatchEvent(e: unknown): void; PopStateEvent: new (type: string) => unknown };
          w.history.pushState(null, '', to);
          w.dispatchEvent(new w.PopStateEvent('popstate'));
        }, route);
        // The route's first render is on screen (its fetches started) after the next frame.
        await page.evaluate(() => new Promise<void>((resolve) => (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame(() => setTimeout(resolve, 0))));
        await page.locator('main h1').waitFor();
        await expect.poll(async () => inflight.size === 0 && (await page.locator('main').getByText(/^Loading/).count()) === 0, { message: `${route} at ${viewport.width}px settles`, timeout: 20_000 }).toBe(true);
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow, `${route} at ${viewport.width}px`).toBeLessThanOrEqual(0);
        const phoneShot = { '/datasets/churn': '13-phone-dataset', '/training-jobs/churn-xgb': '14-phone-training-job', '/training-jobs/new': '15-phone-training-form', '/tuning-jobs/churn-tune': '18-phone-tuning-job' }[route];
        if (viewport.width < 500 && phoneShot) await shot(page, phoneShot);
      }
      if (viewport.width < 500) {
        await page.getByRole('button', { name: 'Menu' }).click();
        await visible(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }));
      }
    }
    await context.close();
  });

  it('is usable from the keyboard: a skip link, then the navigation, then the page', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'ann', 'correct horse');
    await page.goto('/training-jobs');
    await page.locator('main h1').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate<string>('document.activeElement.id')).toBe('main');
    // Tab order from the content reaches the page's own controls, labelled.
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Create training job');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/training-jobs\/new$/);
    await context.close();
  });
});
