import type { IndexedAnswers } from './answers.js';
import { fitDawidSkene, resolveEmSettings, workerAccuracy } from './dawid-skene.js';
import { checkClasses, isFiniteNumber, Problems } from './problems.js';

/** One annotator's answer for one item of a multi-label task: the classes they selected. */
export interface MultiLabelAnswer {
  item: string;
  worker: string;
  labels: readonly string[];
}

export interface MultiLabelOptions {
  classes: readonly string[];
  /** @default 100 */
  maxIterations?: number;
  /** @default 1e-6 */
  tolerance?: number;
  /** @default 1 */
  smoothing?: number;
  /** A class is in an item's label set when P(present) is at least this. @default 0.5 */
  threshold?: number;
  /** Items whose label sets are known (item -> classes present). */
  gold?: ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>>;
}

export interface MultiLabelItem {
  /** The classes judged present, in the order of `classes`. */
  labels: string[];
  /** P(present) of each class in `labels`. */
  confidence: Record<string, number>;
  /** P(present) per class, in the order of `classes`. */
  posterior: number[];
}

export interface MultiLabelWorker {
  /** Mean over classes of the worker's expected accuracy on the present/absent decision. */
  accuracy: number;
  answers: number;
  /** Per class: the expected accuracy and the 2×2 confusion [[absent→absent, absent→present], [present→absent, present→present]]. */
  perClass: Record<string, { accuracy: number; confusion: number[][] }>;
}

export interface MultiLabelResult {
  items: Map<string, MultiLabelItem>;
  workers: Map<string, MultiLabelWorker>;
  /** EM iterations per class. */
  iterations: Record<string, number>;
}

/**
 * Multi-label consolidation: every class is its own binary Dawid–Skene problem
 * (present / absent), each worker's answer on an item saying "present" when the class is
 * among the labels they selected.
 */
export function dawidSkeneMultiLabel(answers: readonly MultiLabelAnswer[], options: MultiLabelOptions): MultiLabelResult {
  const { classes } = options;
  const settings = resolveEmSettings(options);
  const threshold = options.threshold ?? 0.5;
  const problems = new Problems();
  if (!isFiniteNumber(threshold) || threshold <= 0 || threshold > 1) problems.add('threshold', 'must be a number in (0, 1]');
  checkClasses(classes, problems);
  if (!Array.isArray(answers) || answers.length === 0) problems.add('answers', 'must be a non-empty list');
  problems.throwIfAny();

  const K = classes.length;
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const itemIndex = new Map<string, number>();
  const workerIndex = new Map<string, number>();
  const A = answers.length;
  const itemOf = new Int32Array(A);
  const workerOf = new Int32Array(A);
  /** A×K: 1 when the answer selected the class. */
  const selected = new Uint8Array(A * K);
  answers.forEach((a, i) => {
    const at = `answers[${i}]`;
    if (a === null || typeof a !== 'object') return problems.add(at, 'must be an object {item, worker, labels}');
    if (typeof a.item !== 'string' || a.item.length === 0) problems.add(`${at}.item`, 'must be a non-empty string');
    if (typeof a.worker !== 'string' || a.worker.length === 0) problems.add(`${at}.worker`, 'must be a non-empty string');
    if (!Array.isArray(a.labels)) problems.add(`${at}.labels`, 'must be a list of class names (empty when none applies)');
    else
      a.labels.forEach((l, j) => {
        const k = classIndex.get(l);
        if (k === undefined) problems.add(`${at}.labels[${j}]`, `unknown label ${JSON.stringify(l)}; the classes are ${classes.join(', ')}`);
        else selected[i * K + k] = 1;
      });
    if (problems.size > 0) return;
    let it = itemIndex.get(a.item);
    if (it === undefined) itemIndex.set(a.item, (it = itemIndex.size));
    let w = workerIndex.get(a.worker);
    if (w === undefined) workerIndex.set(a.worker, (w = workerIndex.size));
    itemOf[i] = it;
    workerOf[i] = w;
  });
  const N = itemIndex.size;
  const goldSets = new Map<number, Set<number>>();
  const gold = options.gold === undefined ? [] : options.gold instanceof Map ? [...options.gold.entries()] : Object.entries(options.gold);
  for (const [item, labels] of gold as [string, readonly string[]][]) {
    if (!Array.isArray(labels)) {
      problems.add(`gold.${item}`, 'must be a list of class names');
      continue;
    }
    const set = new Set<number>();
    labels.forEach((l, j) => {
      const k = classIndex.get(l);
      if (k === undefined) problems.add(`gold.${item}[${j}]`, `unknown label ${JSON.stringify(l)}`);
      else set.add(k);
    });
    const it = itemIndex.get(item);
    if (it !== undefined) goldSets.set(it, set);
  }
  problems.throwIfAny();

  const items = [...itemIndex.keys()];
  const workers = [...workerIndex.keys()];
  const present = new Float64Array(N * K);
  const perWorker = workers.map(() => ({ accuracy: 0, perClass: [] as [string, { accuracy: number; confusion: number[][] }][] }));
  const answerCount = new Float64Array(workers.length);
  for (let a = 0; a < A; a++) answerCount[workerOf[a]]++;
  const iterations: [string, number][] = [];
  for (let c = 0; c < K; c++) {
    const labelOf = new Int32Array(A);
    for (let a = 0; a < A; a++) labelOf[a] = selected[a * K + c];
    const x: IndexedAnswers = { items, workers, itemOf, workerOf, labelOf };
    const goldOf = new Int32Array(N).fill(-1);
    for (const [it, set] of goldSets) goldOf[it] = set.has(c) ? 1 : 0;
    const fit = fitDawidSkene(x, 2, goldOf, settings);
    iterations.push([classes[c], fit.iterations]);
    for (let i = 0; i < N; i++) present[i * K + c] = fit.posterior[i * 2 + 1];
    const { accuracy } = workerAccuracy(x, 2, fit.posterior);
    workers.forEach((_, w) => {
      const m = fit.confusion;
      perWorker[w].perClass.push([classes[c], { accuracy: accuracy[w], confusion: [[m[w * 4], m[w * 4 + 1]], [m[w * 4 + 2], m[w * 4 + 3]]] }]);
      perWorker[w].accuracy += accuracy[w] / K;
    });
  }

  const out = new Map<string, MultiLabelItem>();
  items.forEach((item, i) => {
    const posterior = Array.from(present.subarray(i * K, (i + 1) * K));
    const chosen = classes.map((c, k) => [c, posterior[k]] as const).filter(([, p]) => p >= threshold);
    // fromEntries defines own properties, so any class name (even "__proto__") is a plain key.
    out.set(item, { labels: chosen.map(([c]) => c), confidence: Object.fromEntries(chosen), posterior });
  });
  return {
    items: out,
    workers: new Map(workers.map((w, j) => [w, { accuracy: perWorker[j].accuracy, answers: answerCount[j], perClass: Object.fromEntries(perWorker[j].perClass) }])),
    iterations: Object.fromEntries(iterations),
  };
}
