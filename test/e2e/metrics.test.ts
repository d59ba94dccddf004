import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeClassificationCsv } from '../support/backends.js';
import { cli, ROOT, startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/** Stored metrics on the endpoint page in a real browser against a real `orchard up`. */
const SHOTS = path.join(ROOT, 'test-output/screenshots');

describe.skipIf(!fs.existsSync(CHROMIUM))(`metrics in the studio (needs ${CHROMIUM}: apt-get install chromium)`, () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;
  const run = async (args: string[]) => {
    const res = await cli([...args, '--json'], { url: server.url, token: server.adminToken });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    return res.json as any;
  };

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-metrics-'));
    server = await startServer({ ORCHARD_WORKERS: '1', ORCHARD_METRICS_FLUSH_MS: '300', ORCHARD_METRICS_SAMPLE_MS: '200' });
    browser = await launchChromium();
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 300, 5);
    await run(['datasets', 'create', 'tr', '--file', csv]);
    await run(['train', '--name', 'gb', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=4', '--wait']);
    await run(['models', 'create', 'm', '--from-job', 'gb']);
    await run(['endpoints', 'create', 'ep', '--variant', 'AllTraffic:m:1:1', '--wait']);
    const row = fs.readFileSync(csv, 'utf8').split('\n')[0];
    const body = row.slice(row.indexOf(',') + 1) + '\n';
    for (let i = 0; i < 12; i++) {
      await fetch(`${server.url}/api/v1/endpoints/ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv' }, body: i < 9 ? body : 'x,y\n' }).then((r) => r.text());
    }
    // The page reads what the server has flushed.
    for (const deadline = Date.now() + 20_000; ; ) {
      const got = await run(['metrics', 'get', '--endpoint', 'ep', '--metric', 'Invocations', '--stat', 'sum', '--since', '15m']);
      if (got.datapoints.reduce((s: number, p: { value: number }) => s + p.value, 0) === 12) break;
      if (Date.now() > deadline) throw new Error('the invocations were not recorded');
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("charts an endpoint's invocations, errors and latency, and a training job's CPU and memory", async () => {
    const { context, page } = await signedInPage(browser, server, { width: 1280, height: 900, timeoutMs: 30_000 });
    await page.goto('/endpoints/ep');
    const invocations = page.getByRole('img', { name: /^Invocations per minute: Invocations, \d+ points?$/ });
    await invocations.waitFor();
    await page.getByRole('img', { name: /^Errors per minute: 4xx, \d+ points?; 5xx/ }).waitFor();
    await page.getByRole('img', { name: /^Model latency \(ms\): p50, \d+ points?; p99, \d+ points?$/ }).waitFor();
    // The points carry the values: 12 invocations in one minute (or split over two).
    const titles = await invocations.locator('circle title').allTextContents();
    const values = titles.map((t) => Number(t.slice(t.lastIndexOf(',') + 1)));
    expect(values.reduce((a, b) => a + b, 0)).toBe(12);
    await page.screenshot({ path: path.join(SHOTS, '30-endpoint-metrics.png'), fullPage: true });

    await page.goto('/training-jobs/gb');
    await page.getByRole('img', { name: /^Memory used \(MiB\): max, \d+ points?$/ }).waitFor();
    await context.close();
  });
});
