import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskPng } from '../../src/labeling/consolidation/png.js';
import { Orchard } from '../../src/sdk/index.js';
import { backends } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';
import { mulberry32 as rng } from '../support/random.js';
import { refusalOf as codeOf } from '../support/refusals.js';

const POS = ['great', 'wonderful', 'superb', 'delightful', 'moving', 'brilliant', 'charming', 'fun'];
const NEG = ['dull', 'boring', 'awful', 'tedious', 'bland', 'clumsy', 'weak', 'messy'];
const FILLER = ['film', 'plot', 'cast', 'story', 'ending', 'the', 'a', 'was', 'and', 'score'];

/** Reviews whose class is known: two words of their class among filler words. */
function reviews(n: number): { source: string; truth: 'pos' | 'neg' }[] {
  const r = rng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const truth = i % 2 === 0 ? 'pos' : 'neg';
    const words = [pick(FILLER), pick(FILLER), pick(FILLER), pick(truth === 'pos' ? POS : NEG), pick(truth === 'pos' ? POS : NEG)];
    words.sort(() => r() - 0.5);
    return { source: words.join(' '), truth };
  });
}

const REVIEWS = reviews(100);

const SPORT = ['match', 'goal', 'league'];
const MUSIC = ['album', 'guitar', 'concert'];

/** Headlines tagged with any of sport and music (none, one or both, in turn): two words of each tag among filler words. */
function headlines(n: number): { source: string; truth: string[] }[] {
  const r = rng(13);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const truth = [[], ['sport'], ['music'], ['sport', 'music']][i % 4];
    const words = [pick(FILLER), pick(FILLER), pick(FILLER)];
    if (truth.includes('sport')) words.push(pick(SPORT), pick(SPORT));
    if (truth.includes('music')) words.push(pick(MUSIC), pick(MUSIC));
    words.sort(() => r() - 0.5);
    return { source: words.join(' '), truth };
  });
}

/** 12×12 images of a horizontal or a vertical bar near the middle (a linear model separates them), with speckles. */
function barImage(kind: 'h' | 'v', r: () => number): Buffer {
  const mask = new Uint8Array(144);
  const at = 4 + Math.floor(r() * 3);
  for (let k = 0; k < 12; k++) {
    mask[kind === 'h' ? at * 12 + k : k * 12 + at] = 1;
    mask[kind === 'h' ? (at + 1) * 12 + k : k * 12 + at + 1] = 1;
  }
  for (let s = 0; s < 6; s++) mask[Math.floor(r() * 144)] = 1;
  return encodeMaskPng(mask, 12, 12, ['#000000', '#ffffff']);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}


