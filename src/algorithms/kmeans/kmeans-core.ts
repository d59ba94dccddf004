/**
 * k-means training on a dense row-major matrix.
 *
 * - `web_scale` (SageMaker's default): mini-batch k-means (Sculley 2010, "Web-scale
 *   k-means clustering", Algorithm 1: per-centre learning rate 1/count) over
 *   k × extra_center_factor centres, then a weighted local Lloyd on those centres
 *   (weights = rows each absorbed) reduces them to k.
 * - `lloyd`: full-batch Lloyd iterations over every row, the reference method.
 *
 * Initialisation is random rows or k-means++ (Arthur & Vassilvitskii 2007), greedy with
 * 2 + ⌊ln k⌋ candidates per step as scikit-learn does.
 */
import { OrchardError } from '../../core/errors.js';
import { createKernelPool, splitRows, type KernelPool } from '../parallel/kernel-pool.js';
import { KMEANS_KERNELS, type AssignResult, type MomentsResult } from './kmeans-kernels.js';
import type { KMeansOptions } from './hyperparameters.js';
import { createRandom, shuffle, type Random } from '../parallel/random.js';

export interface KMeansRun {
  threads: number;
  seed: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface KMeansFit {
  /** k × d centres, row-major. */
  centers: Float64Array;
  k: number;
  d: number;
  /** Sum of squared distances of the training rows to their closest centre. */
  ssd: number;
  rows: number;
  /** Lloyd iterations (lloyd mode) or mini-batches (web-scale mode). */
  iterations: number;
}

/** Rows below which a second thread costs more than it saves. */
const PARALLEL_MIN_ROWS = 20_000;

/** Squared distance between row i of `p` and row j of `c`. */
function dist2(p: ArrayLike<number>, i: number, c: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  const a = i * d;
  const b = j * d;
  for (let t = 0; t < d; t++) {
    const v = p[a + t] - c[b + t];
    s += v * v;
  }
  return s;
}

/**
 * Greedy k-means++ over `n` points (optionally weighted). Returns k × d centres; when
 * fewer than k points carry weight, the remaining centres repeat chosen points.
 */
export function kmeansPlusPlus(
  points: ArrayLike<number>,
  n: number,
  d: number,
  weights: Float64Array | null,
  k: number,
  rng: Random,
  trials = 2 + Math.floor(Math.log(k)),
): Float64Array {
  const centers = new Float64Array(k * d);
  const w = (i: number): number => (weights ? weights[i] : 1);
  const pick = (r: number, minD: Float64Array | null): number => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += w(i) * (minD ? minD[i] : 1);
      if (acc > r) return i;
    }
    return n - 1;
  };
  let totalW = 0;
  for (let i = 0; i < n; i++) totalW += w(i);
  const first = pick(rng.next() * totalW, null);
  for (let t = 0; t < d; t++) centers[t] = points[first * d + t];
  let minD = new Float64Array(n);
  for (let i = 0; i < n; i++) minD[i] = dist2(points, i, centers, 0, d);
  let cand = new Float64Array(n);
  let best = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let pot = 0;
    for (let i = 0; i < n; i++) pot += w(i) * minD[i];
    let chosen = -1;
    let bestPot = Infinity;
    const tries = pot > 0 ? trials : 1;
    for (let t = 0; t < tries; t++) {
      const idx = pot > 0 ? pick(rng.next() * pot, minD) : rng.int(n);
      let p = 0;
      for (let i = 0; i < n; i++) {
        const v = Math.min(minD[i], dist2(points, i, points, idx, d));
        cand[i] = v;
        p += w(i) * v;
      }
      if (p < bestPot) {
        bestPot = p;
        chosen = idx;
        [best, cand] = [cand, best];
      }
    }
    for (let t = 0; t < d; t++) centers[c * d + t] = points[chosen * d + t];
    [minD, best] = [best, minD];
  }
  return centers;
}

/** k distinct random rows of `points` (with repeats only when n < k). */
function randomCenters(points: ArrayLike<number>, n: number, d: number, k: number, rng: Random): Float64Array {
  const centers = new Float64Array(k * d);
  const chosen = new Set<number>();
  for (let c = 0; c < k; c++) {
    let idx = rng.int(n);
    for (let tries = 0; chosen.has(idx) && tries < 20; tries++) idx = rng.int(n);
    chosen.add(idx);
    for (let t = 0; t < d; t++) centers[c * d + t] = points[idx * d + t];
  }
  return centers;
}

/**
 * Lloyd iterations over weighted points held in memory (the local reduction of
 * web-scale mode). Returns the centres and their weighted SSD.
 */
