import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { writeClassificationCsv } from '../support/backends.js';
import { ROOT, startServer, type RunningServer } from '../support/server.js';

/**
 * The pipeline studio pages in a real browser (Debian's Chromium driven by playwright-core)
 * against a real `orchard up`: a pipeline with a pass step, a manual approval and a second
 * pass step is started from the page's form with a parameter, followed in the graph to the
 * approval, approved from the page, and followed to its end; a second pipeline shows every
 * kind of edge and container; a training step links to its job and shows its log; an
 * execution is stopped and retried from the page; a page follows an execution's steps on the
 * feed (and polls only without it); a viewer follows a rejection. Screenshots go to test-output/screenshots/.
 */
const CHROMIUM = process.env.ORCHARD_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output/screenshots');
const haveChromium = fs.existsSync(CHROMIUM);

const DEFINITION = {
  parameters: { greeting: { type: 'string', default: 'hello' }, rounds: { type: 'integer', default: 3, description: 'how many' } },
  steps: [
    { name: 'first', type: 'pass', output: { greeting: { Get: 'Parameters.greeting' }, rounds: { Get: 'Parameters.rounds' } } },
    { name: 'gate', type: 'wait', approval: { message: 'Ship the greeting?' }, dependsOn: ['first'] },
    { name: 'second', type: 'pass', output: { said: { Get: 'Steps.first.output.greeting' } }, dependsOn: ['gate'] },
  ],
};

/** Every kind of edge and container, for the drawing (never run). */
const SHAPES = {
  parameters: { regions: { type: 'list', default: ['north', 'south'] }, threshold: { type: 'float', default: 0.5 } },
  steps: [
    { name: 'score', type: 'pass', output: { auc: 0.9 } },
    { name: 'check', type: 'condition', if: { '>=': [{ Get: 'Steps.score.output.auc' }, { Get: 'Parameters.threshold' }] }, then: ['fan'], else: ['stop'] },
    { name: 'fan', type: 'parallel', branches: [[{ name: 'l1', type: 'pass' }, { name: 'l2', type: 'pass' }], [{ name: 'r1', type: 'pass' }]] },
    { name: 'stop', type: 'fail', message: 'score too low' },
    { name: 'each', type: 'for-each', items: { Get: 'Parameters.regions' }, dependsOn: ['fan'], steps: [{ name: 'fit', type: 'pass', output: { Get: 'Item' } }, { name: 'save', type: 'pass', output: { Get: 'Steps.fit.output' } }] },
    { name: 'report', type: 'pass', output: { left: { Get: 'Steps.l2.output' }, all: { Get: 'Steps.each.results' } } },
  ],
};

/** A step that waits long enough to watch the page do nothing while it does. */
const PACED = {
  parameters: {},
  steps: [
    { name: 'first', type: 'pass' },
    { name: 'pause', type: 'wait', seconds: 10, dependsOn: ['first'] },
    { name: 'last', type: 'pass', dependsOn: ['pause'] },
  ],
};

// playwright-core has no test matchers; these wait the way @playwright/test's do.
const visible = (l: Locator) => l.first().waitFor({ state: 'visible' });
const statusOf = (page: Page, step: string) => page.locator(`g.pipeline-node[data-step="${step}"]`).getAttribute('data-status');
const statuses = (page: Page) => Promise.all(['first', 'gate', 'second'].map((s) => statusOf(page, s)));

