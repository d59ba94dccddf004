/**
 * Dawid & Skene (1979), "Maximum likelihood estimation of observer error-rates using
 * the EM algorithm", Applied Statistics 28(1): each worker w has a confusion matrix
 * pi_w[k][l] = P(w answers l | true class k); items' true classes are latent.
 *
 * E-step: T[i][k] ∝ p[k] · Π_{answers (w, l) of i} pi_w[k][l]   (in logs)
 * M-step: pi_w[k][l] = (α + Σ_{i answered l by w} T[i][k]) / (K·α + Σ_{i answered by w} T[i][k])
 *         p[k]       = (1 + Σ_i T[i][k]) / (K + N)
 * α is a Laplace pseudo-count on every confusion cell (a Dirichlet(α+1) MAP estimate), so
 * a worker with few answers keeps a near-uniform, hence nearly uninformative, matrix
 * instead of a degenerate 0/1 one. Gold items keep a one-hot posterior throughout.
 */
import { argmax, indexAnswers, type ClassAnswer, type GoldLabels, type IndexedAnswers } from './answers.js';
import { isFiniteNumber, Problems } from './problems.js';

export interface DawidSkeneOptions {
  classes: readonly string[];
  /** @default 100 */
  maxIterations?: number;
  /** EM stops when no posterior moves by more than this between two iterations. @default 1e-6 */
  tolerance?: number;
  /** Items whose class is known: their posterior is clamped to it (a gold item nobody answered is ignored). */
  gold?: GoldLabels;
  /** Laplace pseudo-count added to every confusion-matrix cell. @default 1 */
  smoothing?: number;
}

export interface DawidSkeneItem {
  label: string;
  /** The posterior probability of `label`, in [0, 1]. */
  confidence: number;
  /** P(true class = k | answers), in the order of `classes`. */
  posterior: number[];
}

export interface DawidSkeneWorker {
  /** Expected share of this worker's answers that are correct under the posteriors. */
  accuracy: number;
  answers: number;
  /** confusion[k][l] = P(answers classes[l] | true class classes[k]); rows sum to 1. */
  confusion: number[][];
}

export interface DawidSkeneResult {
  items: Map<string, DawidSkeneItem>;
  workers: Map<string, DawidSkeneWorker>;
  /** Estimated class frequencies. */
  classPrior: number[];
  iterations: number;
  converged: boolean;
  /** Log-likelihood of the answers under the final parameters (gold items included as answered). */
  logLikelihood: number;
}

/** Resolved EM settings. */
export interface EmSettings {
  maxIterations: number;
  tolerance: number;
  smoothing: number;
}

export function resolveEmSettings(o: { maxIterations?: number; tolerance?: number; smoothing?: number }): EmSettings {
  const problems = new Problems();
  const maxIterations = o.maxIterations ?? 100;
  const tolerance = o.tolerance ?? 1e-6;
  const smoothing = o.smoothing ?? 1;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) problems.add('maxIterations', 'must be an integer of at least 1');
  if (!isFiniteNumber(tolerance) || tolerance < 0) problems.add('tolerance', 'must be a number of at least 0');
  if (!isFiniteNumber(smoothing) || smoothing <= 0) problems.add('smoothing', 'must be a number above 0');
  problems.throwIfAny();
  return { maxIterations, tolerance, smoothing };
}

/** The EM fit on indexed answers: what the single-label and the per-class binary variants share. */
export interface EmFit {
  /** N×K posteriors, row-major. */
  posterior: Float64Array;
  /** W×K×K confusion matrices. */
  confusion: Float64Array;
  prior: Float64Array;
  iterations: number;
  converged: boolean;
  logLikelihood: number;
}

