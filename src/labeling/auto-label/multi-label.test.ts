import { describe, expect, it } from 'vitest';
import type { CreateLabelingJobInput } from '../../contracts/index.js';
import { withMachineLines } from './machine-lines.js';
import { decodeMachineLabels, encodeMachineLabels, heldOutMultiLabel, labelSetKey, multiLabelDecision } from './multi-label.js';
import { autoLabelProblems } from './settings.js';
import { chooseThreshold } from './threshold.js';
import { mulberry32 as rng } from '../../../test/support/random.js';

const CLASSES = ['sports', 'politics', 'weather'];

interface Example {
  x: number[];
  truth: string[];
}

/**
 * Items with two features per class: high when the class is present, low when not, with
 * noise (learnable); or features and label sets drawn independently (unlearnable).
 */
function examples(n: number, seed: number, learnable: boolean): Example[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const truth = CLASSES.filter(() => r() < 0.4);
    const x = CLASSES.flatMap((c) => {
      const on = learnable && truth.includes(c) ? 1 : 0;
      return [on * 2 + (r() - 0.5) * 1.2, on * 1.5 + (r() - 0.5) * 1.2];
    });
    return { x, truth };
  });
}

/** A logistic regression (batch gradient descent): a stand-in for one class's binary model. */
function fitBinary(rows: number[][], y: number[]): (x: number[]) => number {
  const d = rows[0].length;
  const w = new Float64Array(d);
  let b = 0;
  const p = (x: number[]) => 1 / (1 + Math.exp(-(x.reduce((s, v, j) => s + v * w[j], b))));
  for (let epoch = 0; epoch < 300; epoch++) {
    const gw = new Float64Array(d);
    let gb = 0;
    rows.forEach((x, i) => {
      const e = p(x) - y[i];
      for (let j = 0; j < d; j++) gw[j] += e * x[j];
      gb += e;
    });
    for (let j = 0; j < d; j++) w[j] -= (0.5 * gw[j]) / rows.length + 0.001 * w[j];
    b -= (0.5 * gb) / rows.length;
  }
  return p;
}

/** One-vs-rest: a binary model per class; P(present) per class. */
function fitOneVsRest(train: Example[]): (x: number[]) => number[] {
  const models = CLASSES.map((c) => fitBinary(train.map((e) => e.x), train.map((e) => (e.truth.includes(c) ? 1 : 0))));
  return (x) => models.map((m) => m(x));
}

/** The round as the labeling jobs run it: 5-fold held-out scores, the threshold, then the machine labels of the unlabeled items. */
function round(human: Example[], unlabeled: Example[], target: number) {
  const k = 5;
  const held = Array.from({ length: k }, (_, f) => {
    const model = fitOneVsRest(human.filter((_, i) => i % k !== f));
    return heldOutMultiLabel(human.filter((_, i) => i % k === f).map((e) => ({ truth: e.truth, probs: model(e.x) })), CLASSES);
  }).flat();
  const choice = chooseThreshold(held, target);
  const model = fitOneVsRest(human);
  const machine = choice.threshold === null ? [] : unlabeled.map((e) => ({ e, d: multiLabelDecision(model(e.x), CLASSES) })).filter((m) => m.d.confidence >= choice.threshold!);
  return { held, choice, machine };
}