export function weightedLloyd(
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
  init: Float64Array,
  k: number,
  maxIter: number,
  tolAbs: number,
): { centers: Float64Array; ssd: number } {
  const centers = init.slice();
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const label = new Int32Array(n);
  let ssd = 0;
  for (let it = 0; it <= maxIter; it++) {
    ssd = 0;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      let bestD = Infinity;
      let bc = 0;
      for (let c = 0; c < k; c++) {
        const v = dist2(points, i, centers, c, d);
        if (v < bestD) {
          bestD = v;
          bc = c;
        }
      }
      label[i] = bc;
      ssd += weights[i] * bestD;
      counts[bc] += weights[i];
      for (let t = 0; t < d; t++) sums[bc * d + t] += weights[i] * points[i * d + t];
    }
    if (it === maxIter) break;
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] <= 0) continue;
      for (let t = 0; t < d; t++) {
        const v = sums[c * d + t] / counts[c];
        shift += (v - centers[c * d + t]) ** 2;
        centers[c * d + t] = v;
      }
    }
    if (shift <= tolAbs) {
      // One more assignment pass so `ssd` belongs to the returned centres.
      maxIter = it + 1;
    }
  }
  return { centers, ssd };
}

/** Sums the per-block results of `assign`. */
function mergeAssign(parts: AssignResult[], k: number, d: number): AssignResult {
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let ssd = 0;
  for (const p of parts) {
    for (let i = 0; i < sums.length; i++) sums[i] += p.sums[i];
    for (let i = 0; i < k; i++) counts[i] += p.counts[i];
    ssd += p.ssd;
  }
  return { sums, counts, ssd };
}

/** Assigns rows [start, end) to the nearest of `centers`, in parallel. */
async function assignRange(pool: KernelPool, centers: Float64Array, k: number, d: number, start: number, end: number): Promise<AssignResult> {
  const parts = end - start < PARALLEL_MIN_ROWS / 4 ? 1 : pool.threads;
  const ranges = splitRows(end - start, parts).map((r) => ({ start: start + r.start, end: start + r.end, centers, k }));
  return mergeAssign(await pool.run<AssignResult>('assign', ranges), k, d);
}

/** Checks the data is finite and returns the mean per-feature variance (for the tolerance). */
async function meanVariance(pool: KernelPool, rows: number, d: number): Promise<number> {
  const parts = await pool.run<MomentsResult>('moments', splitRows(rows, pool.threads));
  const sum = new Float64Array(d);
  const sumsq = new Float64Array(d);
  let nonFinite = 0;
  for (const p of parts) {
    nonFinite += p.nonFinite;
    for (let j = 0; j < d; j++) {
      sum[j] += p.sum[j];
      sumsq[j] += p.sumsq[j];
    }
  }
  if (nonFinite > 0) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `k-means needs complete numeric rows; found ${nonFinite} missing or infinite values`,
      details: { nonFinite },
    });
  }
  let v = 0;
  for (let j = 0; j < d; j++) v += Math.max(0, sumsq[j] / rows - (sum[j] / rows) ** 2);
  return v / d;
}

