/**
 * `npm run bench -- fm [--rows N] [--no-peer] [--e2e]`: click-style data whose label comes from
 * interactions: each row is one-hot user (200), item (200) and context (10) fields
 * (feature_dim 410), and P(click) = σ(user bias + item bias + 3⟨u, i⟩ + context bias)
 * with hidden 4-dimensional tastes u, i. Orchard's factorization machines (trained and
 * scored in process) against scikit-learn's LogisticRegression on the one-hot features
 * crossed pairwise (PolynomialFeatures, interaction_only) in the same run: ROC AUC on a
 * held-out 20%.
 *
 * `--e2e [--threads T] [--orchard-bin B]` instead runs both as a user meets them: `orchard up`
 * from the build (run `npx tsc -p tsconfig.build.json` first), the training rows as sparse
 * JSON Lines (`{"label", "features": {"keys", "values"}}`) and the held-out rows as dense
 * Parquet (label first; batch transform reads numeric columns) uploaded as datasets (timed
 * apart; the same rows as CSV, 411 columns, fail the CSV ingest's memory limit, hence
 * Parquet, made from that CSV before the run), then `orchard train --algorithm
 * factorization-machines --wait`, `orchard models create` and `orchard transform --wait`
 * over the held-out rows (shards of rows / threads), each timed from spawn to exit; against
 * one Python process timed from spawn to exit that reads the JSON Lines and the held-out
 * CSV, crosses the one-hot features pairwise, fits the logistic regression, scores the
 * held-out rows and writes the scores as CSV. ROC AUC of both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SparseRows } from '../src/algorithms/data/sparse.js';
import { evaluateFm, fmRaw, sigmoid, trainFm } from '../src/algorithms/factorization-machines/fm-core.js';
import { fmOptions } from '../src/algorithms/factorization-machines/hyperparameters.js';
import { createRandom } from '../src/algorithms/parallel/random.js';
import { csvToParquet, hpArgs, machine, orchardBin, queryRows, round3, runOnPlatform, timed, writeLines } from './fleet-support.js';
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

const HP = { feature_dim: DIM, num_factors: 8, predictor_type: 'binary_classifier', epochs: 15, mini_batch_size: 256, bias_lr: 0.01, linear_lr: 0.01, factors_lr: 0.01, linear_wd: 0.0001, factors_wd: 0.0001, factors_init_sigma: 0.05 };

const PEER_E2E = `
import json, sys
import numpy as np, pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import PolynomialFeatures
train, test, out, dim = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
y, rows, cols = [], [], []
with open(train) as f:
    for i, line in enumerate(f):
        r = json.loads(line)
        y.append(r["label"])
        keys = r["features"]["keys"]
        rows.extend([i] * len(keys))
        cols.extend(keys)
X = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(y), dim))
T = pd.read_csv(test, header=None).to_numpy(np.float64)
cross = PolynomialFeatures(degree=2, interaction_only=True, include_bias=False)
model = LogisticRegression(C=1.0, max_iter=1000, solver='liblinear').fit(cross.fit_transform(X).tocsr(), np.array(y))
p = model.predict_proba(cross.transform(sp.csr_matrix(T[:, 1:])).tocsr())[:, 1]
pd.DataFrame({"score": p}).to_csv(out, header=False, index=False)
print(json.dumps({"rows": len(y), "test_rows": int(T.shape[0])}))
`;

/**
 * Training rows as sparse JSON Lines, held-out rows as dense CSV (label first) and the same
 * as Parquet (columns `_c0`…, BIGINT, as the CSV ingest would type them), written once.
 */
