import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends } from '../support/backends.js';
import { startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/** A PNG's first bytes: signature and an IHDR of w×h (the browser need not decode it: the boxes are SVG). */
function pngHeader(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(w, 8);
  ihdr.writeUInt32BE(h, 12);
  ihdr.set([8, 2, 0, 0, 0], 16);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, Buffer.alloc(12)]);
}

/**
 * Teams and verification in a real browser: the owner makes a team on the teams page, a
 * member sees the verification job with the boxes to judge drawn over the image and
 * gives a verdict with a comment; a labeler outside the team is not offered the job.
 */
describe.each(backends)('labeling teams and verification in the studio on $name', (backend) => {
  const chromium = fs.existsSync(CHROMIUM);
  let server: RunningServer;
  let browser: Browser;
  let teardown: () => Promise<void> = async () => undefined;
  let dir: string;
  let admin: Orchard;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    if (!chromium) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-teams-'));
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_WORKERS: '1' });
    browser = await launchChromium();
    admin = new Orchard({ url: server.url, token: server.adminToken });
    for (const name of ['ann', 'bob']) {
      await admin.users.create({ name, role: 'labeler' });
      tokens[name] = (await admin.tokens.create({ user: name, name: 'studio' })).token;
    }
    const png = path.join(dir, 'i.png');
    fs.writeFileSync(png, pngHeader(64, 48));
    await admin.artifacts.put('img/0.png', png);
    const line = {
      'source-ref': 'img/0.png',
      cars: { annotations: [{ class_id: 0, left: 4, top: 5, width: 20, height: 10 }, { class_id: 1, left: 30, top: 20, width: 10, height: 10 }], image_size: [{ width: 64, height: 48, depth: 3 }] },
      'cars-metadata': { objects: [{ confidence: 0.9 }, { confidence: 0.8 }], 'class-map': { '0': 'car', '1': 'bus' }, type: 'groundtruth/object-detection', 'job-name': 'labeling-job/cars', 'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00' },
    };
    fs.writeFileSync(path.join(dir, 'cars.jsonl'), JSON.stringify(line) + '\n');
    await admin.datasets.create({ name: 'cars', file: path.join(dir, 'cars.jsonl') });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!chromium)('the owner makes a team; its member judges the boxes, the other labeler is not offered the job', async () => {
    const owner = await signedInPage(browser, server, { timeoutMs: 30_000 });
    await owner.page.goto('/labeling-teams');
    await owner.page.getByLabel('Team name').fill('red');
    await owner.page.getByLabel('Members').fill('ann');
    await owner.page.getByRole('button', { name: 'Create team' }).click();
    await owner.page.locator('tr[data-team="red"]', { hasText: 'ann' }).waitFor();
    // A member added from the row, then removed again.
    await owner.page.getByLabel('Add members to red').fill('bob');
    await owner.page.getByRole('button', { name: 'Add', exact: true }).click();
    await owner.page.getByRole('button', { name: 'Remove bob from red' }).click();
    await owner.page.getByRole('button', { name: 'Remove bob from red' }).waitFor({ state: 'detached' });
    expect((await admin.labeling.teams.describe('red')).members).toEqual(['ann']);
    await owner.context.close();

    await admin.labeling.create({ name: 'check', dataset: 'cars', taskType: 'verification', labelAttribute: 'cars', labels: ['correct', 'incorrect'], team: 'red' });
    const bob = await signedInPage(browser, { url: server.url, adminToken: tokens.bob }, { timeoutMs: 30_000 });
    await bob.page.getByRole('link', { name: 'Label', exact: true }).waitFor();
    await bob.page.getByText('No labeling job is running now.').waitFor();
    await bob.context.close();

    const ann = await signedInPage(browser, { url: server.url, adminToken: tokens.ann }, { timeoutMs: 30_000 });
    await ann.page.locator('tr[data-job="check"]').getByRole('link', { name: 'check' }).click();
    const boxes = ann.page.getByTestId('verify-boxes').locator('rect');
    await boxes.first().waitFor();
    await expect(boxes.count()).resolves.toBe(2);
    await expect(ann.page.getByTestId('verify-label').textContent()).resolves.toMatch(/car.*bus/);
    await ann.page.getByLabel('Comment (optional)').fill('the bus is a van');
    await ann.page.getByRole('button', { name: 'incorrect' }).click();
    await ann.page.getByText('Nothing left for you on this job.').waitFor();
    const done = await (async () => {
      for (let i = 0; i < 240; i++) {
        const j = await admin.labeling.describe('check');
        if (j.status === 'Completed') return j;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error('timed out waiting for consolidation');
    })();
    expect(done).toMatchObject({ output: 'check-labels@1', counts: { answers: 1 } });
    await ann.context.close();
  });
});
