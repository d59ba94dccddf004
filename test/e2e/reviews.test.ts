import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cli, ROOT, startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/**
 * The reviewer's page in a real browser against a real `orchard up`: an endpoint's unsure
 * prediction becomes a human loop; a labeler opens the studio's Review page, sees the
 * request and the model's answer, picks the other label and submits with the keyboard;
 * the API shows the loop completed with that answer.
 */
const SHOTS = path.join(ROOT, 'test-output/screenshots');

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.each(backends)('the review pages on $name', (backend) => {
  const chromium = fs.existsSync(CHROMIUM);
  let server: RunningServer;
  let browser: Browser;
  let teardown: () => Promise<void> = async () => undefined;
  let dir: string;
  let admin: Orchard;
  let annToken: string;

  beforeAll(async () => {
    if (!chromium) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-reviews-'));
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_WORKERS: '1' });
    browser = await launchChromium();
    admin = new Orchard({ url: server.url, token: server.adminToken });
    await admin.users.create({ name: 'ann', role: 'labeler' });
    annToken = (await admin.tokens.create({ user: 'ann', name: 'studio' })).token;
    const owner = { url: server.url, token: server.adminToken };
    const steps: string[][] = [
      ['datasets', 'create', 'train', '--file', writeClassificationCsv(path.join(dir, 'train.csv'), 300, 7)],
      ['train', '--name', 'gb', '--algorithm', 'xgboost', '--train', 'train', '--hp', 'objective=binary:logistic', '--hp', 'num_round=10', '--hp', 'max_depth=3', '--wait'],
      ['models', 'create', 'gb', '--from-job', 'gb'],
      ['endpoints', 'create', 'gb-ep', '--model', 'gb', '--wait'],
    ];
    for (const step of steps) {
      const res = await cli([...step, '--json'], owner);
      expect(res.code, `${step.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
    }
    // Every answer is reviewed: the test needs one loop, whatever the model is sure of.
    await admin.reviews.flows.create({ name: 'gb-review', endpoint: 'gb-ep', labels: ['neg', 'pos'], activation: { samplePercent: 100 }, instructions: 'Is the customer leaving?' });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!chromium)('a reviewer sees the request and the prediction and answers with the keyboard; the loop completes', async () => {
    const res = await fetch(`${server.url}/api/v1/endpoints/gb-ep/invocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv', accept: 'application/json', 'x-amzn-sagemaker-inference-id': 'browser-1' },
      body: '2,0,-2,0\n',
    });
    expect(res.status).toBe(200);
    const loop = await until('the loop', async () => (await admin.reviews.list({ flow: 'gb-review' })).items.find((l) => l.inferenceId === 'browser-1'));
    expect(loop.predictedLabel).toBe('pos');

    const { context, page } = await signedInPage(browser, { url: server.url, adminToken: annToken });
    try {
      // The labeler's navigation offers the Review page (and not the owners' Human review page).
      await page.getByRole('link', { name: 'Review', exact: true }).click();
      await page.getByRole('button', { name: 'Start reviewing' }).focus();
      await page.keyboard.press('Enter');
      const form = page.locator(`form[data-loop="${loop.name}"]`);
      await form.waitFor();
      // The request as the endpoint received it, the model's answer and the flow's instructions.
      await expect.poll(() => form.textContent()).toContain('2,0,-2,0');
      await expect.poll(() => form.textContent()).toContain('Model said');
      expect(await form.textContent()).toMatch(/pos \(\d+\.\d %\)/);
      expect(await form.textContent()).toContain('Is the customer leaving?');
      expect(await page.getByRole('radio', { name: 'pos' }).isChecked()).toBe(true);
      await page.screenshot({ path: path.join(SHOTS, `review-task-${backend.name}.png`) });

      // The keyboard only: the arrow key moves the choice to neg, Tab to the comment, Enter submits.
      await page.getByRole('radio', { name: 'pos' }).focus();
      await page.keyboard.press('ArrowUp');
      expect(await page.getByRole('radio', { name: 'neg' }).isChecked()).toBe(true);
      await page.keyboard.press('Tab');
      await page.keyboard.type('looks like a stayer');
      await page.keyboard.press('Enter');
      await page.getByText('Nothing waits for your review now.').waitFor();
    } finally {
      await context.close();
    }

    const done = await admin.reviews.describe(loop.name);
    expect(done).toMatchObject({ status: 'Completed', humanAnswers: [{ workerId: 'ann', answerContent: { label: 'neg', comment: 'looks like a stayer' } }] });
    expect(done.output).toMatch(/^reviews\/gb-review\//);
  }, 120_000);
});