describe('multi-label automated labeling', () => {
  it('on a learnable set: the threshold reaches the target on held-out labels, and machine label sets are mostly exact', () => {
    const { held, choice, machine } = round(examples(200, 1, true), examples(400, 2, true), 0.95);
    expect(held).toHaveLength(200);
    expect(choice.threshold).not.toBeNull();
    expect(choice.accuracy!).toBeGreaterThanOrEqual(0.95);
    // A held-out estimate that counts one imagined mistake: at least 19 items behind it.
    expect(choice.covered).toBeGreaterThanOrEqual(19);
    expect(machine.length).toBeGreaterThan(100);
    const exact = machine.filter((m) => labelSetKey(m.d.labels.map((l) => l.label), CLASSES) === labelSetKey(m.e.truth, CLASSES)).length;
    expect(exact / machine.length).toBeGreaterThanOrEqual(0.95);
    // Every class decision of a machine-labeled item clears the threshold.
    for (const m of machine) for (const l of m.d.labels) expect(l.confidence).toBeGreaterThanOrEqual(choice.threshold!);
  });

  it('on an unlearnable set (labels independent of the features): nothing is labeled by machine', () => {
    const { choice, machine } = round(examples(200, 3, false), examples(400, 4, false), 0.95);
    expect(choice.threshold).toBeNull();
    expect(machine).toHaveLength(0);
  });

  it("an item's confidence is its least sure class decision; a set is right only when whole", () => {
    const d = multiLabelDecision([0.97, 0.1, 0.6], CLASSES);
    expect(d.labels).toEqual([
      { label: 'sports', confidence: 0.97 },
      { label: 'weather', confidence: 0.6 },
    ]);
    expect(d.confidence).toBeCloseTo(0.6);
    expect(multiLabelDecision([0.02, 0.01, 0.03], CLASSES)).toEqual({ labels: [], confidence: 0.97 });
    expect(multiLabelDecision([NaN, 0.5, 0.5], CLASSES).confidence).toBe(0);
    expect(labelSetKey(['weather', 'sports', 'sports'], CLASSES)).toBe(labelSetKey(['sports', 'weather'], CLASSES));
    const held = heldOutMultiLabel(
      [
        { truth: ['sports', 'weather'], probs: [0.9, 0.1, 0.8] },
        { truth: ['sports'], probs: [0.9, 0.1, 0.8] },
        { truth: [], probs: [0.1, 0.1, 0.1] },
      ],
      CLASSES,
    );
    expect(held.map((h) => h.correct)).toEqual([true, false, true]);
  });

  it('a stored machine label round-trips; text that is not a stored set is none', () => {
    const stored = encodeMachineLabels({ labels: [{ label: 'politics', confidence: 0.93 }] });
    expect(decodeMachineLabels(stored)).toEqual([{ label: 'politics', confidence: 0.93 }]);
    expect(decodeMachineLabels(encodeMachineLabels({ labels: [] }))).toEqual([]);
    expect(decodeMachineLabels('politics')).toBeNull();
  });

  it("writes Ground Truth's multi-label line for a machine label, human-annotated \"no\"", () => {
    const items = [
      { item: '0', source: { source: 'a' }, answered: true, gold: false },
      { item: '1', source: { source: 'b' }, answered: false, gold: false },
      { item: '2', source: { source: 'c' }, answered: false, gold: false },
    ];
    const human = [{ source: 'a', j: [0], 'j-metadata': { 'human-annotated': 'yes' } }];
    const label = encodeMachineLabels({ labels: [{ label: 'sports', confidence: 0.98 }, { label: 'weather', confidence: 0.961 }] });
    const none = encodeMachineLabels({ labels: [] });
    const { lines, machineLines } = withMachineLines(
      items,
      human,
      [
        { job: 'j', item: '1', label, confidence: 0.96, round: 1, created_at: '2026-01-01T00:00:00Z' },
        { job: 'j', item: '2', label: none, confidence: 0.97, round: 1, created_at: '2026-01-01T00:00:00Z' },
      ],
      { jobName: 'j', attribute: 'j', classes: CLASSES, image: false, multiLabel: true },
    );
    expect(machineLines).toBe(2);
    expect(lines[0]).toBe(human[0]);
    expect(lines[1]).toMatchObject({
      source: 'b',
      j: [0, 2],
      'j-metadata': { 'human-annotated': 'no', type: 'groundtruth/text-classification-multilabel', 'class-map': { '0': 'sports', '2': 'weather' }, 'confidence-map': { '0': 0.98, '2': 0.961 } },
    });
    expect(lines[2]).toMatchObject({ source: 'c', j: [], 'j-metadata': { 'human-annotated': 'no', 'class-map': {}, 'confidence-map': {} } });
    const image = withMachineLines([items[1]], [], [{ job: 'j', item: '1', label, confidence: 0.96, round: 1, created_at: '2026-01-01T00:00:00Z' }], { jobName: 'j', attribute: 'j', classes: CLASSES, image: true, multiLabel: true });
    expect(image.lines[0]['j-metadata']).toMatchObject({ type: 'groundtruth/image-classification-multilabel' });
  });

  it('accepts automated labeling of multi-label classification; still refuses other tasks', () => {
    const problems = (input: Partial<CreateLabelingJobInput>) => {
      const out: string[] = [];
      autoLabelProblems({ name: 'j', dataset: 'd', labels: CLASSES, autoLabel: true, ...input } as CreateLabelingJobInput, (field, message) => out.push(`${field}: ${message}`));
      return out;
    };
    expect(problems({ taskType: 'text-classification', multiLabel: true })).toEqual([]);
    expect(problems({ taskType: 'image-classification', multiLabel: true })).toEqual([]);
    expect(problems({ taskType: 'ner', multiLabel: true })).toHaveLength(1);
  });
});