describe.skipIf(!haveChromium)(`pipeline pages in Chromium (needs ${CHROMIUM})`, () => {
  let server: RunningServer;
  let browser: Browser;
  let sdk: Orchard;
  let dir: string;

  // One signed-in browser context per user, shared by the tests (a page each).
  const contexts = new Map<string, BrowserContext>();
  const signedIn = async (name = 'ada'): Promise<Page> => {
    let context = contexts.get(name);
    const fresh = !context;
    context ??= await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: server.url });
    contexts.set(name, context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/');
    if (fresh) {
      await page.getByLabel('User name').fill(name);
      await page.getByLabel('Password').fill('correct horse');
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
    return page;
  };

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-pipelines-'));
    server = await startServer({ ORCHARD_WORKERS: '1', ORCHARD_PIPELINE_POLL_MS: '200' });
    sdk = new Orchard({ url: server.url, token: server.adminToken });
    await sdk.users.create({ name: 'ada', role: 'admin', password: 'correct horse' });
    await sdk.users.create({ name: 'vic', role: 'viewer', password: 'correct horse' });
    await sdk.pipelines.create({ name: 'greet', definition: DEFINITION, description: 'Says hello after an approval' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts an execution from the form, follows it to the approval, approves it and sees it succeed', async () => {
    const page = await signedIn();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipelines' }).click();
    const row = page.getByRole('table', { name: 'Pipelines' }).locator('tr[data-pipeline="greet"]');
    await visible(row);
    expect(await row.textContent()).toContain('never run');
    await row.getByRole('link', { name: 'greet' }).click();
    await page.getByRole('heading', { name: 'greet', level: 1 }).waitFor();

    // Not run yet: every step is pending; the edges follow dependsOn and references.
    await visible(page.locator('g.pipeline-node[data-step="second"]'));
    expect(await statuses(page)).toEqual(['Pending', 'Pending', 'Pending']);
    expect(await page.locator('g[data-edge]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-edge')).sort())).toEqual(['first->gate', 'first->second', 'gate->second']);
    // `second` reads `first` past `gate`: that edge goes round the gate's box.
    expect(await page.locator('g[data-edge="first->second"] path').getAttribute('d')).toMatch(/C.*C/);
    // The graph is laid out top to bottom in the order the steps run.
    const y = async (s: string) => (await page.locator(`g.pipeline-node[data-step="${s}"]`).boundingBox())!.y;
    expect(await y('first')).toBeLessThan(await y('gate'));
    expect(await y('gate')).toBeLessThan(await y('second'));

    // The form has the definition's parameters, typed, with their defaults.
    const form = page.getByRole('form', { name: 'Start an execution' });
    expect(await form.getByLabel('greeting').inputValue()).toBe('hello');
    expect(await form.getByLabel('rounds').getAttribute('type')).toBe('number');
    expect(await form.getByLabel('rounds').inputValue()).toBe('3');
    await form.getByLabel('rounds').fill('7');
    await form.getByRole('button', { name: 'Start execution' }).click();

    // The new execution is selected and followed live to its approval step.
    await expect.poll(() => new URL(page.url()).searchParams.get('execution'), { timeout: 20_000 }).toMatch(/^pe-[0-9a-f]{12}$/);
    const id = new URL(page.url()).searchParams.get('execution')!;
    await expect.poll(() => statuses(page), { timeout: 20_000 }).toEqual(['Succeeded', 'Waiting', 'Pending']);
    const approval = page.getByRole('region', { name: 'Approval of gate' });
    await visible(approval);
    expect(await approval.textContent()).toContain('Ship the greeting?');
    await page.screenshot({ path: path.join(SHOTS, 'pipelines-01-waiting.png'), fullPage: true });

    await approval.getByLabel('Comment').fill('looks right');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => statuses(page), { timeout: 20_000 }).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    await expect.poll(() => page.locator('.pipeline-graph-card .card-head [data-status]').getAttribute('data-status'), { timeout: 20_000 }).toBe('Succeeded');
    expect(await approval.count()).toBe(0);

    // What the server holds: the typed parameter, the approval's answer, the second step's output.
    const done = await sdk.pipelines.execution(id);
    expect(done.status).toBe('Succeeded');
    expect(done.parameters).toEqual({ greeting: 'hello', rounds: 7 });
    const gate = done.steps.find((s) => s.name === 'gate')!;
    expect(gate.outputs).toMatchObject({ approvedBy: 'ada', comment: 'looks right' });
    expect(done.steps.find((s) => s.name === 'second')!.outputs).toEqual({ output: { said: 'hello' } });

    // The history lists it, newest first.
    const history = page.getByRole('table', { name: 'Executions' }).locator('tbody tr');
    await expect.poll(() => history.first().getAttribute('data-execution'), { timeout: 20_000 }).toBe(id);
    await expect.poll(() => history.first().locator('[data-status]').getAttribute('data-status'), { timeout: 20_000 }).toBe('Succeeded');

    // A step picked in the graph shows its inputs and outputs.
    await page.locator('g.pipeline-node[data-step="first"]').click();
    const outputs = page.getByLabel('Outputs of first');
    await visible(outputs);
    expect(JSON.parse((await outputs.textContent())!)).toEqual({ output: { greeting: 'hello', rounds: 7 } });
    expect(new URL(page.url()).searchParams.get('step')).toBe('first');
    await page.screenshot({ path: path.join(SHOTS, 'pipelines-02-succeeded.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('draws condition branches with labels, parallel branches and a for-each body inside their boxes', async () => {
    await sdk.pipelines.create({ name: 'shapes', definition: SHAPES });
    const page = await signedIn();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/pipelines/shapes');
    await visible(page.locator('g.pipeline-node[data-step="report"]'));
    const edge = (from: string, to: string) => page.locator(`g[data-edge="${from}->${to}"]`);
    expect(await edge('check', 'fan').getAttribute('data-kind')).toBe('then');
    expect(await edge('check', 'fan').locator('text').textContent()).toBe('then');
    expect(await edge('check', 'stop').locator('text').textContent()).toBe('else');
    expect(await edge('l1', 'l2').getAttribute('data-kind')).toBe('next');
    const box = async (s: string) => (await page.locator(`g.pipeline-node[data-step="${s}"] rect`).first().boundingBox())!;
    const within = async (inner: string, outer: string) => {
      const [i, o] = [await box(inner), await box(outer)];
      return i.x >= o.x && i.y >= o.y && i.x + i.width <= o.x + o.width && i.y + i.height <= o.y + o.height;
    };
    for (const s of ['l1', 'l2', 'r1']) expect(await within(s, 'fan'), s).toBe(true);
    for (const s of ['fit', 'save']) expect(await within(s, 'each'), s).toBe(true);
    // The two branches side by side; the report below everything it reads.
    expect((await box('l1')).x).toBeLessThan((await box('r1')).x);
    expect((await box('report')).y).toBeGreaterThan((await box('each')).y + (await box('each')).height);
    await page.screenshot({ path: path.join(SHOTS, 'pipelines-03-shapes.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("links a training step to its job and shows the job's log", async () => {
    await sdk.datasets.create({ name: 'raw', file: writeClassificationCsv(path.join(dir, 'raw.csv'), 200, 7), header: false });
    const def = { steps: [{ name: 'train', type: 'training', algorithm: 'xgboost', train: 'raw', hyperParameters: { objective: 'binary:logistic', num_round: 5 }, cpus: 1 }] };
    await sdk.pipelines.create({ name: 'fit', definition: def });
    const started = await sdk.pipelines.start('fit');
    const page = await signedIn();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`/pipelines/fit?execution=${started.id}&step=train`);
    await expect.poll(() => statusOf(page, 'train'), { timeout: 60_000 }).toBe('Succeeded');
    const job = (await sdk.pipelines.execution(started.id)).steps[0].resource!;
    expect(job).toBe(`${started.id}-train`);
    const detail = page.locator('section.step-detail');
    await visible(detail.getByRole('link', { name: job }));
    expect(await detail.getByRole('link', { name: job }).getAttribute('href')).toBe(`/training-jobs/${job}`);
    const log = page.getByLabel(`Log of training job ${job}`);
    await expect.poll(async () => (await log.textContent())?.trim().split('\n').length ?? 0, { timeout: 20_000 }).toBeGreaterThan(1);
    expect(JSON.parse((await page.getByLabel('Outputs of train').textContent())!)).toMatchObject({ jobName: job, status: 'Completed' });
    await detail.getByRole('link', { name: job }).click();
    await page.getByRole('heading', { name: job, level: 1 }).waitFor();
    expect(errors).toEqual([]);
  });

  it('stops a waiting execution and retries it from the step that did not finish', async () => {
    const started = await sdk.pipelines.start('greet');
    const page = await signedIn();
    await page.goto(`/pipelines/greet?execution=${started.id}`);
    await expect.poll(() => statusOf(page, 'gate'), { timeout: 20_000 }).toBe('Waiting');
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.locator('.pipeline-graph-card .card-head [data-status]').getAttribute('data-status'), { timeout: 20_000 }).toBe('Stopped');
    expect(await statusOf(page, 'first')).toBe('Succeeded');
    await page.getByRole('button', { name: 'Retry from the failed step' }).click();
    // `first` keeps its output; the approval waits again.
    await expect.poll(() => statuses(page), { timeout: 20_000 }).toEqual(['Succeeded', 'Waiting', 'Pending']);
    expect((await sdk.pipelines.execution(started.id)).status).toBe('Executing');
    await page.getByRole('region', { name: 'Approval of gate' }).getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => statuses(page), { timeout: 20_000 }).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  });

  it("follows an execution's steps on the feed, reading it only when a step changes; without the feed it polls", async () => {
    await sdk.pipelines.create({ name: 'paced', definition: PACED });
    const started = await sdk.pipelines.start('paced');
    const isRead = (url: string) => new URL(url).pathname === `/api/v1/pipeline-executions/${started.id}`;
    const onFeed = await signedIn();
    const reads = { feed: 0, polled: 0 };
    onFeed.on('request', (r) => void (isRead(r.url()) && reads.feed++));
    // The second page's feed answers 503: its topics fall back to polling.
    const noFeed = await signedIn();
    await noFeed.route('**/api/v1/events*', (route) => route.fulfill({ status: 503, body: '' }));
    noFeed.on('request', (r) => void (isRead(r.url()) && reads.polled++));
    await onFeed.goto(`/pipelines/paced?execution=${started.id}`);
    await noFeed.goto(`/pipelines/paced?execution=${started.id}`);
    for (const page of [onFeed, noFeed]) await expect.poll(() => statusOf(page, 'pause'), { timeout: 20_000 }).toBe('Waiting');
    // A topic that joins the open feed reads once, as what the page fetched may be stale: let that pass.
    await new Promise((r) => setTimeout(r, 1000));
    // Nothing changes for a while (the step waits 10 s): the page on the feed reads nothing, the other polls.
    const before = { ...reads };
    await new Promise((r) => setTimeout(r, 3000));
    expect(reads.feed - before.feed).toBe(0);
    expect(reads.polled - before.polled).toBeGreaterThan(0);
    // The step's end comes through the feed: both pages follow the execution to its end.
    for (const page of [onFeed, noFeed]) {
      await expect.poll(() => Promise.all(['first', 'pause', 'last'].map((s) => statusOf(page, s))), { timeout: 20_000 }).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    }
    expect(reads.feed - before.feed).toBeGreaterThan(0);
  });

  it('a viewer follows an execution without the start form or approval buttons; a rejection and an unknown pipeline are clear errors', async () => {
    const started = await sdk.pipelines.start('greet', { parameters: { greeting: 'hi' } });
    const page = await signedIn('vic');
    await page.goto(`/pipelines/greet?execution=${started.id}`);
    await expect.poll(() => statuses(page), { timeout: 20_000 }).toEqual(['Succeeded', 'Waiting', 'Pending']);
    expect(await page.getByRole('form', { name: 'Start an execution' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    expect(await page.getByRole('status').filter({ hasText: 'waits for an approval' }).count()).toBe(1);

    // Rejected elsewhere: the page follows it to Failed, with the reason.
    await sdk.pipelines.reject(started.id, { comment: 'not today' });
    await expect.poll(() => statusOf(page, 'gate'), { timeout: 20_000 }).toBe('Failed');
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Failure reason' }).textContent(), { timeout: 20_000 }).toContain('not today');

    await page.goto('/pipelines/nothing-here');
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: 20_000 }).toContain('ORCH_PIPELINE_NOT_FOUND');
  });
});
