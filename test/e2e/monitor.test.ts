import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, ROOT, startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/** An endpoint's data-quality monitor page, reached from the endpoint's page, in a real browser against a real `orchard up`. */
const SHOTS = path.join(ROOT, 'test-output/screenshots');

describe.skipIf(!fs.existsSync(CHROMIUM))(`data-quality monitor in the studio (needs ${CHROMIUM}: apt-get install chromium)`, () => {
  let server: RunningServer;
  let browser: Browser;
  let drifted: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ ORCHARD_WORKERS: '1', ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS: '200' });
    const admin = { url: server.url, token: server.adminToken };
    const sdk = new Orchard(admin);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-monitor-e2e-'));
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 600, 5);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    // The baseline: the same rows with a header, the label named.
    fs.writeFileSync(path.join(dir, 'base.csv'), ['y,f1,f2,f3,f4', ...lines].join('\n') + '\n');
    for (const args of [
      ['datasets', 'create', 'tr', '--file', csv],
      ['datasets', 'create', 'base', '--file', path.join(dir, 'base.csv'), '--header'],
      ['train', '--name', 'j1', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=4', '--wait'],
      ['models', 'create', 'm1', '--from-job', 'j1'],
      ['endpoints', 'create', 'ep1', '--model', 'm1', '--capture-percent', '100', '--wait'],
      ['monitor', 'baselines', 'create', 'b1', '--dataset', 'base', '--target', 'y', '--wait'],
      ['monitor', 'schedules', 'create', 's1', '--endpoint', 'ep1', '--baseline', 'b1'],
    ]) {
      const res = await cli([...args, '--json'], admin);
      expect(res.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
    }
    const features = lines.map((l) => l.split(',').slice(1));
    const send = async (rows: string[][]) => {
      const r = await fetch(`${server.url}/api/v1/endpoints/ep1/invocations`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv' }, body: rows.map((r) => r.join(',')).join('\n') + '\n' });
      expect(r.status).toBe(200);
      await new Promise((r) => setTimeout(r, 800));
    };
    await send(features.slice(0, 300));
    const clean = await sdk.monitor.executions.waitFor((await sdk.monitor.schedules.run('s1')).id, { pollMs: 200 });
    expect(clean.status).toBe('Completed');
    const since = new Date().toISOString();
    // f1 moved by 3 (its range is -2..2).
    await send(features.slice(300).map((r) => [String(Number(r[0]) + 3), ...r.slice(1)]));
    const last = await sdk.monitor.executions.waitFor((await sdk.monitor.schedules.run('s1', { since })).id, { pollMs: 200 });
    expect(last.status).toBe('CompletedWithViolations');
    drifted = last.id;
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows executions over time, the drifted execution’s violations and baseline against current per feature', async () => {
    const { context, page } = await signedInPage(browser, server, { width: 1280, height: 900, timeoutMs: 20_000 });
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: 'ep1', exact: true }).click();
    await page.getByRole('link', { name: 'Data quality monitor' }).click();
    await page.getByRole('heading', { name: 'Model Monitor: ep1' }).waitFor();
    await page.getByTestId('monitor-schedules').getByRole('cell', { name: 's1', exact: true }).waitFor();
    // Two executions, charted by violation count; the newest (drifted) is shown.
    const chart = page.getByRole('img', { name: /Violations per execution/ });
    expect(await chart.getAttribute('aria-label')).toMatch(/2 bars/);
    await page.getByTestId('monitor-executions').getByRole('link', { name: drifted }).waitFor();
    const violations = page.getByTestId('monitor-violations');
    await violations.getByRole('cell', { name: 'baseline_drift_check', exact: true }).waitFor();
    expect(await violations.getByRole('cell', { name: 'f1', exact: true }).count()).toBeGreaterThan(0);
    // One overlay per feature, the drifted one marked.
    const charts = page.getByTestId('monitor-distributions').getByRole('img');
    expect(await charts.count()).toBe(4);
    expect(await charts.first().getAttribute('aria-label')).toMatch(/^f1: distance .* drift/);
    await page.screenshot({ path: path.join(SHOTS, 'monitor.png'), fullPage: true });
    await context.close();
  });
});
