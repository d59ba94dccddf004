/**
 * `npm run bench -- fm [--rows N] [--no-peer]`: click-style data whose label comes from
 * interactions: each row is one-hot user (200), item (200) and context (10) fields
 * (feature_dim 410), and P(click) = σ(user bias + item bias + 3⟨u, i⟩ + context bias)
 * with hidden 4-dimensional tastes u, i. Orchard's factorization machines (trained and
 * scored in process) against scikit-learn's LogisticRegression on the one-hot features
 * crossed pairwise (PolynomialFeatures, interaction_only) in the same run: ROC AUC on a
 * held-out 20%.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SparseRows } from '../src/algorithms/data/sparse.js';
import { evaluateFm, fmRaw, sigmoid, trainFm } from '../src/algorithms/factorization-machines/fm-core.js';
import { fmOptions } from '../src/algorithms/factorization-machines/hyperparameters.js';
import { createRandom } from '../src/algorithms/parallel/random.js';
import { DATA, PYTHON, benchArgs, emit, exec } from './support.js';
import { rocAuc } from './rcf.bench.js';

const USERS = 200;
const ITEMS = 200;
const CONTEXTS = 10;
const DIM = USERS + ITEMS + CONTEXTS;

const PEER = `
import json, sys, time
import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import PolynomialFeatures
from sklearn.metrics import roc_auc_score
keys, labels, ntrain, dim = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
K = np.fromfile(keys, dtype=np.int32).reshape(-1, 3)
y = np.fromfile(labels, dtype=np.float32)
n = K.shape[0]
X = sp.csr_matrix((np.ones(n * 3), K.ravel(), np.arange(0, 3 * n + 1, 3)), shape=(n, dim))
t0 = time.perf_counter()
Xc = PolynomialFeatures(degree=2, interaction_only=True, include_bias=False).fit_transform(X).tocsr()
model = LogisticRegression(C=1.0, max_iter=1000, solver='liblinear').fit(Xc[:ntrain], y[:ntrain])
t1 = time.perf_counter()
p = model.predict_proba(Xc[ntrain:])[:, 1]
t2 = time.perf_counter()
print(json.dumps({"train_s": t1 - t0, "predict_s": t2 - t1, "auc": roc_auc_score(y[ntrain:], p), "features": Xc.shape[1]}))
`;

function opt(args: string[], name: string, dflt: number): number {
  return args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt;
}

function makeData(n: number): { keys: Int32Array; labels: Float32Array } {
  const rng = createRandom(11);
  const F = 4;
  const u = Float64Array.from({ length: USERS * F }, () => rng.normal() / Math.sqrt(F));
  const v = Float64Array.from({ length: ITEMS * F }, () => rng.normal() / Math.sqrt(F));
  const ub = Float64Array.from({ length: USERS }, () => 0.5 * rng.normal());
  const ib = Float64Array.from({ length: ITEMS }, () => 0.5 * rng.normal());
  const cb = Float64Array.from({ length: CONTEXTS }, () => 0.3 * rng.normal());
  const keys = new Int32Array(n * 3);
  const labels = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const a = rng.int(USERS);
    const b = rng.int(ITEMS);
    const c = rng.int(CONTEXTS);
    let dot = 0;
    for (let f = 0; f < F; f++) dot += u[a * F + f] * v[b * F + f];
    labels[r] = rng.next() < sigmoid(ub[a] + ib[b] + 3 * dot + cb[c]) ? 1 : 0;
    keys.set([a, USERS + b, USERS + ITEMS + c], r * 3);
  }
  return { keys, labels };
}

function rowsOf(keys: Int32Array, labels: Float32Array, from: number, to: number): SparseRows {
  const n = to - from;
  return {
    rows: n,
    dim: DIM,
    indptr: Int32Array.from({ length: n + 1 }, (_, i) => 3 * i),
    indices: keys.slice(from * 3, to * 3),
    values: new Float32Array(n * 3).fill(1),
    labels: labels.slice(from, to),
  };
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(args);
  const n = opt(args, '--rows', 100_000);
  const ntrain = Math.floor(n * 0.8);
  const { keys, labels } = makeData(n);
  const train = rowsOf(keys, labels, 0, ntrain);
  const test = rowsOf(keys, labels, ntrain, n);
  const hp = { feature_dim: DIM, num_factors: 8, predictor_type: 'binary_classifier', epochs: 15, mini_batch_size: 256, bias_lr: 0.01, linear_lr: 0.01, factors_lr: 0.01, linear_wd: 0.0001, factors_wd: 0.0001, factors_init_sigma: 0.05 };
  const t0 = performance.now();
  const params = trainFm(train, fmOptions(hp), { seed: 1 });
  const t1 = performance.now();
  const s = new Float64Array(params.factors);
  const scores = Array.from({ length: test.rows }, (_, r) => sigmoid(fmRaw(params, test.indices, test.values, test.indptr[r], test.indptr[r + 1], s)));
  const t2 = performance.now();
  const auc = rocAuc(scores, test.labels);
  emit({
    task: 'fm', peer: 'orchard-factorization-machines', train_s: (t1 - t0) / 1000, predict_s: (t2 - t1) / 1000, metric_name: 'roc_auc', metric: auc, n_rows: n,
    basis: 'in-process: training loop and scoring, no server', extra: { hyperparameters: hp, ...evaluateFm(params, test, true, 'test') },
  });
  if (a.peer) {
    fs.mkdirSync(DATA, { recursive: true });
    const kf = path.join(DATA, `fm_${n}.keys.i32`);
    const lf = path.join(DATA, `fm_${n}.labels.f32`);
    fs.writeFileSync(kf, Buffer.from(keys.buffer));
    fs.writeFileSync(lf, Buffer.from(labels.buffer));
    const line = JSON.parse((await exec(PYTHON, ['-c', PEER, kf, lf, String(ntrain), String(DIM)])).trim().split('\n').pop()!) as { train_s: number; predict_s: number; auc: number; features: number };
    emit({ task: 'fm', peer: 'sklearn-logreg-pairwise', train_s: line.train_s, predict_s: line.predict_s, metric_name: 'roc_auc', metric: line.auc, n_rows: n, extra: { features: line.features } });
    emit({ task: 'fm', compare: 'orchard-factorization-machines vs sklearn-logreg-pairwise', auc_difference: auc - line.auc, time_ratio: (t1 - t0) / 1000 / line.train_s, goal: 'auc_difference >= 0' });
  }
}