export function fitDawidSkene(x: IndexedAnswers, K: number, gold: Int32Array, s: EmSettings): EmFit {
  const N = x.items.length;
  const W = x.workers.length;
  const A = x.itemOf.length;
  const T = new Float64Array(N * K);
  // Start from the vote shares (plus a small pseudo-count, so no class starts at exactly 0).
  const eps = 0.01;
  T.fill(eps);
  for (let a = 0; a < A; a++) T[x.itemOf[a] * K + x.labelOf[a]] += 1;
  normaliseRows(T, N, K);
  clampGold(T, gold, K);

  const confusion = new Float64Array(W * K * K);
  const logPi = new Float64Array(W * K * K);
  const prior = new Float64Array(K);
  const logT = new Float64Array(N * K);
  let iterations = 0;
  let converged = false;
  let logLikelihood = 0;
  // Without an item answered twice the confusion matrices are not identifiable: EM would
  // drift every posterior towards the prior. One pass instead takes each answer as given,
  // its confidence the worker's smoothed agreement with themselves (and with gold).
  const passes = hasOverlap(x, N) ? s.maxIterations : 1;
  while (iterations < passes) {
    iterations++;
    // M-step.
    confusion.fill(s.smoothing);
    for (let a = 0; a < A; a++) {
      const base = x.workerOf[a] * K * K + x.labelOf[a];
      const row = x.itemOf[a] * K;
      for (let k = 0; k < K; k++) confusion[base + k * K] += T[row + k];
    }
    normaliseRows(confusion, W * K, K);
    for (let c = 0; c < confusion.length; c++) logPi[c] = Math.log(confusion[c]);
    prior.fill(1);
    for (let c = 0; c < N * K; c++) prior[c % K] += T[c];
    let total = 0;
    for (let k = 0; k < K; k++) total += prior[k];
    for (let k = 0; k < K; k++) prior[k] /= total;

    // E-step, in logs.
    for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) logT[i * K + k] = Math.log(prior[k]);
    for (let a = 0; a < A; a++) {
      const base = x.workerOf[a] * K * K + x.labelOf[a];
      const row = x.itemOf[a] * K;
      for (let k = 0; k < K; k++) logT[row + k] += logPi[base + k * K];
    }
    let delta = 0;
    logLikelihood = 0;
    for (let i = 0; i < N; i++) {
      const row = i * K;
      let m = -Infinity;
      for (let k = 0; k < K; k++) if (logT[row + k] > m) m = logT[row + k];
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(logT[row + k] - m);
      logLikelihood += m + Math.log(z);
      for (let k = 0; k < K; k++) {
        const t = gold[i] >= 0 ? (k === gold[i] ? 1 : 0) : Math.exp(logT[row + k] - m) / z;
        const d = Math.abs(t - T[row + k]);
        if (d > delta) delta = d;
        T[row + k] = t;
      }
    }
    if (delta <= s.tolerance || passes === 1) {
      converged = true;
      break;
    }
  }
  return { posterior: T, confusion, prior, iterations, converged, logLikelihood };
}

/** Whether some item has two answers or more. */
function hasOverlap(x: IndexedAnswers, N: number): boolean {
  const seen = new Uint8Array(N);
  for (let a = 0; a < x.itemOf.length; a++) {
    if (seen[x.itemOf[a]]) return true;
    seen[x.itemOf[a]] = 1;
  }
  return false;
}

function normaliseRows(m: Float64Array, rows: number, K: number): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += m[r * K + k];
    for (let k = 0; k < K; k++) m[r * K + k] /= s;
  }
}

function clampGold(T: Float64Array, gold: Int32Array, K: number): void {
  gold.forEach((g, i) => {
    if (g < 0) return;
    for (let k = 0; k < K; k++) T[i * K + k] = k === g ? 1 : 0;
  });
}

/** Expected accuracy of each worker: the mean posterior of the classes they answered. */
export function workerAccuracy(x: IndexedAnswers, K: number, T: Float64Array): { accuracy: Float64Array; answers: Float64Array } {
  const accuracy = new Float64Array(x.workers.length);
  const answers = new Float64Array(x.workers.length);
  for (let a = 0; a < x.itemOf.length; a++) {
    accuracy[x.workerOf[a]] += T[x.itemOf[a] * K + x.labelOf[a]];
    answers[x.workerOf[a]]++;
  }
  for (let w = 0; w < accuracy.length; w++) accuracy[w] /= answers[w];
  return { accuracy, answers };
}

/**
 * Consolidates single-label answers with Dawid–Skene EM: a label, its posterior
 * probability and the full posterior per item; an accuracy and a confusion matrix per
 * worker. Deterministic: the same answers in the same order give the same result.
 */
export function dawidSkene(answers: readonly ClassAnswer[], options: DawidSkeneOptions): DawidSkeneResult {
  const { classes } = options;
  const settings = resolveEmSettings(options);
  const { indexed, gold } = indexAnswers(answers, classes, options.gold);
  const K = classes.length;
  const fit = fitDawidSkene(indexed, K, gold, settings);
  const T = fit.posterior;

  const items = new Map<string, DawidSkeneItem>();
  indexed.items.forEach((item, i) => {
    const k = argmax(T, i * K, K);
    items.set(item, { label: classes[k], confidence: T[i * K + k], posterior: Array.from(T.subarray(i * K, (i + 1) * K)) });
  });
  const { accuracy, answers: count } = workerAccuracy(indexed, K, T);
  const workers = new Map<string, DawidSkeneWorker>();
  indexed.workers.forEach((worker, w) => {
    const confusion = Array.from({ length: K }, (_, k) => Array.from(fit.confusion.subarray(w * K * K + k * K, w * K * K + (k + 1) * K)));
    workers.set(worker, { accuracy: accuracy[w], answers: count[w], confusion });
  });
  return { items, workers, classPrior: Array.from(fit.prior), iterations: fit.iterations, converged: fit.converged, logLikelihood: fit.logLikelihood };
}
