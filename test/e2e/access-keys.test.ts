import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/** Access keys on the studio's tokens page, in a real browser against a real `orchard up`. */
const SHOTS = path.join(ROOT, 'test-output/screenshots');

describe.skipIf(!fs.existsSync(CHROMIUM))(`access keys in the studio (needs ${CHROMIUM}: apt-get install chromium)`, () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ ORCHARD_WORKERS: '1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('creates a key with its secret shown once, disables, enables and deletes it', async () => {
    const { context, page } = await signedInPage(browser, server, { width: 1280, height: 800, timeoutMs: 20_000 });
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Description').fill('notebook');
    // Typed at once after the link: focus moving to the new page must not take the text away.
    expect(await page.getByLabel('Description').inputValue()).toBe('notebook');
    await page.getByRole('button', { name: 'Create access key' }).click();
    const banner = page.getByRole('status').filter({ hasText: 'Copy the secret now' });
    await banner.waitFor();
    const secret = (await banner.locator('code').textContent())!.trim();
    expect(secret).toHaveLength(40);
    const shownId = /Access key (\S+) created/.exec((await banner.textContent())!)![1];
    const res = await fetch(new URL('/api/v1/access-keys', server.url), { headers: { authorization: `Bearer ${server.adminToken}` } });
    const keys = ((await res.json()) as { items: { accessKeyId: string; description: string; status: string }[] }).items;
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).toMatchObject({ accessKeyId: shownId, description: 'notebook', status: 'Active' });
    const row = page.getByRole('row', { name: new RegExp(key.accessKeyId) });
    await row.getByText('active', { exact: true }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, '13-access-keys.png'), fullPage: true });
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('inactive', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('active', { exact: true }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No access keys.').waitFor();
    await context.close();
  });
});
