import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, ROOT, startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/** An endpoint's model-quality page, reached from the endpoint's page, in a real browser against a real `orchard up`. */
const SHOTS = path.join(ROOT, 'test-output/screenshots');
const N = 20;

describe.skipIf(!fs.existsSync(CHROMIUM))(`model quality in the studio (needs ${CHROMIUM}: apt-get install chromium)`, () => {
  let server: RunningServer;
  let browser: Browser;
  let matrix: Record<string, Record<string, number>>;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ ORCHARD_WORKERS: '1', ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS: '200' });
    const admin = { url: server.url, token: server.adminToken };
    const sdk = new Orchard(admin);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-mq-e2e-'));
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 400, 5);
    expect((await cli(['datasets', 'create', 'tr', '--file', csv, '--json'], admin)).code).toBe(0);
    expect((await cli(['train', '--name', 'j1', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=4', '--wait', '--json'], admin)).code).toBe(0);
    expect((await cli(['models', 'create', 'm1', '--from-job', 'j1', '--json'], admin)).code).toBe(0);
    expect((await cli(['endpoints', 'create', 'ep1', '--model', 'm1', '--capture-percent', '100', '--wait', '--json'], admin)).code).toBe(0);
    const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(0, N).map((l) => l.slice(l.indexOf(',') + 1));
    const labels: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = await fetch(`${server.url}/api/v1/endpoints/ep1/invocations`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv', 'x-amzn-sagemaker-inference-id': `r${i}` }, body: rows[i] + '\n' });
      // The predicted label, flipped for every fourth.
      labels.push((Number(await r.text()) >= 0.5 ? 1 : 0) ^ (i % 4 === 0 ? 1 : 0));
    }
    const records = labels.map((label, i) => ({ inferenceId: `r${i}`, label }));
    for (let t = 0; ; t++) {
      try {
        await sdk.modelQuality.putGroundTruth('ep1', { records, strict: true });
        break;
      } catch (err) {
        // Until the capture is flushed the ids are unknown.
        if (t > 100) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await sdk.modelQuality.run('ep1', { problemType: 'BinaryClassification' });
    const last = await sdk.modelQuality.run('ep1', { problemType: 'BinaryClassification', constraints: { version: 0, binary_classification_constraints: { accuracy: { threshold: 0.9, comparison_operator: 'LessThanThreshold' } } } });
    expect(last.status).toBe('CompletedWithViolations');
    matrix = last.confusionMatrix!;
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows metrics over executions, the violation and the confusion matrix', async () => {
    const { context, page } = await signedInPage(browser, server, { width: 1280, height: 900, timeoutMs: 20_000 });
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: 'ep1', exact: true }).click();
    await page.getByRole('link', { name: 'Model quality' }).click();
    await page.getByRole('heading', { name: 'Model quality: ep1' }).waitFor();
    // Two executions charted: each metric's series has 2 points.
    const chart = page.getByRole('img', { name: /Model quality metrics/ });
    expect(await chart.getAttribute('aria-label')).toMatch(/accuracy, 2 points/);
    const violations = page.getByRole('table', { name: 'Violations' });
    await violations.getByRole('cell', { name: 'LessThanThreshold', exact: true }).waitFor();
    const cm = page.getByRole('table', { name: 'Confusion matrix' });
    // Rows are the actual label, columns the predicted one.
    const cells = (await cm.locator('tbody td').allTextContents()).map(Number);
    expect(cells).toEqual([matrix['0']['0'], matrix['0']['1'], matrix['1']['0'], matrix['1']['1']]);
    await page.screenshot({ path: path.join(SHOTS, 'model-quality.png'), fullPage: true });
    await context.close();
  });
});
