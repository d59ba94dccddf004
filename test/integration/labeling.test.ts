import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';
import { refusalOf as codeOf } from '../support/refusals.js';

/** Six sentences with their true class, kept in the input lines (a manifest keeps its other keys). */
const TEXTS: [string, 'pos' | 'neg'][] = [
  ['a delightful film', 'pos'],
  ['dull and far too long', 'neg'],
  ['the cast shines', 'pos'],
  ['I walked out', 'neg'],
  ['worth every minute', 'pos'],
  ['a mess from start to end', 'neg'],
];
const GOLD: [string, 'pos' | 'neg'][] = [
  ['simply wonderful', 'pos'],
  ['painfully boring', 'neg'],
];
const LABELERS = ['ann', 'bob', 'cyd', 'dee'];

/** A PNG's first bytes: signature and an IHDR of w×h (what the header reader checks). */
function pngHeader(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(w, 8);
  ihdr.writeUInt32BE(h, 12);
  ihdr.set([8, 2, 0, 0, 0], 16);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, Buffer.alloc(12)]);
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


/** A script-mode training job that reads the manifest channel and checks each line's label attribute against the truth. */
const CHECK_MANIFEST = [
  'import json, os, sys',
  "d = os.environ['SM_CHANNEL_TRAIN']",
  "lines = [json.loads(l) for f in sorted(os.listdir(d)) for l in open(os.path.join(d, f)) if l.strip()]",
  "classes = ['pos', 'neg']",
  'right = 0',
  'for x in lines:',
  "    meta = x['sent-metadata']",
  "    assert meta['type'] == 'groundtruth/text-classification', meta",
  "    assert meta['job-name'] == 'labeling-job/sent', meta",
  "    assert meta['human-annotated'] == 'yes', meta",
  "    assert 0 <= meta['confidence'] <= 1, meta",
  "    assert classes[x['sent']] == meta['class-name'], x",
  "    right += meta['class-name'] == x['truth']",
  "print('lines=%d' % len(lines))",
  "print('label_accuracy=%.4f' % (right / len(lines)))",
  "open(os.path.join(os.environ['SM_MODEL_DIR'], 'checked.json'), 'w').write(json.dumps({'lines': len(lines)}))",
].join('\n') + '\n';