// Both backends side by side, and the cases of each at once (suites marked concurrent): a case
// spends most of its time waiting for a round's small training jobs and the label step's looks at
// them, so together they take little more than the slowest.
describe.concurrent.each(backends)('automated labeling on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-labeling-auto-' });
  let admin: Orchard;
  let ann: Orchard;

  beforeAll(async () => {
    admin = new Orchard(suite.admin);
    await admin.users.create({ name: 'ann', role: 'labeler' });
    ann = new Orchard({ url: suite.admin.url, token: (await admin.tokens.create({ user: 'ann', name: 'labeling' })).token });
    // The text case's dataset, which the refusals (run at the same time) name too.
    const file = path.join(suite.dir, 'reviews.jsonl');
    fs.writeFileSync(file, REVIEWS.map((x) => JSON.stringify(x)).join('\n') + '\n');
    await admin.datasets.create({ name: 'reviews', file });
  });

  /** ann answers the truth for `n` items (or all she is given); the items she got. A list is a multi-label answer. */
  async function label(job: string, truthOf: (source: Record<string, unknown>) => string | string[], n = Infinity): Promise<string[]> {
    const got: string[] = [];
    while (got.length < n) {
      const task = await ann.labeling.next(job);
      if (!task) break;
      got.push(task.item);
      const truth = truthOf(task.source);
      await ann.labeling.submit(job, task.item, Array.isArray(truth) ? { labels: truth } : { label: truth });
    }
    return got;
  }

  /** The output manifest's lines. */
  async function manifest(ref: string): Promise<Record<string, any>[]> {
    const v = await admin.datasets.describe(ref);
    const chunks: Buffer[] = [];
    for await (const c of await admin.artifacts.get(v.sourceUri.slice(v.sourceUri.indexOf('datasets/')))) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  }

  it('text: after the first human batch a training job is trained, the sure items are labeled by machine, the rest go to people', async () => {
    const created = await cli(
      ['labeling', 'jobs', 'create', 'rev', '--dataset', 'reviews', '--task', 'text-classification', '--labels', 'pos,neg', '--auto-label', '--auto-label-accuracy', '0.8', '--auto-label-batch', '0.3', '--json'],
      suite.admin,
    );
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json).toMatchObject({ counts: { total: 100, machineLabeled: 0 }, autoLabel: { targetAccuracy: 0.8, batch: 0.3, state: 'Idle', rounds: 0, nextRoundAt: 30 } });

    const truthOf = (s: Record<string, unknown>) => String(s.truth);
    const first = await label('rev', truthOf, 30);
    expect(first).toHaveLength(30);
    // The 30th answer starts round 1: a linear-learner training job on the human labels, then the machine labels.
    const afterRound = await until('round 1', async () => {
      const j = await admin.labeling.describe('rev');
      return j.autoLabel!.rounds >= 1 && j.autoLabel!.state === 'Idle' && j;
    });
    expect(afterRound.autoLabel!.note).toBeNull();
    expect(afterRound.autoLabel!.threshold).not.toBeNull();
    const training = await admin.training.describe(afterRound.autoLabel!.trainingJob ?? 'rev-auto-r1');
    expect(training).toMatchObject({ name: 'rev-auto-r1', status: 'Completed', algorithm: 'linear-learner', tags: { 'labeling-job': 'rev', 'auto-label-round': '1' } });
    expect(afterRound.counts.machineLabeled).toBeGreaterThan(20);
    expect(afterRound.autoLabel!.estimatedAccuracy).toBeGreaterThanOrEqual(0.8);

    // People are given only what the machine left, and never an item twice.
    const rest = await label('rev', truthOf);
    expect(new Set([...first, ...rest]).size).toBe(first.length + rest.length);
    const done = await until('consolidation', async () => {
      const j = await admin.labeling.describe('rev');
      return j.status === 'Completed' && j;
    });
    expect(done.counts.labeled + done.counts.machineLabeled).toBe(100);
    expect(done.counts.labeled).toBe(first.length + rest.length);
    const described = await cli(['labeling', 'jobs', 'describe', 'rev'], suite.admin);
    expect(described.stdout).toMatch(/machine labeled\s+\d+/);

    // The manifest: every item once, machine labels marked and right (the classes are separable).
    const lines = await manifest(done.output!);
    expect(lines).toHaveLength(100);
    const machine = lines.filter((l) => l['rev-metadata']['human-annotated'] === 'no');
    expect(machine).toHaveLength(done.counts.machineLabeled);
    expect(machine.filter((l) => l['rev-metadata']['class-name'] === l.truth).length / machine.length).toBeGreaterThanOrEqual(0.95);
    for (const l of machine) expect(l['rev-metadata'].confidence).toBeGreaterThanOrEqual(done.autoLabel!.threshold! - 1e-9);
    // People's lines (one labeler per item, who answered the truth) keep their answers.
    const human = lines.filter((l) => l['rev-metadata']['human-annotated'] === 'yes');
    expect(human.length).toBe(100 - machine.length);
    expect(human.every((l) => l['rev-metadata']['class-name'] === l.truth)).toBe(true);
  }, 600_000);

  // Twelve training jobs a round (a binary model per class per fold): on SQLite + files only. The
  // round's storage and queue on PostgreSQL + S3 are the text and image cases' (same steps, same
  // tables and artifacts); the multi-label decision itself is src/labeling/auto-label's unit tests'.
  if (backend === backends[0]) it('multi-label text: one binary model per class, machine labels only where every class is sure, whole label sets right', async () => {
    const items = headlines(100);
    const file = path.join(suite.dir, 'headlines.jsonl');
    fs.writeFileSync(file, items.map((x) => JSON.stringify(x)).join('\n') + '\n');
    await admin.datasets.create({ name: 'headlines', file });
    const created = await cli(
      ['labeling', 'jobs', 'create', 'tags', '--dataset', 'headlines', '--task', 'text-classification', '--labels', 'sport,music', '--multi-label', '--auto-label', '--auto-label-accuracy', '0.8', '--auto-label-batch', '0.4', '--json'],
      suite.admin,
    );
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json).toMatchObject({ multiLabel: true, counts: { total: 100, machineLabeled: 0 }, autoLabel: { targetAccuracy: 0.8, state: 'Idle', rounds: 0, nextRoundAt: 40 } });

    const truthOf = (s: Record<string, unknown>) => s.truth as string[];
    const first = await label('tags', truthOf, 40);
    expect(first).toHaveLength(40);
    const afterRound = await until('round 1', async () => {
      const j = await admin.labeling.describe('tags');
      return j.autoLabel!.rounds >= 1 && j.autoLabel!.state === 'Idle' && j;
    }, 600_000);
    expect(afterRound.autoLabel!.note).toBeNull();
    expect(afterRound.autoLabel!.threshold).not.toBeNull();
    // A model per class: tags-auto-r1-c0 (sport) and tags-auto-r1-c1 (music), each a binary linear learner.
    for (const c of [0, 1]) {
      const t = await admin.training.describe(`tags-auto-r1-c${c}`);
      expect(t).toMatchObject({ status: 'Completed', algorithm: 'linear-learner', hyperParameters: { predictor_type: 'binary_classifier' }, tags: { 'labeling-job': 'tags', 'auto-label-model': `class-${c}-all` } });
    }
    expect(afterRound.counts.machineLabeled).toBeGreaterThan(20);
    expect(afterRound.autoLabel!.estimatedAccuracy).toBeGreaterThanOrEqual(0.8);

    const rest = await label('tags', truthOf);
    expect(new Set([...first, ...rest]).size).toBe(first.length + rest.length);
    const done = await until('consolidation', async () => {
      const j = await admin.labeling.describe('tags');
      return j.status === 'Completed' && j;
    }, 600_000);
    expect(done.counts.labeled + done.counts.machineLabeled).toBe(100);

    // Machine lines: Ground Truth's multi-label shape, human-annotated "no"; whole label sets right at the target accuracy.
    const lines = await manifest(done.output!);
    expect(lines).toHaveLength(100);
    const machine = lines.filter((l) => l['tags-metadata']['human-annotated'] === 'no');
    expect(machine).toHaveLength(done.counts.machineLabeled);
    const setOf = (l: Record<string, any>) => JSON.stringify((l.tags as number[]).map((k) => ['sport', 'music'][k]).sort());
    expect(machine.filter((l) => setOf(l) === JSON.stringify([...l.truth].sort())).length / machine.length).toBeGreaterThanOrEqual(0.8);
    for (const l of machine) {
      expect(l['tags-metadata'].type).toBe('groundtruth/text-classification-multilabel');
      expect(Object.keys(l['tags-metadata']['class-map']).map(Number)).toEqual(l.tags);
      // Every class judged present is at least as sure as the item (its least sure decision).
      for (const v of Object.values(l['tags-metadata']['confidence-map']) as number[]) expect(v).toBeGreaterThanOrEqual(done.autoLabel!.threshold! - 1e-3);
    }
    const human = lines.filter((l) => l['tags-metadata']['human-annotated'] === 'yes');
    expect(human.every((l) => setOf(l) === JSON.stringify([...l.truth].sort()))).toBe(true);
  }, 900_000);

  it('image: pixels of PNG items train the model; a JPEG that does not decode (its header only) is left to people', async () => {
    const r = rng(11);
    const lines: string[] = [];
    for (let i = 0; i < 80; i++) {
      const kind = i % 2 === 0 ? 'h' : 'v';
      const f = path.join(suite.dir, `bar-${i}.png`);
      fs.writeFileSync(f, barImage(kind, r));
      await admin.artifacts.put(`bars/${i}.png`, f);
      lines.push(JSON.stringify({ 'source-ref': `bars/${i}.png`, truth: kind }));
    }
    // A JPEG (its header only: enough for create, nothing the model reads).
    const jpeg = path.join(suite.dir, 'x.jpg');
    fs.writeFileSync(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x0c, 0x00, 0x0c, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xd9]));
    await admin.artifacts.put('bars/x.jpg', jpeg);
    lines.push(JSON.stringify({ 'source-ref': 'bars/x.jpg', truth: 'h' }));
    const file = path.join(suite.dir, 'bars.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    await admin.datasets.create({ name: 'bars', file });
    const job = await admin.labeling.create({ name: 'bars', dataset: 'bars', taskType: 'image-classification', labels: ['h', 'v'], autoLabel: true, autoLabelAccuracy: 0.75, autoLabelBatch: 0.4 });
    expect(job.autoLabel).toMatchObject({ nextRoundAt: 33, rounds: 0 });

    const truthOf = (s: Record<string, unknown>) => String(s.truth);
    const first = await label('bars', truthOf, 33);
    const round = await until('round 1', async () => {
      const j = await admin.labeling.describe('bars');
      return j.autoLabel!.rounds >= 1 && j.autoLabel!.state === 'Idle' && j;
    });
    expect(round.autoLabel!.note).toBeNull();
    expect(round.counts.machineLabeled).toBeGreaterThan(10);
    const rest = await label('bars', truthOf);
    // The broken JPEG could not be read as pixels: a person labeled it.
    const items = [...first, ...rest];
    expect(items).toContain('80');
    const done = await until('consolidation', async () => {
      const j = await admin.labeling.describe('bars');
      return j.status === 'Completed' && j;
    });
    expect(done.counts.labeled + done.counts.machineLabeled).toBe(81);
    const out = await manifest(done.output!);
    const machine = out.filter((l) => l['bars-metadata']['human-annotated'] === 'no');
    expect(machine.length).toBe(done.counts.machineLabeled);
    expect(machine.every((l) => l['bars-metadata'].type === 'groundtruth/image-classification')).toBe(true);
    expect(machine.filter((l) => l['bars-metadata']['class-name'] === l.truth).length / machine.length).toBeGreaterThanOrEqual(0.95);
  }, 600_000);

  it('refuses automated labeling where it does not apply, with every problem listed', async () => {
    const refused = await codeOf(admin.labeling.create({ name: 'nope', dataset: 'reviews', taskType: 'ner', labels: ['x'], autoLabel: true }));
    expect(refused.code).toBe('ORCH_LABELING_INVALID');
    const fields = (refused.details?.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['autoLabel']));
    expect((refused.details?.errors as { message: string }[]).some((e) => /two labels/.test(e.message))).toBe(true);
    const stray = await codeOf(admin.labeling.create({ name: 'nope', dataset: 'reviews', taskType: 'text-classification', labels: ['a', 'b'], autoLabelAccuracy: 0.9 }));
    expect(stray.code).toBe('ORCH_LABELING_INVALID');
    const range = await cli(['labeling', 'jobs', 'create', 'nope', '--dataset', 'reviews', '--task', 'text-classification', '--labels', 'a,b', '--auto-label', '--auto-label-accuracy', '1.5', '--json'], suite.admin);
    expect(range.code).not.toBe(0);
    expect(range.stdout + range.stderr).toMatch(/autoLabelAccuracy/);
  });
});
