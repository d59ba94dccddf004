import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeClassificationCsv } from '../support/backends.js';
import { cli, ROOT, startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/** The alarms pages in a real browser against a real `orchard up`: state badges, the history, the metric with its threshold. */
const SHOTS = path.join(ROOT, 'test-output/screenshots');

describe.skipIf(!fs.existsSync(CHROMIUM))(`alarms in the studio (needs ${CHROMIUM}: apt-get install chromium)`, () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;
  const admin = () => ({ url: server.url, token: server.adminToken });
  const run = async (args: string[]) => {
    const res = await cli([...args, '--json'], admin());
    expect(res.code, res.stdout + res.stderr).toBe(0);
    return res.json;
  };
  const invoke = (body: string) => fetch(`${server.url}/api/v1/endpoints/ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv' }, body }).then((r) => r.text());

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-alarms-'));
    server = await startServer({ ORCHARD_WORKERS: '1', ORCHARD_ALARM_INTERVAL_MS: '500', ORCHARD_METRICS_FLUSH_MS: '300' });
    browser = await launchChromium();
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 200, 5);
    await run(['datasets', 'create', 'tr', '--file', csv]);
    await run(['train', '--name', 'gb', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=2', '--wait']);
    await run(['models', 'create', 'm', '--from-job', 'gb']);
    await run(['endpoints', 'create', 'ep', '--variant', 'AllTraffic:m:1:1', '--wait']);
    await run(['alarms', 'create', 'client-errors', '--endpoint', 'ep', '--metric', 'Invocation4XXErrors', '--stat', 'sum', '--threshold', '2', '--comparison', 'GreaterThanOrEqualToThreshold', '--treat-missing-data', 'notBreaching', '--description', 'Callers sending what the model cannot read']);
    await run(['alarms', 'create', 'slow', '--endpoint', 'ep', '--metric', 'ModelLatency', '--stat', 'p99', '--threshold', '5000', '--comparison', 'GreaterThanThreshold', '--evaluation-periods', '3', '--datapoints-to-alarm', '2']);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows alarms with state badges, and an alarm with its history and its metric against the threshold', async () => {
    const { context, page } = await signedInPage(browser, server, { width: 1280, height: 900, timeoutMs: 30_000 });
    await page.getByRole('link', { name: 'Alarms' }).click();
    const errorsRow = page.locator('tr[data-alarm="client-errors"]');
    // No traffic yet: missing data is not breaching, so the evaluator finds it OK.
    await errorsRow.locator('[data-status="OK"]').waitFor();
    await expect(errorsRow.textContent()).resolves.toContain('sum Invocation4XXErrors ≥ 2 for 1 of 1 × 60 s');

    // Three requests the model cannot read: the list turns red on the feed's event, without a reload.
    for (let i = 0; i < 3; i++) await invoke('0.1,abc\n');
    await errorsRow.locator('[data-status="ALARM"]').waitFor();
    await page.locator('tr[data-alarm="slow"]').locator('[data-status]').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, '30-alarms.png'), fullPage: true });

    await errorsRow.getByRole('link', { name: 'client-errors' }).click();
    await page.getByRole('heading', { name: 'client-errors' }).waitFor();
    await page.getByText('Threshold crossed').first().waitFor();
    const history = page.locator('table.alarm-history tbody tr');
    await expect(history.first().textContent()).resolves.toMatch(/OK\s*→\s*ALARM/);
    // The chart: the metric's datapoints and the threshold as a second line.
    const chart = page.getByRole('img', { name: /Invocation4XXErrors sum per 60 s, threshold 2/ });
    await chart.waitFor();
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(/threshold 2, 2 points/);
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(/Invocation4XXErrors \(sum\), [1-9]\d* points?/);
    await page.screenshot({ path: path.join(SHOTS, '31-alarm.png'), fullPage: true });

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    await expect(page.getByRole('button', { name: 'Evaluate now' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();
    await page.getByRole('button', { name: 'Evaluate now' }).click();
    // Enabled again, it starts from INSUFFICIENT_DATA and is evaluated back to ALARM at once.
    await page.locator('[data-status="ALARM"]').first().waitFor();
    await context.close();
  });
});
