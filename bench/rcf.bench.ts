/**
 * `npm run bench -- rcf [--rows N] [--dim D] [--threads N] [--no-peer]`: anomaly
 * detection on generated data (default 100,000 × 8: correlated Gaussian clusters, 1% of
 * rows uniform anomalies over [-10, 10]^d). Orchard's random cut forest (100 trees × 256 samples,
 * built and scored in process over worker threads) against scikit-learn's
 * `IsolationForest` (100 trees × 256 samples, fit + score_samples) in the same run: ROC
 * AUC of both, and the time ratio Orchard / scikit-learn.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rcfOptions } from '../src/algorithms/randomcutforest/hyperparameters.js';
import { fitForest, scoreParallel } from '../src/algorithms/randomcutforest/index.js';
import { createRandom } from '../src/algorithms/parallel/random.js';
import { DATA, PYTHON, benchArgs, emit, exec } from './support.js';

const PEER = `
import json, sys, time
import numpy as np
from sklearn.ensemble import IsolationForest
x, out, n, d, threads = sys.argv[1:6]
n, d, threads = int(n), int(d), int(threads)
X = np.fromfile(x, dtype=np.float32).reshape(n, d)
t0 = time.perf_counter()
model = IsolationForest(n_estimators=100, max_samples=256, random_state=0, n_jobs=threads).fit(X)
t1 = time.perf_counter()
s = -model.score_samples(X)
t2 = time.perf_counter()
s.astype(np.float64).tofile(out)
print(json.dumps({"train_s": t1 - t0, "predict_s": t2 - t1, "total_s": t2 - t0}))
`;

function opt(args: string[], name: string, dflt: number): number {
  return args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt;
}

/** ROC AUC (Mann–Whitney) of scores against 0/1 labels. */
export function rocAuc(scores: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  // Average ranks over ties.
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (y[idx[t]] === 1) {
      pos++;
      rankSum += rank;
    }
    i = j + 1;
  }
  const neg = y.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function makeData(n: number, d: number): { X: Float32Array; y: Uint8Array; file: string } {
  const rng = createRandom(7);
  const X = new Float32Array(new SharedArrayBuffer(n * d * 4));
  const y = new Uint8Array(n);
  // Three clusters, each with correlated features (a random mixing matrix).
  const clusters = Array.from({ length: 3 }, () => ({
    centre: Array.from({ length: d }, () => 6 * rng.normal()),
    mix: Array.from({ length: d * d }, () => rng.normal() / Math.sqrt(d)),
  }));
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    if (rng.next() < 0.01) {
      y[i] = 1;
      for (let j = 0; j < d; j++) X[i * d + j] = (rng.next() * 2 - 1) * 10;
      continue;
    }
    const c = clusters[rng.int(3)];
    for (let j = 0; j < d; j++) z[j] = rng.normal();
    for (let j = 0; j < d; j++) {
      let v = c.centre[j];
      for (let t = 0; t < d; t++) v += c.mix[j * d + t] * z[t];
      X[i * d + j] = v;
    }
  }
  fs.mkdirSync(DATA, { recursive: true });
  const file = path.join(DATA, `rcf_${n}x${d}.f32`);
  fs.writeFileSync(file, Buffer.from(X.buffer));
  return { X, y, file };
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(args);
  const n = opt(args, '--rows', 100_000);
  const d = opt(args, '--dim', 8);
  const { X, y, file } = makeData(n, d);
  const o = rcfOptions({ feature_dim: d, num_trees: 100, num_samples_per_tree: 256, shingle_size: 1 });
  const t0 = performance.now();
  const { forest, points } = fitForest(X, n, o, 1);
  const t1 = performance.now();
  const scores = await scoreParallel(forest, points, n, a.threads);
  const t2 = performance.now();
  const ours = { train_s: (t1 - t0) / 1000, predict_s: (t2 - t1) / 1000, total_s: (t2 - t0) / 1000, auc: rocAuc(scores, y) };
  emit({ task: 'rcf', peer: 'orchard-randomcutforest', ...ours, metric_name: 'roc_auc', metric: ours.auc, n_rows: n, dim: d, threads: a.threads, basis: 'in-process: forest build + scoring kernels (worker threads), no server' });
  if (a.peer) {
    const out = path.join(DATA, `rcf_${n}x${d}.if.f64`);
    const line = JSON.parse((await exec(PYTHON, ['-c', PEER, file, out, String(n), String(d), String(a.threads)])).trim().split('\n').pop()!) as { train_s: number; predict_s: number; total_s: number };
    const peerScores = new Float64Array(fs.readFileSync(out).buffer.slice(0));
    const peerAuc = rocAuc(peerScores, y);
    emit({ task: 'rcf', peer: 'sklearn-isolation-forest', ...line, metric_name: 'roc_auc', metric: peerAuc, n_rows: n, dim: d, threads: a.threads });
    emit({ task: 'rcf', compare: 'orchard-randomcutforest vs sklearn-isolation-forest', auc_difference: ours.auc - peerAuc, time_ratio: ours.total_s / line.total_s, goal: 'auc_difference >= 0 and time_ratio <= 2' });
  }
}