async function writeFiles(keys: Int32Array, labels: Float32Array, n: number, ntrain: number): Promise<{ train: string; test: string; testParquet: string }> {
  fs.mkdirSync(DATA, { recursive: true });
  const train = path.join(DATA, `fm_${n}.train.jsonl`);
  const test = path.join(DATA, `fm_${n}.test.csv`);
  const testParquet = path.join(DATA, `fm_${n}.test.parquet`);
  if (!fs.existsSync(train)) writeLines(train, ntrain, (r) => JSON.stringify({ label: labels[r], features: { keys: Array.from(keys.subarray(r * 3, r * 3 + 3)), values: [1, 1, 1] } }));
  if (!fs.existsSync(test)) {
    const dense = new Array<number>(DIM);
    writeLines(test, n - ntrain, (i) => {
      const r = ntrain + i;
      dense.fill(0);
      for (let j = 0; j < 3; j++) dense[keys[r * 3 + j]] = 1;
      return `${labels[r]},${dense.join(',')}`;
    });
  }
  if (!fs.existsSync(testParquet)) await csvToParquet(test, testParquet, DIM + 1);
  return { train, test, testParquet };
}

async function endToEnd(args: string[], keys: Int32Array, labels: Float32Array, n: number, ntrain: number, threads: number, peer: boolean): Promise<void> {
  const bin = orchardBin(args);
  const { train, test, testParquet } = await writeFiles(keys, labels, n, ntrain);
  const testLabels = labels.subarray(ntrain, n);
  const common = { task: 'fm-e2e', n_rows: n, train_rows: ntrain, test_rows: n - ntrain, feature_dim: DIM, threads, metric_name: 'roc_auc' };
  const loadStart = os.loadavg().map((x) => +x.toFixed(2));
  const { times, phases, result } = await runOnPlatform(
    bin,
    {
      name: 'fm-e2e',
      uploads: [{ name: 'fm-train', file: train, format: 'jsonl' }, { name: 'fm-test', file: testParquet, format: 'parquet' }],
      train: ['--algorithm', 'factorization-machines', '--train', 'fm-train', ...hpArgs(HP)],
      transform: ['--input', 'fm-test', '--output', 'fm-scored', '--input-filter', '$[1:]', '--join-source', 'Input', '--output-filter', '$[0,-2:]', '--shard-rows', String(Math.ceil((n - ntrain) / threads))],
    },
    // The scores with their labels, read back (not timed).
    async (sdk) => {
      const rows = await queryRows(sdk, 'SELECT _c0 AS label, prediction_0 AS score FROM "fm-scored"');
      return { labels: rows.map((r) => Number(r.label)), scores: rows.map((r) => Number(r.score)) };
    },
  );
  const auc = rocAuc(result.scores, result.labels);
  emit({
    ...common, peer: 'orchard-factorization-machines (end to end)', wall_s: times.total_s, metric: auc,
    extra: { ...times, scored_rows: result.scores.length, hyperparameters: HP, ...phases }, loadavg_start: loadStart,
    basis: 'orchard up from the build: orchard train --wait, models create, transform --wait (each spawn to exit); uploads timed apart', ...machine(),
  });
  if (!peer) return;
  const out = path.join(DATA, `fm_${n}.logreg-scores.csv`);
  const peerS = await timed(PYTHON, ['-c', PEER_E2E, train, test, out, String(DIM)]);
  const peerAuc = rocAuc(fs.readFileSync(out, 'utf8').trim().split('\n').map(Number), testLabels);
  emit({ ...common, peer: 'sklearn-logreg-pairwise script', wall_s: round3(peerS), metric: peerAuc, basis: 'one python3 process, spawn to exit: JSON Lines and read_csv, pairwise crossing, liblinear fit, predict_proba, scores written as CSV' });
  emit({ ...common, compare: 'orchard-factorization-machines end to end vs sklearn-logreg-pairwise script', auc_difference: auc - peerAuc, time_ratio: times.total_s / peerS, goal: 'auc_difference >= 0', ...machine() });
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(args);
  const n = opt(args, '--rows', 100_000);
  const ntrain = Math.floor(n * 0.8);
  const { keys, labels } = makeData(n);
  if (args.includes('--e2e')) return endToEnd(args, keys, labels, n, ntrain, a.threads, a.peer);
  const train = rowsOf(keys, labels, 0, ntrain);
  const test = rowsOf(keys, labels, ntrain, n);
  const hp = HP;
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
