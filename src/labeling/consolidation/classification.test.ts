import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { calibration } from './calibration.js';
import { dawidSkene } from './dawid-skene.js';
import { majorityVote } from './majority-vote.js';
import { dawidSkeneMultiLabel, type MultiLabelAnswer } from './multi-label.js';
import { crowdConfusion, seededRandom, simulateCrowd, spread } from './simulate.js';

const classes = ['a', 'b', 'c', 'd', 'e'];
const accuracies = spread(0.55, 0.9, 8);

function accuracy(items: Map<string, { label: string }>, truth: Map<string, string>): number {
  let hit = 0;
  for (const [item, label] of truth) if (items.get(item)!.label === label) hit++;
  return hit / truth.size;
}

function problemsOf(fn: () => unknown): { code: string; fields: string[] } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OrchardError);
    const e = err as OrchardError;
    return { code: e.code, fields: ((e.details?.errors ?? []) as { field: string }[]).map((p) => p.field) };
  }
  throw new Error('expected an error');
}

describe('dawidSkene', () => {
  it('recovers each annotator\'s confusion matrix from a simulated crowd', () => {
    const crowd = simulateCrowd({ items: 12000, classes, accuracies, perItem: 3, seed: 11, errors: 'adjacent', bias: 0.7 });
    const ds = dawidSkene(crowd.answers, { classes });
    expect(ds.converged).toBe(true);
    crowd.workers.forEach((w, j) => {
      const est = ds.workers.get(w)!;
      const a = accuracies[j];
      expect(Math.abs(est.accuracy - a), w).toBeLessThan(0.03);
      for (let k = 0; k < 5; k++) {
        const expected = crowdConfusion(a, 5, 'adjacent', 0.7)[k];
        est.confusion[k].forEach((p, l) => expect(Math.abs(p - expected[l]), `${w} ${k}->${l}`).toBeLessThan(0.06));
      }
    });
    ds.classPrior.forEach((p) => expect(Math.abs(p - 0.2)).toBeLessThan(0.02));
  });

  it('beats majority vote on a crowd whose accuracies spread from 0.55 to 0.9', () => {
    for (const errors of ['uniform', 'adjacent'] as const) {
      const crowd = simulateCrowd({ items: 6000, classes, accuracies, perItem: 3, seed: 5, errors });
      const ds = accuracy(dawidSkene(crowd.answers, { classes }).items, crowd.truth);
      const mv = accuracy(majorityVote(crowd.answers, { classes }).items, crowd.truth);
      // Uniform errors leave little to learn beyond who is reliable (about 2.5 points);
      // errors that favour one wrong class are what the confusion matrices capture.
      expect(ds - mv, errors).toBeGreaterThan(errors === 'uniform' ? 0.012 : 0.05);
    }
  });

  it('gives confidences in [0, 1] that are the label\'s posterior, posteriors summing to 1', () => {
    const crowd = simulateCrowd({ items: 500, classes, accuracies, perItem: 3, seed: 2 });
    const ds = dawidSkene(crowd.answers, { classes });
    for (const item of ds.items.values()) {
      expect(item.confidence).toBeGreaterThanOrEqual(0);
      expect(item.confidence).toBeLessThanOrEqual(1);
      expect(item.posterior.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
      expect(item.confidence).toBe(Math.max(...item.posterior));
      expect(item.label).toBe(classes[item.posterior.indexOf(item.confidence)]);
    }
    for (const w of ds.workers.values()) for (const row of w.confusion) expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
  });

  it('is deterministic', () => {
    const crowd = simulateCrowd({ items: 800, classes, accuracies, perItem: 3, seed: 9 });
    const a = dawidSkene(crowd.answers, { classes });
    const b = dawidSkene(crowd.answers, { classes });
    expect(b).toEqual(a);
  });

  it('clamps gold items to their label and learns from them', () => {
    const answers = [
      { item: 'g', worker: 'x', label: 'b' },
      { item: 'g', worker: 'y', label: 'b' },
      { item: 'h', worker: 'x', label: 'a' },
      { item: 'h', worker: 'y', label: 'b' },
    ];
    const ds = dawidSkene(answers, { classes: ['a', 'b'], gold: { g: 'a' } });
    expect(ds.items.get('g')).toMatchObject({ label: 'a', confidence: 1, posterior: [1, 0] });
    // Both workers said b on a gold a; the item they disagree on leans towards neither blindly.
    expect(ds.items.get('h')!.confidence).toBeLessThan(1);
    expect(ds.workers.get('x')!.confusion[0][1]).toBeGreaterThan(0.3);
    expect(dawidSkene(answers, { classes: ['a', 'b'], gold: new Map([['g', 'a']]) }).items.get('g')!.label).toBe('a');
  });

  it('keeps a sparse annotator near-uninformative instead of trusting one lucky answer', () => {
    const crowd = simulateCrowd({ items: 2000, classes, accuracies: [0.9, 0.85, 0.8], perItem: 3, seed: 4 });
    const answers = [...crowd.answers, { item: 'i0', worker: 'once', label: 'e' }];
    const ds = dawidSkene(answers, { classes });
    const once = ds.workers.get('once')!;
    expect(once.answers).toBe(1);
    for (const row of once.confusion) for (const p of row) expect(p).toBeGreaterThan(0.1);
    expect(ds.items.get('i0')!.label).toBe(majorityVote(crowd.answers, { classes }).items.get('i0')!.label);
  });

  it('takes each answer as given when no item has two answers (one annotator per item)', () => {
    const answers = Array.from({ length: 25 }, (_, i) => ({ item: `i${i}`, worker: i < 20 ? 'w1' : 'w2', label: i % 2 ? 'b' : 'a' }));
    const ds = dawidSkene(answers, { classes: ['a', 'b'] });
    for (const { item, label } of answers) {
      const got = ds.items.get(item)!;
      expect(got.label).toBe(label);
      // The worker's smoothed agreement with themselves: high, but not certainty.
      expect(got.confidence).toBeGreaterThan(0.75);
      expect(got.confidence).toBeLessThan(1);
    }
    expect(ds.converged).toBe(true);
    // The same with multi-label answers, one class at a time.
    const multi = dawidSkeneMultiLabel(
      answers.map((a) => ({ item: a.item, worker: a.worker, labels: [a.label] })),
      { classes: ['a', 'b'] },
    );
    for (const { item, label } of answers) expect(multi.items.get(item)!.labels).toEqual([label]);
  });

  it('refuses empty answers, unknown labels and bad options with every problem named', () => {
    expect(problemsOf(() => dawidSkene([], { classes }))).toEqual({ code: 'ORCH_LABELING_INVALID', fields: ['answers'] });
    const bad = problemsOf(() =>
      dawidSkene(
        [
          { item: 'i', worker: 'w', label: 'z' },
          { item: '', worker: 'w', label: 'a' },
        ],
        { classes, gold: { i: 'q' } },
      ),
    );
    expect(bad.code).toBe('ORCH_LABELING_INVALID');
    expect(bad.fields).toEqual(['answers[0].label', 'answers[1].item', 'gold.i']);
    expect(problemsOf(() => dawidSkene([{ item: 'i', worker: 'w', label: 'a' }], { classes, maxIterations: 0, tolerance: -1 })).fields).toEqual([
      'maxIterations',
      'tolerance',
    ]);
    expect(problemsOf(() => dawidSkene([{ item: 'i', worker: 'w', label: 'a' }], { classes: ['a', 'a'] })).fields).toEqual(['classes[1]']);
  });
});

describe('majorityVote', () => {
  it('takes the most chosen class, breaks ties by class order and reports the vote share', () => {
    const mv = majorityVote(
      [
        { item: 'i', worker: 'x', label: 'b' },
        { item: 'i', worker: 'y', label: 'b' },
        { item: 'i', worker: 'z', label: 'a' },
        { item: 'j', worker: 'x', label: 'c' },
        { item: 'j', worker: 'y', label: 'b' },
      ],
      { classes: ['a', 'b', 'c'] },
    );
    expect(mv.items.get('i')).toEqual({ label: 'b', confidence: 2 / 3, votes: [1, 2, 0] });
    expect(mv.items.get('j')).toEqual({ label: 'b', confidence: 0.5, votes: [0, 1, 1] });
    expect(mv.workers.get('z')).toEqual({ agreement: 0, answers: 1 });
    expect(mv.workers.get('y')).toEqual({ agreement: 1, answers: 2 });
  });
});

describe('dawidSkeneMultiLabel', () => {
  it('consolidates each class as a binary Dawid–Skene problem', () => {
    const rnd = seededRandom(3);
    const labels = ['cat', 'dog', 'car'];
    const acc = [0.95, 0.9, 0.75, 0.6, 0.6];
    const answers: MultiLabelAnswer[] = [];
    const truth = new Map<string, Set<string>>();
    for (let i = 0; i < 3000; i++) {
      const present = new Set(labels.filter(() => rnd() < 0.4));
      truth.set(`i${i}`, present);
      for (let w = 0; w < acc.length; w++) {
        if (rnd() < 0.4) continue; // not everyone answers every item
        answers.push({ item: `i${i}`, worker: `w${w}`, labels: labels.filter((l) => (rnd() < acc[w] ? present.has(l) : !present.has(l))) });
      }
    }
    const ml = dawidSkeneMultiLabel(answers, { classes: labels });
    const byItem = new Map<string, MultiLabelAnswer[]>();
    for (const a of answers) byItem.set(a.item, [...(byItem.get(a.item) ?? []), a]);
    let exact = 0;
    let decisions = 0;
    let right = 0;
    let voted = 0;
    for (const [item, set] of truth) {
      const got = ml.items.get(item);
      if (!got) continue;
      if (got.labels.length === set.size && got.labels.every((l) => set.has(l))) exact++;
      labels.forEach((l, k) => {
        decisions++;
        if (got.posterior[k] >= 0.5 === set.has(l)) right++;
        const said = byItem.get(item)!;
        if (said.filter((a) => a.labels.includes(l)).length * 2 > said.length === set.has(l)) voted++;
        if (got.labels.includes(l)) expect(got.confidence[l]).toBe(got.posterior[k]);
      });
    }
    // With these accuracies the Bayes rule with the true ones is right on about 0.90 of the
    // decisions, the per-class vote on about 0.85.
    expect(right / decisions).toBeGreaterThan(0.88);
    expect((right - voted) / decisions).toBeGreaterThan(0.03);
    expect(exact / ml.items.size).toBeGreaterThan(0.7);
    acc.forEach((a, w) => expect(Math.abs(ml.workers.get(`w${w}`)!.accuracy - a)).toBeLessThan(0.04));
    expect(Object.keys(ml.iterations)).toEqual(labels);
  });

  it('clamps gold label sets and names bad labels', () => {
    const answers = [
      { item: 'i', worker: 'x', labels: ['a'] },
      { item: 'i', worker: 'y', labels: ['a'] },
    ];
    const ml = dawidSkeneMultiLabel(answers, { classes: ['a', 'b'], gold: { i: ['b'] } });
    expect(ml.items.get('i')).toMatchObject({ labels: ['b'], posterior: [0, 1] });
    expect(problemsOf(() => dawidSkeneMultiLabel([{ item: 'i', worker: 'x', labels: ['a', 'zz'] }], { classes: ['a'] })).fields).toEqual(['answers[0].labels[1]']);
  });
});

describe('calibration', () => {
  it('bins confidences and weighs each bin\'s gap by its share', () => {
    const c = calibration([0.95, 0.95, 0.55, 0.55, 1], [true, false, true, true, true], 10);
    expect(c.bins[9]).toMatchObject({ count: 3, accuracy: 2 / 3 });
    expect(c.bins[9].confidence).toBeCloseTo((0.95 + 0.95 + 1) / 3, 12);
    expect(c.bins[5]).toMatchObject({ count: 2, accuracy: 1, confidence: 0.55 });
    expect(c.ece).toBeCloseTo((3 / 5) * Math.abs(2 / 3 - 2.9 / 3) + (2 / 5) * 0.45, 12);
    expect(Number.isNaN(c.bins[0].accuracy)).toBe(true);
  });
});
