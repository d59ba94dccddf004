import { checkClasses, Problems } from './problems.js';

/** One annotator's answer for one item of a single-label task. */
export interface ClassAnswer {
  item: string;
  worker: string;
  label: string;
}

/** Gold labels: item -> class, as a Map or a plain object. */
export type GoldLabels = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/** Answers as integer arrays: one entry per answer, items and workers in order of first appearance. */
export interface IndexedAnswers {
  items: string[];
  workers: string[];
  itemOf: Int32Array;
  workerOf: Int32Array;
  labelOf: Int32Array;
}

export const goldEntries = (gold: GoldLabels | undefined): [string, string][] =>
  gold === undefined ? [] : gold instanceof Map ? [...gold.entries()] : Object.entries(gold as Record<string, string>);

/**
 * Checks answers and gold against the classes and indexes them; every problem is
 * reported at once as `ORCH_LABELING_INVALID`.
 */
export function indexAnswers(answers: readonly ClassAnswer[], classes: readonly string[], gold?: GoldLabels): { indexed: IndexedAnswers; gold: Int32Array } {
  const problems = new Problems();
  checkClasses(classes, problems);
  if (!Array.isArray(answers) || answers.length === 0) problems.add('answers', 'must be a non-empty list');
  problems.throwIfAny();

  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const itemIndex = new Map<string, number>();
  const workerIndex = new Map<string, number>();
  const n = answers.length;
  const itemOf = new Int32Array(n);
  const workerOf = new Int32Array(n);
  const labelOf = new Int32Array(n);
  answers.forEach((a, i) => {
    const at = `answers[${i}]`;
    if (a === null || typeof a !== 'object') {
      problems.add(at, 'must be an object {item, worker, label}');
      return;
    }
    if (typeof a.item !== 'string' || a.item.length === 0) problems.add(`${at}.item`, 'must be a non-empty string');
    if (typeof a.worker !== 'string' || a.worker.length === 0) problems.add(`${at}.worker`, 'must be a non-empty string');
    const label = classIndex.get(a.label);
    if (label === undefined) problems.add(`${at}.label`, `unknown label ${JSON.stringify(a.label)}; the classes are ${classes.join(', ')}`);
    if (problems.size > 0) return;
    let it = itemIndex.get(a.item);
    if (it === undefined) itemIndex.set(a.item, (it = itemIndex.size));
    let w = workerIndex.get(a.worker);
    if (w === undefined) workerIndex.set(a.worker, (w = workerIndex.size));
    itemOf[i] = it;
    workerOf[i] = w;
    labelOf[i] = label!;
  });

  const goldOf = new Int32Array(itemIndex.size).fill(-1);
  for (const [item, label] of goldEntries(gold)) {
    const k = classIndex.get(label);
    if (k === undefined) {
      problems.add(`gold.${item}`, `unknown label ${JSON.stringify(label)}; the classes are ${classes.join(', ')}`);
      continue;
    }
    // A gold item nobody answered has nothing to consolidate; it is ignored.
    const it = itemIndex.get(item);
    if (it !== undefined) goldOf[it] = k;
  }
  problems.throwIfAny();
  return { indexed: { items: [...itemIndex.keys()], workers: [...workerIndex.keys()], itemOf, workerOf, labelOf }, gold: goldOf };
}

/** Index of the largest value; ties go to the smaller index, so results are deterministic. */
export function argmax(values: ArrayLike<number>, from = 0, length = values.length): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (values[from + k] > values[from + best]) best = k;
  return best;
}
