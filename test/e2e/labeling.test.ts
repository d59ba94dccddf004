import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { ROOT, startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../support/studio-browser.js';

/**
 * The labeling UI in a real browser against a real `orchard up`: two labelers, each in
 * a browser context of their own, label the same text-classification job with the
 * keyboard; consolidation writes the manifest; a box is drawn with the mouse.
 */
const SHOTS = path.join(ROOT, 'test-output/screenshots');

const TEXTS: [string, 'pos' | 'neg'][] = [
  ['a delightful film', 'pos'],
  ['dull and far too long', 'neg'],
  ['the cast shines', 'pos'],
  ['I walked out', 'neg'],
  ['worth every minute', 'pos'],
  ['a mess from start to end', 'neg'],
];
/** The page's document, typed just enough to poll it (this project's TypeScript has no DOM library). */
type PageDocument = { querySelector(selector: string): { getAttribute(name: string): string | null; naturalWidth?: number } | null };
const INSTRUCTIONS = '# Sentiment\nPress **1** for *pos*, **2** for *neg*.\n\n- Good: "a joy" is pos\n- Bad: sarcasm read literally\n';

/** A w×h RGB PNG of one colour with a darker rectangle (the thing to box). */
function png(w: number, h: number, rect: { left: number; top: number; width: number; height: number }): Buffer {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const inside = x >= rect.left && x < rect.left + rect.width && y >= rect.top && y < rect.top + rect.height;
      raw.set(inside ? [40, 60, 160] : [225, 230, 220], y * (w * 3 + 1) + 1 + x * 3);
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The manifest lines of a dataset's latest version, read through the artifacts API. */
async function manifest(sdk: Orchard, dataset: string): Promise<Record<string, unknown>[]> {
  const files = await sdk.artifacts.list(`datasets/${dataset}/`);
  expect(files.length).toBeGreaterThan(0);
  let text = '';
  for await (const chunk of await sdk.artifacts.get(files[files.length - 1].key)) text += chunk;
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Labels every item the page hands out with the keyboard (the truth, or `wrong` flips it); returns the texts seen. */
async function labelAll(page: Page, answer: (text: string) => 'pos' | 'neg'): Promise<string[]> {
  const seen: string[] = [];
  const done = page.getByTestId('label-done');
  for (;;) {
    const item = page.getByTestId('label-item');
    await page.locator('[data-testid="label-item"], [data-testid="label-done"]').first().waitFor();
    if (await done.isVisible()) break;
    const id = await item.getAttribute('data-item');
    const text = (await page.getByTestId('item-text').textContent())!.trim();
    seen.push(text);
    await page.keyboard.press(answer(text) === 'pos' ? '1' : '2');
    // The next item (or the end) replaces this one.
    await page.waitForFunction((prev) => (globalThis as unknown as { document: PageDocument }).document.querySelector('[data-testid="label-item"]')?.getAttribute('data-item') !== prev, id);
  }
  await page.getByText('Nothing left for you on this job.').waitFor();
  return seen;
}

/**
 * One server (SQLite + files) and one browser for the file. The same calls on PostgreSQL + S3
 * are covered by test/integration/labeling.test.ts (leases, racing labelers, consolidation,
 * boxes, stop, on both backends) and by the Label page in labeling-adjust.test.ts and
 * labeling-teams.test.ts, which run in Chromium on both backends (a task's image read from S3).
 */
describe('the labeling UI', () => {
  const chromium = fs.existsSync(CHROMIUM);
  let server: RunningServer;
  let browser: Browser;
  let dir: string;
  let admin: Orchard;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    if (!chromium) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-e2e-labeling-'));
    server = await startServer({ ORCHARD_WORKERS: '1' });
    browser = await launchChromium();
    admin = new Orchard({ url: server.url, token: server.adminToken });
    for (const name of ['ann', 'bob']) {
      await admin.users.create({ name, role: 'labeler' });
      tokens[name] = (await admin.tokens.create({ user: name, name: 'studio' })).token;
    }
    const texts = path.join(dir, 'texts.jsonl');
    fs.writeFileSync(texts, TEXTS.map(([source, truth]) => JSON.stringify({ source, truth })).join('\n') + '\n');
    await admin.datasets.create({ name: 'texts', file: texts });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!chromium)('two labelers label the same items with the keyboard; consolidation writes the manifest', async () => {
    await admin.labeling.create({ name: 'sent', dataset: 'texts', taskType: 'text-classification', labels: ['pos', 'neg'], annotatorsPerItem: 2, instructions: INSTRUCTIONS });
    const truth = new Map(TEXTS);
    const sessions = await Promise.all(['ann', 'bob'].map((who) => signedInPage(browser, { url: server.url, adminToken: tokens[who] }, { timeoutMs: 30_000 })));
    const [ann, bob] = sessions.map((s) => s.page);
    for (const page of [ann, bob]) {
      // A labeler's studio is the Label page: the job is listed with nothing answered yet.
      await page.getByRole('link', { name: 'Label', exact: true }).waitFor();
      await expect(page.getByRole('link', { name: 'Labeling jobs' }).count()).resolves.toBe(0);
      const row = page.locator('tr[data-job="sent"]');
      await expect(row.textContent()).resolves.toContain('0 of 6');
      await row.getByRole('link', { name: 'sent' }).click();
      // The instructions' Markdown beside the item.
      await page.locator('.label-instructions strong', { hasText: '1' }).first().waitFor();
      await page.locator('.label-instructions li', { hasText: 'sarcasm read literally' }).waitFor();
    }
    await ann.screenshot({ path: path.join(SHOTS, '60-label-text.png'), fullPage: true });
    // Both at once: ann answers the truth; bob flips the second text.
    const [annSeen, bobSeen] = await Promise.all([
      labelAll(ann, (t) => truth.get(t)!),
      labelAll(bob, (t) => (t === TEXTS[1][0] ? 'pos' : truth.get(t)!)),
    ]);
    expect(annSeen).toEqual(TEXTS.map(([t]) => t));
    expect(bobSeen).toEqual(TEXTS.map(([t]) => t));
    await expect(ann.getByTestId('label-progress').textContent()).resolves.toContain('6 of 6 answered');

    const job = await until('consolidation', async () => {
      const j = await admin.labeling.describe('sent');
      return j.status === 'Completed' && j;
    });
    expect(job).toMatchObject({ output: 'sent-labels@1', counts: { total: 6, labeled: 6, answers: 12, leased: 0 } });
    expect(job.workers.map((w) => [w.worker, w.answers])).toEqual([
      ['ann', 6],
      ['bob', 6],
    ]);
    const lines = await manifest(admin, 'sent-labels');
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      const meta = line['sent-metadata'] as Record<string, unknown>;
      expect(meta).toMatchObject({ 'job-name': 'labeling-job/sent', 'human-annotated': 'yes', type: 'groundtruth/text-classification' });
      expect(['pos', 'neg'][line.sent as number]).toBe(meta['class-name']);
      // Where the two agree, the label is theirs, held with more confidence than the one they split on.
      if (line.source !== TEXTS[1][0]) expect(meta['class-name']).toBe(line.truth);
    }
    const split = lines.find((l) => l.source === TEXTS[1][0])!;
    const agreed = lines.find((l) => l.source === TEXTS[0][0])!;
    expect((split['sent-metadata'] as { confidence: number }).confidence).toBeLessThan((agreed['sent-metadata'] as { confidence: number }).confidence);
    for (const s of sessions) await s.context.close();

    // The owner's page: status, each labeler's answers and the output dataset.
    const { context, page } = await signedInPage(browser, server, { timeoutMs: 30_000 });
    await page.getByRole('link', { name: 'Labeling jobs' }).click();
    await page.locator('tr[data-job="sent"] [data-status="Completed"]').waitFor();
    await page.locator('tr[data-job="sent"]').getByRole('link', { name: 'sent', exact: true }).click();
    await expect(page.getByTestId('labeling-counts').textContent()).resolves.toContain('6 of 6 labeled');
    await expect(page.locator('tr[data-worker="bob"]').textContent()).resolves.toMatch(/^bob6/);
    await page.getByRole('link', { name: 'sent-labels@1' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, '61-labeling-job.png'), fullPage: true });
    await context.close();
  });

  it.skipIf(!chromium)('a box drawn with the mouse and labeled with a number key reaches the manifest; s skips an item', async () => {
    const target = { left: 60, top: 40, width: 100, height: 50 };
    for (const name of ['a', 'b']) {
      const file = path.join(dir, `${name}.png`);
      fs.writeFileSync(file, png(240, 160, target));
      await admin.artifacts.put(`images/${name}.png`, file);
    }
    const images = path.join(dir, 'images.jsonl');
    fs.writeFileSync(images, ['images/a.png', 'images/b.png'].map((k) => JSON.stringify({ 'source-ref': k })).join('\n') + '\n');
    await admin.datasets.create({ name: 'images', file: images });
    await admin.labeling.create({ name: 'boxes', dataset: 'images', taskType: 'bounding-box', labels: ['cat', 'dog'] });

    const { context, page } = await signedInPage(browser, { url: server.url, adminToken: tokens.ann }, { timeoutMs: 30_000 });
    await page.locator('tr[data-job="boxes"]').getByRole('link', { name: 'boxes' }).click();
    const item = page.getByTestId('label-item');
    await expect(item.getAttribute('data-item')).resolves.toBe('0');
    // The image comes through the task (a labeler cannot read artifacts), decoded at its size.
    await page.waitForFunction(() => (globalThis as unknown as { document: PageDocument }).document.querySelector('img.label-image')?.naturalWidth === 240);
    await page.keyboard.press('s');
    await page.waitForFunction(() => (globalThis as unknown as { document: PageDocument }).document.querySelector('[data-testid="label-item"]')?.getAttribute('data-item') === '1');
    await expect(page.getByTestId('label-progress').textContent()).resolves.toContain('1 skipped');

    // Drag from the rectangle's top-left corner to its bottom-right one, in screen pixels.
    const canvas = page.getByTestId('box-canvas');
    const r = (await canvas.boundingBox())!;
    const at = (x: number, y: number) => [r.x + (x / 240) * r.width, r.y + (y / 160) * r.height] as const;
    await page.mouse.move(...at(target.left, target.top));
    await page.mouse.down();
    await page.mouse.move(...at(target.left + target.width / 2, target.top + target.height / 2), { steps: 5 });
    await page.mouse.move(...at(target.left + target.width, target.top + target.height), { steps: 5 });
    await page.mouse.up();
    // A stray drag makes a second box, which is selected and deleted.
    await page.mouse.move(...at(10, 10));
    await page.mouse.down();
    await page.mouse.move(...at(30, 30), { steps: 3 });
    await page.mouse.up();
    await expect(canvas.getAttribute('aria-label')).resolves.toBe('2 boxes drawn');
    await page.keyboard.press('Delete');
    await expect(canvas.getAttribute('aria-label')).resolves.toBe('1 box drawn');
    // Select the box by clicking it, label it dog with 2, and submit.
    await page.mouse.click(...at(target.left + 20, target.top + 20));
    await page.keyboard.press('2');
    await expect(canvas.locator('rect[data-label="dog"]').count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(SHOTS, '62-label-boxes.png'), fullPage: true });
    await page.keyboard.press('Enter');
    await page.getByText('Nothing left for you on this job.').waitFor();
    await until('the answer saved', async () => (await admin.labeling.describe('boxes')).counts.answers === 1);
    await context.close();
    // An item's image goes only to the labeler it was handed to.
    const image = (who: string) => fetch(`${server.url}/api/v1/labeling-jobs/boxes/tasks/1/image`, { headers: { authorization: `Bearer ${tokens[who]}` } });
    const own = await image('ann');
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await own.arrayBuffer()).equals(fs.readFileSync(path.join(dir, 'b.png')))).toBe(true);
    const other = await image('bob');
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ code: 'ORCH_LABELING_LEASE' });

    // Item 0 was skipped (its lease runs on): stopping consolidates the one answer.
    await admin.labeling.stop('boxes');
    const job = await until('consolidation', async () => {
      const j = await admin.labeling.describe('boxes');
      return (j.status === 'Stopped' || j.status === 'Failed') && j;
    });
    expect(job).toMatchObject({ status: 'Stopped', output: 'boxes-labels@1', counts: { labeled: 1 } });
    const [line] = await manifest(admin, 'boxes-labels');
    expect(line['source-ref']).toBe('images/b.png');
    const label = line.boxes as { annotations: { class_id: number; left: number; top: number; width: number; height: number }[]; image_size: { width: number; height: number }[] };
    expect(label.image_size[0]).toMatchObject({ width: 240, height: 160 });
    expect(label.annotations).toHaveLength(1);
    const box = label.annotations[0];
    expect(box.class_id).toBe(1);
    // Mouse positions land within a pixel or two of the rectangle's corners.
    expect(Math.abs(box.left - target.left)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.top - target.top)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.width - target.width)).toBeLessThanOrEqual(3);
    expect(Math.abs(box.height - target.height)).toBeLessThanOrEqual(3);
  });
  it.skipIf(!chromium)('spans selected with the mouse and labeled by number, and a polygon clicked point by point', async () => {
    const text = 'Ada Lovelace met Charles Babbage in London.';
    const file = path.join(dir, 'ner.jsonl');
    fs.writeFileSync(file, JSON.stringify({ source: text }) + '\n');
    await admin.datasets.create({ name: 'ner-texts', file });
    await admin.labeling.create({ name: 'people', dataset: 'ner-texts', taskType: 'ner', labels: ['PER', 'LOC'] });
    await admin.labeling.create({ name: 'shapes', dataset: 'images', taskType: 'polygon', labels: ['cat', 'dog'] });

    const { context, page } = await signedInPage(browser, { url: server.url, adminToken: tokens.bob }, { timeoutMs: 30_000 });
    await page.locator('tr[data-job="people"]').getByRole('link', { name: 'people' }).click();
    await page.getByTestId('ner-text').waitFor();
    // Drag across a stretch of the text, from inside its first character to inside its last.
    const drag = async (start: number, end: number) => {
      const r = await page.evaluate<{ left: number; right: number; top: number; height: number }>(
        `(() => { const t = document.querySelector('[data-testid="ner-text"]'); const w = document.createTreeWalker(t, NodeFilter.SHOW_TEXT); let n, at = 0, range = document.createRange(); while ((n = w.nextNode())) { const len = n.textContent.length; if (at <= ${start} && ${start} < at + len) range.setStart(n, ${start} - at); if (at < ${end} && ${end} <= at + len) range.setEnd(n, ${end} - at); at += len; } const b = range.getBoundingClientRect(); return { left: b.left, right: b.right, top: b.top, height: b.height }; })()`,
      );
      const y = r.top + r.height / 2;
      await page.mouse.move(r.left + 1, y);
      await page.mouse.down();
      await page.mouse.move(r.right - 1, y, { steps: 5 });
      await page.mouse.up();
    };
    await drag(0, 12);
    await page.keyboard.press('1');
    await page.locator('mark.entity[data-label="PER"]', { hasText: 'Ada Lovelace' }).waitFor();
    await drag(36, 42);
    await page.keyboard.press('2');
    await page.locator('mark.entity[data-label="LOC"]', { hasText: 'London' }).waitFor();
    // A wrong span, then removed: click it and Delete.
    await drag(17, 24);
    await page.keyboard.press('2');
    await page.locator('mark.entity', { hasText: 'Charles' }).click();
    await page.keyboard.press('Delete');
    await expect(page.locator('mark.entity').count()).resolves.toBe(2);
    await page.screenshot({ path: path.join(SHOTS, '63-label-ner.png'), fullPage: true });
    await page.keyboard.press('Enter');
    await page.getByText('Nothing left for you on this job.').waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Label', exact: true }).click();
    await page.locator('tr[data-job="shapes"]').getByRole('link', { name: 'shapes' }).click();
    const canvas = page.getByTestId('polygon-canvas');
    await canvas.waitFor();
    const r = (await canvas.boundingBox())!;
    const at = (x: number, y: number) => [r.x + (x / 240) * r.width, r.y + (y / 160) * r.height] as const;
    for (const [x, y] of [[60, 40], [160, 40], [160, 90], [60, 90]]) await page.mouse.click(...at(x, y));
    await expect(canvas.getAttribute('aria-label')).resolves.toBe('0 polygons drawn, 4 points placed');
    await page.keyboard.press('Enter');
    await expect(canvas.getAttribute('aria-label')).resolves.toBe('1 polygon drawn');
    await page.keyboard.press('2');
    await expect(canvas.locator('polygon[data-label="dog"]').count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(SHOTS, '64-label-polygon.png'), fullPage: true });
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('label-item').getAttribute('data-item')).resolves.toBe('1');
    await until('the polygon saved', async () => (await admin.labeling.describe('shapes')).counts.answers === 1);
    await context.close();

    // One labeler per item: the NER job completes on its own; its manifest holds the two spans.
    await until('consolidation', async () => (await admin.labeling.describe('people')).status === 'Completed');
    const [line] = await manifest(admin, 'people-labels');
    expect((line.people as { annotations: { entities: unknown[] } }).annotations.entities).toEqual([
      { label: 'PER', startOffset: 0, endOffset: 12 },
      { label: 'LOC', startOffset: 36, endOffset: 42 },
    ]);
    await admin.labeling.stop('shapes');
    const shapes = await until('consolidation', async () => {
      const j = await admin.labeling.describe('shapes');
      return (j.status === 'Stopped' || j.status === 'Failed') && j;
    });
    expect(shapes).toMatchObject({ status: 'Stopped', counts: { labeled: 1 } });
  });
});
