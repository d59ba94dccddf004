import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskPng } from '../../src/labeling/consolidation/index.js';
import { Orchard } from '../../src/sdk/index.js';
import { backends } from '../support/backends.js';
import { ROOT, startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/**
 * An adjustment job in a real browser: the labeler gets each image with its existing box
 * drawn, zooms in, drags the box to where it belongs and submits; the next item is kept
 * as it was. The output has the moved box marked `adjusted`, the other `unadjusted`.
 */
const SHOTS = path.join(ROOT, 'test-output/screenshots');
const W = 240;
const H = 160;
const BOX = { left: 20, top: 30, width: 60, height: 40 };
/** The page's document, typed just enough to poll it (this project's TypeScript has no DOM library). */
type PageDocument = { querySelector(selector: string): { getAttribute(name: string): string | null; naturalWidth?: number } | null };

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.each(backends)('adjusting a pre-filled box after zooming on $name', (backend) => {
  const chromium = fs.existsSync(CHROMIUM);
  let server: RunningServer;
  let browser: Browser;
  let teardown: () => Promise<void> = async () => undefined;
  let dir: string;
  let admin: Orchard;
  let token = '';

  beforeAll(async () => {
    if (!chromium) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-adjust-'));
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_WORKERS: '1' });
    browser = await launchChromium();
    admin = new Orchard({ url: server.url, token: server.adminToken });
    await admin.users.create({ name: 'ann', role: 'labeler' });
    token = (await admin.tokens.create({ user: 'ann', name: 'studio' })).token;
    // A grey image with a dark rectangle 40 px right and 10 px below the existing box.
    const mask = new Uint8Array(W * H);
    for (let y = BOX.top + 10; y < BOX.top + 10 + BOX.height; y++) mask.fill(1, y * W + BOX.left + 40, y * W + BOX.left + 40 + BOX.width);
    const file = path.join(dir, 'scene.png');
    fs.writeFileSync(file, encodeMaskPng(mask, W, H, ['#d8dcd4', '#283ca0']));
    for (const k of ['a', 'b']) await admin.artifacts.put(`scenes/${k}.png`, file);
    const label = { annotations: [{ class_id: 0, ...BOX }], image_size: [{ width: W, height: H, depth: 3 }] };
    const meta = { type: 'groundtruth/object-detection', 'class-map': { '0': 'car' }, objects: [{ confidence: 0.7 }], 'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00', 'job-name': 'labeling-job/cars' };
    const manifest = path.join(dir, 'scenes.jsonl');
    fs.writeFileSync(manifest, ['a', 'b'].map((k) => JSON.stringify({ 'source-ref': `scenes/${k}.png`, cars: label, 'cars-metadata': meta })).join('\n') + '\n');
    await admin.datasets.create({ name: 'scenes', file: manifest });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!chromium)('the moved box reaches the output marked adjusted; the box kept as it was, unadjusted', async () => {
    await admin.labeling.create({ name: 'fix', dataset: 'scenes', taskType: 'bounding-box', labels: ['car', 'bus'], adjustAttribute: 'cars' });
    const { context, page } = await signedInPage(browser, { url: server.url, adminToken: token }, { timeoutMs: 30_000 });
    await page.locator('tr[data-job="fix"]').getByRole('link', { name: 'fix' }).click();
    const canvas = page.getByTestId('box-canvas');
    await page.waitForFunction(() => (globalThis as unknown as { document: PageDocument }).document.querySelector('img.label-image')?.naturalWidth === 240);
    // The existing box is drawn.
    await expect(canvas.getAttribute('aria-label')).resolves.toBe('1 box drawn');
    const box = canvas.locator('rect[data-label="car"]');
    // Zoom in twice with the wheel over the box's centre, then once with +.
    const before = (await box.boundingBox())!;
    await page.mouse.move(before.x + before.width / 2, before.y + before.height / 2);
    await page.mouse.wheel(0, -100);
    await page.mouse.wheel(0, -100);
    await page.keyboard.press('+');
    const viewport = page.getByTestId('zoom-viewport');
    await until('the zoom', async () => Number(await viewport.getAttribute('data-scale')) > 1.9);
    // Drag the box by (40, 10) image pixels: on screen, that many times the zoomed image's pixel size.
    const r = (await canvas.boundingBox())!;
    const px = r.width / W;
    expect(px).toBeGreaterThan(1.9 * ((await viewport.boundingBox())!.width / W));
    const b = (await box.boundingBox())!;
    const from = [b.x + b.width / 2, b.y + b.height / 2] as const;
    await page.mouse.move(...from);
    await page.mouse.down();
    await page.mouse.move(from[0] + 20 * px, from[1] + 5 * px, { steps: 4 });
    await page.mouse.move(from[0] + 40 * px, from[1] + 10 * px, { steps: 4 });
    await page.mouse.up();
    await page.screenshot({ path: path.join(SHOTS, '66-label-adjust-zoomed.png'), fullPage: true });
    // 0 shows the whole image again; Enter submits.
    await page.keyboard.press('0');
    await until('the reset', async () => Number(await viewport.getAttribute('data-scale')) === 1);
    await page.keyboard.press('Enter');
    // The second item: kept as it was.
    await page.waitForFunction(() => (globalThis as unknown as { document: PageDocument }).document.querySelector('[data-testid="label-item"]')?.getAttribute('data-item') === '1');
    await expect(canvas.getAttribute('aria-label')).resolves.toBe('1 box drawn');
    await page.keyboard.press('Enter');
    await page.getByText('Nothing left for you on this job.').waitFor();
    await context.close();

    const job = await until('consolidation', async () => {
      const j = await admin.labeling.describe('fix');
      return (j.status === 'Completed' || j.status === 'Failed') && j;
    });
    expect(job).toMatchObject({ status: 'Completed', adjustAttribute: 'cars', output: 'fix-labels@1' });
    const files = await admin.artifacts.list('datasets/fix-labels/');
    let text = '';
    for await (const chunk of await admin.artifacts.get(files[files.length - 1].key)) text += chunk;
    const lines = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, { annotations: Record<string, number>[] } & Record<string, unknown>>);
    expect(lines).toHaveLength(2);
    const [moved, kept] = lines;
    expect(moved['fix-metadata']).toMatchObject({ 'adjustment-status': 'adjusted', type: 'groundtruth/object-detection', 'job-name': 'labeling-job/fix' });
    const m = moved.fix.annotations[0];
    expect(Math.abs(m.left - (BOX.left + 40))).toBeLessThanOrEqual(1);
    expect(Math.abs(m.top - (BOX.top + 10))).toBeLessThanOrEqual(1);
    expect(m).toMatchObject({ class_id: 0, width: BOX.width, height: BOX.height });
    // The label adjusted stays beside the new one.
    expect(moved.cars.annotations[0]).toMatchObject(BOX);
    expect(kept['fix-metadata']).toMatchObject({ 'adjustment-status': 'unadjusted' });
    expect(kept.fix.annotations[0]).toMatchObject({ ...BOX, class_id: 0 });
  }, 180_000);
});