/** Draws up to `m` distinct rows (in order) as a Float64Array sample. */
function sampleRows(X: Float32Array, rows: number, d: number, m: number, rng: Random): { points: Float64Array; n: number } {
  if (m >= rows) return { points: Float64Array.from(X.subarray(0, rows * d)), n: rows };
  const idx = new Int32Array(rows);
  for (let i = 0; i < rows; i++) idx[i] = i;
  // Partial Fisher–Yates: the first m entries become a uniform sample without replacement.
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(rows - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  const chosen = idx.subarray(0, m).sort();
  const points = new Float64Array(m * d);
  for (let i = 0; i < m; i++) for (let t = 0; t < d; t++) points[i * d + t] = X[chosen[i] * d + t];
  return { points, n: m };
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

async function fitLloyd(pool: KernelPool, X: Float32Array, rows: number, d: number, o: KMeansOptions, tolAbs: number, rng: Random, run: KMeansRun): Promise<KMeansFit> {
  const k = o.k;
  // k-means++ on a sample: its cost grows with rows × k × candidates, and a sample of a
  // few hundred rows per centre places seeds as well as the full data does.
  const sample = sampleRows(X, rows, d, Math.max(20_000, 200 * k), rng);
  let centers = o.initMethod === 'kmeans++' ? kmeansPlusPlus(sample.points, sample.n, d, null, k, rng) : randomCenters(sample.points, sample.n, d, k, rng);
  let iterations = 0;
  let unchanged: AssignResult | null = null;
  for (let it = 0; it < o.localLloydMaxIter; it++) {
    checkAbort(run.signal);
    const r = await assignRange(pool, centers, k, d, 0, rows);
    iterations++;
    const next = new Float64Array(k * d);
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (r.counts[c] === 0) {
        // An empty cluster restarts at a random row rather than staying unused.
        const idx = rng.int(rows);
        for (let t = 0; t < d; t++) next[c * d + t] = X[idx * d + t];
      } else for (let t = 0; t < d; t++) next[c * d + t] = r.sums[c * d + t] / r.counts[c];
      for (let t = 0; t < d; t++) shift += (next[c * d + t] - centers[c * d + t]) ** 2;
    }
    centers = next;
    run.log?.(`lloyd iteration ${iterations}: ssd=${r.ssd.toPrecision(8)} shift=${shift.toExponential(3)}`);
    if (shift === 0) unchanged = r;
    if (shift <= tolAbs) break;
  }
  // The SSD reported belongs to the returned centres: one more assignment unless they did not move.
  const final = unchanged ?? (await assignRange(pool, centers, k, d, 0, rows));
  return { centers, k, d, ssd: final.ssd, rows, iterations };
}

async function fitWebScale(pool: KernelPool, X: Float32Array, rows: number, d: number, o: KMeansOptions, tolAbs: number, rng: Random, run: KMeansRun): Promise<KMeansFit> {
  const k = o.k;
  const batch = Math.min(o.miniBatchSize, rows);
  const nBatches = Math.ceil(rows / batch);
  const order = new Int32Array(nBatches);
  for (let b = 0; b < nBatches; b++) order[b] = b;
  shuffle(order, rng);
  // The streaming centres start from the first mini-batch, as SageMaker does.
  const firstStart = order[0] * batch;
  const firstEnd = Math.min(rows, firstStart + batch);
  const firstRows = firstEnd - firstStart;
  const K = Math.max(k, Math.min(k * o.extraCenterFactor, firstRows));
  const firstPts = Float64Array.from(X.subarray(firstStart * d, firstEnd * d));
  const centers = o.initMethod === 'kmeans++' ? kmeansPlusPlus(firstPts, firstRows, d, null, K, rng, 1) : randomCenters(firstPts, firstRows, d, K, rng);
  const weight = new Float64Array(K);
  const decay = o.halfLifeTimeSize > 0 ? Math.pow(0.5, batch / o.halfLifeTimeSize) : 1;
  let steps = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    if (epoch > 0) shuffle(order, rng);
    for (let b = 0; b < nBatches; b++) {
      checkAbort(run.signal);
      const start = order[b] * batch;
      const end = Math.min(rows, start + batch);
      const r = await assignRange(pool, centers, K, d, start, end);
      if (decay !== 1) for (let c = 0; c < K; c++) weight[c] *= decay;
      for (let c = 0; c < K; c++) {
        const n = r.counts[c];
        if (n === 0) continue;
        weight[c] += n;
        // Sculley's per-centre rate 1/v applied to the batch mean of the n rows at once.
        const eta = n / weight[c];
        for (let t = 0; t < d; t++) centers[c * d + t] += eta * (r.sums[c * d + t] / n - centers[c * d + t]);
      }
      steps++;
    }
    run.log?.(`web-scale epoch ${epoch + 1}/${o.epochs}: ${nBatches} mini-batches of ${batch}`);
  }
  // Local reduction: weighted Lloyd over the used centres, best of several trials.
  const used: number[] = [];
  for (let c = 0; c < K; c++) if (weight[c] > 0) used.push(c);
  const n = used.length;
  const pts = new Float64Array(n * d);
  const w = new Float64Array(n);
  used.forEach((c, i) => {
    w[i] = weight[c];
    for (let t = 0; t < d; t++) pts[i * d + t] = centers[c * d + t];
  });
  let best: { centers: Float64Array; ssd: number } | null = null;
  for (let trial = 0; trial < o.localLloydNumTrials; trial++) {
    const init = o.localLloydInitMethod === 'kmeans++' ? kmeansPlusPlus(pts, n, d, w, k, rng) : randomCenters(pts, n, d, k, rng);
    const r = weightedLloyd(pts, w, n, d, init, k, o.localLloydMaxIter, tolAbs);
    if (!best || r.ssd < best.ssd) best = r;
  }
  const final = await assignRange(pool, best!.centers, k, d, 0, rows);
  return { centers: best!.centers, k, d, ssd: final.ssd, rows, iterations: steps };
}

/**
 * Clusters `rows` rows of `X` (row-major, `d` columns). `X` should live in shared
 * memory (see `toShared`) for the worker threads to read it without a copy.
 */
export async function fitKMeans(X: Float32Array, rows: number, d: number, o: KMeansOptions, run: KMeansRun): Promise<KMeansFit> {
  if (rows < o.k) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `k-means needs at least k=${o.k} rows; the training data has ${rows}`,
      details: { rows, k: o.k },
    });
  }
  const threads = rows >= PARALLEL_MIN_ROWS ? run.threads : 1;
  const pool = createKernelPool(KMEANS_KERNELS, threads, { X, d });
  try {
    const rng = createRandom(run.seed);
    // As scikit-learn: the tolerance is relative to the mean feature variance.
    const tolAbs = o.localLloydTol * (await meanVariance(pool, rows, d));
    return o.mode === 'lloyd' ? await fitLloyd(pool, X, rows, d, o, tolAbs, rng, run) : await fitWebScale(pool, X, rows, d, o, tolAbs, rng, run);
  } finally {
    await pool.close();
  }
}

/** Sum of squared distances of rows to their closest centre (for the test channel). */
export async function kmeansSsd(X: Float32Array, rows: number, d: number, centers: Float64Array, k: number, threads: number): Promise<number> {
  const pool = createKernelPool(KMEANS_KERNELS, rows >= PARALLEL_MIN_ROWS ? threads : 1, { X, d });
  try {
    return (await assignRange(pool, centers, k, d, 0, rows)).ssd;
  } finally {
    await pool.close();
  }
}
