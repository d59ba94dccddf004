/**
 * `npm run bench -- labeling-ui [--items 100] [--no-image]`: the studio's labeling page
 * in Chromium against a real `orchard up` (from `dist/`, studio from `dist/studio`):
 * the time from a labeler's key press to the next item shown, end to end through the
 * server and the UI. Measured in the page: from the keydown event's timestamp to the
 * first moment after the frame that shows the next item (its image decoded, then
 * requestAnimationFrame, then a message: after the paint). Text classification and image classification (64×64 PNGs
 * served by the task image route), each with prefetching on (the default) and off
 * (`?prefetch=0`: the next item is leased only after the answer).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { Orchard } from '../src/sdk/index.js';
import { startServer } from '../test/support/server.js';
import { CHROMIUM, launchChromium, signedInPage } from '../test/support/studio-browser.js';
import { emit, median } from './support.js';

const WARMUP = 5;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** A 64×64 RGB PNG with a stripe at row `i % 64` (every image different, so none is cached as another). */
function png(i: number): Buffer {
  const w = 64;
  const raw = Buffer.alloc((w * 3 + 1) * w, 200);
  for (let y = 0; y < w; y++) raw[y * (w * 3 + 1)] = 0;
  raw.fill(20, (i % w) * (w * 3 + 1) + 1, (i % w) * (w * 3 + 1) + 1 + w * 3);
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = table[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    td.copy(out, 4);
    out.writeUInt32BE(crc(td), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(w, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Installed in the page: each keydown's timestamp, and the time after the frame that shows a new item. */
const PROBE = `(() => {
  window.__lat = [];
  window.__pressed = null;
  window.addEventListener('keydown', (e) => (window.__pressed = e.timeStamp), { capture: true });
  const item = () => document.querySelector('[data-testid="label-item"]')?.getAttribute('data-item') ?? null;
  let shown = item();
  new MutationObserver(() => {
    const now = item();
    if (now === null || now === shown) return;
    shown = now;
    const pressed = window.__pressed;
    if (pressed === null) return;
    window.__pressed = null;
    // An image item is shown once its image is decoded and painted, not when its element is placed.
    const img = document.querySelector('img.label-image');
    const ready = img ? img.decode().catch(() => undefined) : Promise.resolve();
    ready.then(() =>
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => window.__lat.push(performance.now() - pressed);
        ch.port2.postMessage(0);
      }),
    );
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-item'] });
})()`;

/** The page's document, typed just enough to poll it (this project's TypeScript has no DOM library). */
type PageDocument = { querySelector(selector: string): { naturalWidth?: number } | null };

async function measure(browser: Browser, server: { url: string }, token: string, job: string, items: number, prefetch: boolean, image: boolean): Promise<number[]> {
  const { context, page } = await signedInPage(browser, { url: server.url, adminToken: token }, { timeoutMs: 60_000 });
  await page.getByRole('link', { name: 'Label', exact: true }).waitFor();
  await page.goto(`/label/${job}${prefetch ? '' : '?prefetch=0'}`);
  await page.getByTestId('label-item').waitFor();
  if (image) await page.waitForFunction(() => ((globalThis as unknown as { document: PageDocument }).document.querySelector('img.label-image')?.naturalWidth ?? 0) > 0);
  await page.evaluate(PROBE);
  for (let i = 1; i <= items; i++) {
    await page.keyboard.press('1');
    await page.waitForFunction((n) => (globalThis as unknown as { __lat: number[] }).__lat.length >= n, i, { polling: 'raf' });
    // A labeler reads each item before answering: give the prefetch the time a person would (150 ms is a fast one).
    await page.waitForTimeout(150);
  }
  const lat = await page.evaluate<number[]>('window.__lat');
  await context.close();
  return lat.slice(WARMUP);
}

export async function run(args: string[]): Promise<void> {
  const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  const items = opt('--items', 100);
  const withImages = !args.includes('--no-image');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`needs ${CHROMIUM} (apt-get install chromium)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-labeling-ui-'));
  const server = await startServer({ ORCHARD_WORKERS: '1' });
  const browser = await launchChromium();
  try {
    const admin = new Orchard({ url: server.url, token: server.adminToken });
    const n = items + WARMUP + 2;
    const texts = path.join(dir, 'texts.jsonl');
    fs.writeFileSync(texts, Array.from({ length: n }, (_, i) => JSON.stringify({ source: `review number ${i}: ${'a fine and sturdy sentence '.repeat(1 + (i % 5))}` })).join('\n') + '\n');
    await admin.datasets.create({ name: 'texts', file: texts });
    if (withImages) {
      for (let i = 0; i < n; i++) {
        const f = path.join(dir, `${i}.png`);
        fs.writeFileSync(f, png(i));
        await admin.artifacts.put(`bench-images/${i}.png`, f);
      }
      const images = path.join(dir, 'images.jsonl');
      fs.writeFileSync(images, Array.from({ length: n }, (_, i) => JSON.stringify({ 'source-ref': `bench-images/${i}.png` })).join('\n') + '\n');
      await admin.datasets.create({ name: 'images', file: images });
    }
    const runs: { task: 'text-classification' | 'image-classification'; prefetch: boolean }[] = [
      { task: 'text-classification', prefetch: true },
      { task: 'text-classification', prefetch: false },
      ...(withImages
        ? ([
            { task: 'image-classification', prefetch: true },
            { task: 'image-classification', prefetch: false },
          ] as const)
        : []),
    ];
    let k = 0;
    for (const r of runs) {
      // A fresh labeler per run: their items are all new to them.
      const user = `labeler${k}`;
      await admin.users.create({ name: user, role: 'labeler' });
      const token = (await admin.tokens.create({ user, name: 'bench' })).token;
      const job = `ui-${k++}`;
      await admin.labeling.create({ name: job, dataset: r.task === 'text-classification' ? 'texts' : 'images', taskType: r.task, labels: ['yes', 'no', 'maybe'], instructions: '# Bench\nPress **1**.' });
      const lat = await measure(browser, server, token, job, items, r.prefetch, r.task === 'image-classification');
      emit({
        bench: 'labeling-ui',
        scope: 'end to end: Chromium, studio, orchard up (SQLite)',
        task: r.task,
        prefetch: r.prefetch,
        items: lat.length,
        median_ms: Number(median(lat).toFixed(1)),
        p95_ms: Number(quantile(lat, 0.95).toFixed(1)),
        max_ms: Number(Math.max(...lat).toFixed(1)),
        goal_ms: 100,
        load: os.loadavg()[0].toFixed(1),
      });
    }
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