describe.each(backends)('labeling jobs on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-labeling-' });
  let admin: Orchard;
  const token: Record<string, { url: string; token: string }> = {};
  const as = (user: string) => new Orchard(token[user]);

  beforeAll(async () => {
    admin = new Orchard(suite.admin);
    for (const name of LABELERS) {
      await admin.users.create({ name, role: 'labeler' });
      token[name] = { url: suite.admin.url, token: (await admin.tokens.create({ user: name, name: 'labeling' })).token };
    }
    const manifest = path.join(suite.dir, 'texts.jsonl');
    fs.writeFileSync(manifest, TEXTS.map(([source, truth]) => JSON.stringify({ source, truth })).join('\n') + '\n');
    await admin.datasets.create({ name: 'texts', file: manifest });
    fs.writeFileSync(path.join(suite.dir, 'gold.jsonl'), GOLD.map(([source, label]) => JSON.stringify({ source, truth: label, answer: { label } })).join('\n') + '\n');
    fs.writeFileSync(path.join(suite.dir, 'howto.md'), '# Sentiment\nPick **pos** or **neg**.\n');
  });

  it('three labelers label through leases; the answers are consolidated into a manifest version a training job reads', async () => {
    const created = await cli(
      ['labeling', 'jobs', 'create', 'sent', '--dataset', 'texts', '--task', 'text-classification', '--labels', 'pos,neg', '--annotators-per-item', '3', '--gold', path.join(suite.dir, 'gold.jsonl'), '--instructions', path.join(suite.dir, 'howto.md'), '--json'],
      suite.admin,
    );
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json).toMatchObject({ name: 'sent', status: 'InProgress', dataset: 'texts@1', counts: { total: 6, labeled: 0, machineLabeled: 0, gold: 2 }, output: null });

    // The first task through the CLI, as a labeler; the instructions come with it.
    const first = await cli(['labeling', 'tasks', 'next', 'sent', '--json'], token.ann);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.json.task).toMatchObject({ job: 'sent', item: '0', taskType: 'text-classification', labels: ['pos', 'neg'], source: { source: TEXTS[0][0] } });
    expect(first.json.task.instructions).toContain('Pick **pos**');
    // Someone else's answer on ann's lease is refused; so is a labeler creating a job.
    expect((await codeOf(as('dee').labeling.submit('sent', '0', { label: 'pos' }))).code).toBe('ORCH_LABELING_LEASE');
    expect((await codeOf(as('dee').labeling.create({ name: 'mine', dataset: 'texts', taskType: 'text-classification', labels: ['a'] }))).code).toMatch(/FORBIDDEN/);
    // An answer outside the labels is refused with the answer's code, and the lease stays.
    expect((await codeOf(as('ann').labeling.submit('sent', '0', { label: 'meh' }))).code).toBe('ORCH_LABELING_ANSWER_INVALID');
    const sub = await cli(['labeling', 'tasks', 'submit', 'sent', '--item', '0', '--answer', '{"label":"pos"}', '--json'], token.ann);
    expect(sub.code, sub.stdout + sub.stderr).toBe(0);
    expect(sub.json).toMatchObject({ item: '0', worker: 'ann', duplicate: false });
    // The same answer again is acknowledged once.
    expect(await as('ann').labeling.submit('sent', '0', { label: 'pos' })).toMatchObject({ duplicate: true });

    // ann and bob answer the truth; cyd answers wrong on items 1 and 3 and on the first gold item.
    const truth = new Map<string, string>([...TEXTS, ...GOLD].map(([s, t]) => [s, t]));
    const wrongOf = new Set([TEXTS[1][0], TEXTS[3][0], GOLD[0][0]]);
    const seen: Record<string, string[]> = { ann: ['0'], bob: [], cyd: [] };
    for (const who of ['ann', 'bob', 'cyd']) {
      for (;;) {
        const task = await as(who).labeling.next('sent');
        if (!task) break;
        const text = String(task.source.source);
        let label = truth.get(text)!;
        if (who === 'cyd' && wrongOf.has(text)) label = label === 'pos' ? 'neg' : 'pos';
        seen[who].push(task.item);
        expect((await as(who).labeling.submit('sent', task.item, { label })).duplicate).toBe(false);
      }
    }
    // Each got every item (six and two gold) exactly once.
    for (const who of ['ann', 'bob', 'cyd']) {
      expect(seen[who]).toHaveLength(8);
      expect(new Set(seen[who]).size).toBe(8);
    }
    // Every item has its three answers: nothing is left for a fourth labeler.
    await until('consolidation', async () => {
      const j = await admin.labeling.describe('sent');
      return j.status !== 'InProgress' && j.status !== 'Consolidating' && j;
    });
    expect(await as('dee').labeling.next('sent')).toBeNull();
    expect((await codeOf(as('dee').labeling.submit('sent', '0', { label: 'pos' }))).code).toBe('ORCH_LABELING_LEASE');

    const described = await cli(['labeling', 'jobs', 'describe', 'sent', '--json'], suite.admin);
    const job = described.json;
    expect(job).toMatchObject({ status: 'Completed', output: 'sent-labels@1', counts: { total: 6, labeled: 6, machineLabeled: 0, answers: 24, leased: 0 } });
    const stats = Object.fromEntries(job.workers.map((w: { worker: string }) => [w.worker, w]));
    expect(stats.ann).toMatchObject({ answers: 8, goldAnswered: 2, goldCorrect: 2, goldAccuracy: 1 });
    expect(stats.cyd).toMatchObject({ answers: 8, goldAnswered: 2, goldCorrect: 1, goldAccuracy: 0.5 });
    expect(stats.cyd.estimatedAccuracy).toBeLessThan(stats.ann.estimatedAccuracy);
    const listed = await cli(['labeling', 'jobs', 'list', '--status', 'Completed', '--json'], suite.admin);
    expect(listed.json.items.map((j: { name: string }) => j.name)).toContain('sent');

    const out = await admin.datasets.describe('sent-labels');
    expect(out).toMatchObject({ format: 'jsonl', rowCount: 6 });

    // A script-mode training job reads the manifest channel and checks the label attribute.
    const src = path.join(suite.dir, 'src');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'check.py'), CHECK_MANIFEST);
    const train = await cli(['train', '--name', 'reads-labels', '--script', path.join(src, 'check.py'), '--train', 'sent-labels@1', '--metric', 'train:label_accuracy=label_accuracy=([0-9.]+)', '--metric', 'train:lines=lines=([0-9]+)', '--wait', '--json'], suite.admin);
    expect(train.code, train.stdout + train.stderr).toBe(0);
    expect(train.json.status).toBe('Completed');
    // Dawid–Skene outvotes cyd's two wrong answers: every consolidated label is the truth.
    expect(train.json.finalMetrics['train:label_accuracy']).toBe(1);
    expect(train.json.finalMetrics['train:lines']).toBe(6);
  });

  it('an expired lease returns the item to the pool, never to the same labeler; a stopped job writes what was answered', async () => {
    await admin.labeling.create({ name: 'short', dataset: 'texts', taskType: 'text-classification', labels: ['pos', 'neg'], leaseSeconds: 1 });
    const taken = await as('dee').labeling.next('short');
    expect(taken?.item).toBe('0');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await codeOf(as('dee').labeling.submit('short', '0', { label: 'pos' }))).code).toBe('ORCH_LABELING_LEASE');
    // dee moves on to item 1; ann gets item 0 back from the pool.
    expect((await as('dee').labeling.next('short'))?.item).toBe('1');
    const back = await as('ann').labeling.next('short');
    expect(back?.item).toBe('0');
    // A one-second lease can run out on a busy machine: answer it only while it holds.
    const answered = await as('ann').labeling.submit('short', '0', { label: 'pos' }).then(() => true, () => false);
    const stopped = await admin.labeling.stop('short');
    expect(stopped.status).toBe('Stopping');
    const done = await until('stop', async () => {
      const j = await admin.labeling.describe('short');
      return (j.status === 'Stopped' || j.status === 'Failed') && j;
    });
    if (answered) expect(done).toMatchObject({ status: 'Stopped', output: 'short-labels@1', counts: { labeled: 1 } });
    else expect(done).toMatchObject({ status: 'Failed' });
    expect((await codeOf(as('ann').labeling.submit('short', '1', { label: 'pos' }))).code).toBe('ORCH_LABELING_LEASE');
    expect((await codeOf(as('cyd').labeling.next('short'))).code).toBe('ORCH_LABELING_NOT_RUNNING');
  });

  // The lease's check and insert hold the item's row, so racing `next` calls cannot over-lease it on either backend.
  it('labelers racing for items never put more than N leases on one', async () => {
    await admin.labeling.create({ name: 'race', dataset: 'texts', taskType: 'text-classification', labels: ['pos', 'neg'], annotatorsPerItem: 2 });
    const got = await Promise.all(
      LABELERS.map(async (who) => {
        const items: string[] = [];
        for (let i = 0; i < 4; i++) {
          const t = await as(who).labeling.next('race');
          if (t) items.push(t.item);
        }
        return items;
      }),
    );
    const perItem = new Map<string, number>();
    for (const items of got) {
      expect(new Set(items).size).toBe(items.length);
      for (const item of items) perItem.set(item, (perItem.get(item) ?? 0) + 1);
    }
    expect(Math.max(...perItem.values())).toBeLessThanOrEqual(2);
    const total = got.reduce((n, items) => n + items.length, 0);
    expect((await admin.labeling.describe('race')).counts.leased).toBe(total);
    // Twelve places for sixteen asks: the places are filled, bar those only a labeler who already holds the item could take.
    expect(total).toBeGreaterThanOrEqual(10);
  });

  it('refuses bad input, each with its code and every problem at once', async () => {
    // A workforce of four labelers cannot give each item five annotators.
    const small = await cli(['labeling', 'jobs', 'create', 'big', '--dataset', 'texts', '--task', 'text-classification', '--labels', 'pos,neg', '--annotators-per-item', '5', '--json'], suite.admin);
    expect(small.code).toBe(1);
    expect(small.json.code).toBe('ORCH_LABELING_WORKFORCE');
    // Several problems in one request, all listed.
    const many = await codeOf(admin.labeling.create({ name: 'bad', dataset: 'texts', taskType: 'ner', labels: ['a', 'a'], multiLabel: true, autoLabel: true }));
    expect(many.code).toBe('ORCH_LABELING_INVALID');
    expect((many.details?.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['autoLabel', 'labels', 'multiLabel']);
    expect((await codeOf(admin.labeling.create({ name: 'nodata', dataset: 'nope', taskType: 'ner', labels: ['a'] }))).code).toMatch(/ORCH_DATASET/);
    expect((await codeOf(admin.labeling.describe('nope'))).code).toBe('ORCH_LABELING_NOT_FOUND');
    expect((await codeOf(admin.labeling.create({ name: 'sent', dataset: 'texts', taskType: 'text-classification', labels: ['a'] }))).code).toBe('ORCH_LABELING_EXISTS');

    // Images: one missing, one that is not an image, one fine PNG.
    const png = path.join(suite.dir, 'ok.png');
    fs.writeFileSync(png, pngHeader(40, 30));
    await admin.artifacts.put('images/ok.png', png);
    const notImage = path.join(suite.dir, 'fake.png');
    fs.writeFileSync(notImage, 'not an image at all');
    await admin.artifacts.put('images/fake.png', notImage);
    const bad = path.join(suite.dir, 'bad-images.jsonl');
    fs.writeFileSync(bad, ['images/ok.png', 'images/missing.png', 'images/fake.png'].map((k) => JSON.stringify({ 'source-ref': k })).join('\n') + '\n');
    await admin.datasets.create({ name: 'bad-images', file: bad });
    const refused = await codeOf(admin.labeling.create({ name: 'boxes', dataset: 'bad-images', taskType: 'bounding-box', labels: ['cat'] }));
    expect(refused.code).toBe('ORCH_LABELING_SOURCE_MISSING');
    expect((refused.details?.errors as { code: string }[]).map((e) => e.code)).toEqual(['ORCH_LABELING_SOURCE_MISSING', 'ORCH_LABELING_IMAGE_INVALID']);

    // A box outside the 40×30 image is refused; one inside is taken.
    const good = path.join(suite.dir, 'images.jsonl');
    fs.writeFileSync(good, JSON.stringify({ 'source-ref': 'images/ok.png' }) + '\n');
    await admin.datasets.create({ name: 'images', file: good });
    await admin.labeling.create({ name: 'boxes', dataset: 'images', taskType: 'bounding-box', labels: ['cat'] });
    const task = await as('bob').labeling.next('boxes');
    expect(task?.image).toEqual({ width: 40, height: 30 });
    const outside = await codeOf(as('bob').labeling.submit('boxes', '0', { boxes: [{ label: 'cat', left: 30, top: 5, width: 20, height: 10 }] }));
    expect(outside.code).toBe('ORCH_LABELING_ANSWER_INVALID');
    await as('bob').labeling.submit('boxes', '0', { boxes: [{ label: 'cat', left: 5, top: 5, width: 20, height: 10 }] });
    const boxes = await until('boxes consolidated', async () => {
      const j = await admin.labeling.describe('boxes');
      return j.status !== 'InProgress' && j.status !== 'Consolidating' && j;
    });
    expect(boxes).toMatchObject({ status: 'Completed', output: 'boxes-labels@1' });
  });
});
