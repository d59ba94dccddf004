import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeClassificationCsv } from '../support/backends.js';
import { cli, ROOT, startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/** Debugger rule statuses and the profiler report on the studio's training job page, in a real browser. */
const SHOTS = path.join(ROOT, 'test-output/screenshots');

describe.skipIf(!fs.existsSync(CHROMIUM))(`the Debugger in the studio (needs ${CHROMIUM}: apt-get install chromium)`, () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-debugger-e2e-'));
    server = await startServer({ ORCHARD_WORKERS: '1' });
    browser = await launchChromium();
    const admin = { url: server.url, token: server.adminToken };
    expect((await cli(['datasets', 'create', 'tr', '--file', writeClassificationCsv(path.join(dir, 'tr.csv'), 1500, 1), '--json'], admin)).code).toBe(0);
    const res = await cli(
      ['train', '--name', 'll1', '--algorithm', 'linear-learner', '--train', 'tr', '--hp', 'predictor_type=binary_classifier', '--hp', 'epochs=4', '--rule', 'exploding_tensor:stop', '--rule', 'class_imbalance:none:threshold_imbalance=1', '--wait', '--json'],
      admin,
    );
    expect(res.json?.status, res.stdout + res.stderr).toBe('Completed');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("shows the job's rule statuses and its time per phase", async () => {
    const { context, page } = await signedInPage(browser, server, { width: 1280, height: 1000, timeoutMs: 20_000 });
    await page.goto('/training-jobs/ll1');
    const rules = page.getByRole('table', { name: 'Debugger rules' });
    await rules.waitFor();
    await expect.poll(() => rules.locator('tr[data-rule="exploding_tensor"] [data-rule-status]').getAttribute('data-rule-status')).toBe('NoIssuesFound');
    // Two classes of unequal counts differ by more than 1x: the rule reports issues without stopping the job.
    await expect.poll(() => rules.locator('tr[data-rule="class_imbalance"] [data-rule-status]').getAttribute('data-rule-status')).toBe('IssuesFound');
    expect(await rules.locator('tr[data-rule="class_imbalance"]').textContent()).toMatch(/threshold 1;/);
    const phases = page.getByRole('table', { name: 'Time per phase' });
    await phases.waitFor();
    for (const phase of ['download', 'data_loading', 'training', 'upload']) await phases.locator(`tr[data-phase="${phase}"]`).waitFor();
    await page.getByTestId('debugger').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, '30-debugger.png'), fullPage: true });
    // On a phone the tables scroll inside their cards; the page itself does not scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('table', { name: 'Time per phase' }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await context.close();
  });
});
