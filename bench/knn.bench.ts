/**
 * `npm run bench -- knn [--rows N] [--dim D] [--queries M] [--k K] [--index faiss.Flat,…] [--nprobe P] [--threads N] [--no-peer] [--e2e]`:
 * k-NN on a Gaussian mixture (256 clusters; default 200,000 × 64, 10,000 queries, k = 10).
 * Orchard's index built and searched in process (the kernels a training job's test
 * channel and the bench share), against scikit-learn's brute-force
 * `KNeighborsClassifier` (fit + kneighbors) in the same run:
 * - exact (faiss.Flat): time ratio Orchard / scikit-learn, and the share of scikit-learn's
 *   neighbours Orchard found (1 = the same neighbours);
 * - approximate (faiss.IVFFlat, faiss.IVFPQ): recall@k against the exact result and the
 *   query-time speed-up over the exact search.
 *
 * `--e2e [--orchard-bin B] [--shard-rows R]` instead runs the exact case as a user meets it: `orchard up`
 * from the build (run `npx tsc -p tsconfig.build.json` first), the training rows (CSV, label
 * first) and the queries (CSV, a query id first) uploaded as datasets (timed apart), then
 * `orchard train --algorithm knn --wait` (faiss.Flat, cpus = threads), `orchard models
 * create` and `orchard transform --wait` over the queries (shards of queries / threads unless `--shard-rows`),
 * each timed from spawn to exit; against one Python process timed from spawn to exit that
 * reads both CSVs with pandas, fits `KNeighborsClassifier(algorithm='brute')`, predicts the
 * queries and writes the labels as CSV. Quality: the share of queries given the same label,
 * and each side's accuracy against the cluster the query was drawn from.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildKnnIndex } from '../src/algorithms/knn/index.js';
import { knnOptions } from '../src/algorithms/knn/hyperparameters.js';
import { createSearcher, prepareQueries, type Neighbours } from '../src/algorithms/knn/knn-index.js';
import { createRandom } from '../src/algorithms/parallel/random.js';
import { hpArgs, machine, orchardBin, queryRows, round3, runOnPlatform, timed, writeLines } from './fleet-support.js';
import { DATA, PYTHON, benchArgs, emit, exec } from './support.js';

const PEER = `
import json, sys, time
import numpy as np
from sklearn.neighbors import KNeighborsClassifier
x, y, q, out, n, d, m, k, threads = sys.argv[1:10]
n, d, m, k, threads = int(n), int(d), int(m), int(k), int(threads)
X = np.fromfile(x, dtype=np.float32).reshape(n, d)
Y = np.fromfile(y, dtype=np.float32)
Q = np.fromfile(q, dtype=np.float32).reshape(m, d)
t0 = time.perf_counter()
model = KNeighborsClassifier(n_neighbors=k, algorithm='brute', n_jobs=threads).fit(X, Y)
t1 = time.perf_counter()
dist, idx = model.kneighbors(Q)
t2 = time.perf_counter()
idx.astype(np.int32).tofile(out)
print(json.dumps({"peer": "sklearn-knn-brute", "train_s": t1 - t0, "predict_s": t2 - t1, "total_s": t2 - t0}))
`;

function opt(args: string[], name: string, dflt: number): number {
  return args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt;
}

/** The mixture: rows and queries drawn from the same 256 clusters (label = cluster % 10, the queries' too). */
function makeData(n: number, d: number, m: number): { X: Float32Array; y: Float32Array; Q: Float32Array; qy: Float32Array; files: { x: string; y: string; q: string; qy: string } } {
  const base = path.join(DATA, `knn_${n}x${d}_${m}`);
  const files = { x: `${base}.x.f32`, y: `${base}.y.f32`, q: `${base}.q.f32`, qy: `${base}.qy.f32` };
  const shared = (len: number) => new Float32Array(new SharedArrayBuffer(len * 4));
  const X = shared(n * d);
  const y = new Float32Array(n);
  const Q = shared(m * d);
  const qy = new Float32Array(m);
  if (Object.values(files).every((f) => fs.existsSync(f))) {
    X.set(new Float32Array(fs.readFileSync(files.x).buffer.slice(0)));
    y.set(new Float32Array(fs.readFileSync(files.y).buffer.slice(0)));
    Q.set(new Float32Array(fs.readFileSync(files.q).buffer.slice(0)));
    qy.set(new Float32Array(fs.readFileSync(files.qy).buffer.slice(0)));
    return { X, y, Q, qy, files };
  }
  const rng = createRandom(42);
  const C = 256;
  const centres = Float32Array.from({ length: C * d }, () => 4 * rng.normal());
  const fill = (A: Float32Array, rows: number, labels: Float32Array) => {
    for (let i = 0; i < rows; i++) {
      const c = rng.int(C);
      labels[i] = c % 10;
      for (let j = 0; j < d; j++) A[i * d + j] = centres[c * d + j] + rng.normal();
    }
  };
  fill(X, n, y);
  fill(Q, m, qy);
  fs.mkdirSync(DATA, { recursive: true });
  // Only the missing files are written (the others hold the same bytes already).
  const arrays = { x: X, y, q: Q, qy };
  for (const [key, file] of Object.entries(files)) if (!fs.existsSync(file)) fs.writeFileSync(file, Buffer.from(arrays[key as keyof typeof arrays].buffer));
  return { X, y, Q, qy, files };
}

/** Share of `truth`'s neighbours (row numbers of the original order) that `got` found. */
function recall(got: Int32Array, truth: Int32Array, m: number, k: number): number {
  let hit = 0;
  for (let q = 0; q < m; q++) {
    const s = new Set(got.subarray(q * k, q * k + k));
    for (let r = 0; r < k; r++) if (s.has(truth[q * k + r])) hit++;
  }
  return hit / (m * k);
}

const PEER_E2E = `
import json, sys
import numpy as np, pandas as pd
from sklearn.neighbors import KNeighborsClassifier
train, queries, out, k, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
T = pd.read_csv(train, header=None, dtype=np.float32).to_numpy()
Q = pd.read_csv(queries, header=None, dtype=np.float32).to_numpy()[:, 1:]
model = KNeighborsClassifier(n_neighbors=k, algorithm='brute', n_jobs=threads).fit(T[:, 1:], T[:, 0])
pd.DataFrame({"label": model.predict(Q)}).to_csv(out, header=False, index=False)
print(json.dumps({"rows": int(T.shape[0]), "queries": int(Q.shape[0])}))
`;

/** The rows as CSV, label first (training), and the queries with their number first (the transform's input). */
function writeCsv(data: { X: Float32Array; y: Float32Array; Q: Float32Array }, n: number, d: number, m: number): { train: string; queries: string } {
  const train = path.join(DATA, `knn_${n}x${d}.train.csv`);
  const queries = path.join(DATA, `knn_${n}x${d}_${m}.queries.csv`);
  const row = (A: Float32Array, i: number) => Array.from(A.subarray(i * d, i * d + d), (v) => v.toFixed(4)).join(',');
  if (!fs.existsSync(train)) writeLines(train, n, (i) => `${data.y[i]},${row(data.X, i)}`);
  if (!fs.existsSync(queries)) writeLines(queries, m, (i) => `${i},${row(data.Q, i)}`);
  return { train, queries };
}

const agreement = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
};

async function endToEnd(args: string[], data: { X: Float32Array; y: Float32Array; Q: Float32Array; qy: Float32Array }, size: { n: number; d: number; m: number; k: number }, threads: number, peer: boolean): Promise<void> {
  const { n, d, m, k } = size;
  const bin = orchardBin(args);
  const { train, queries } = writeCsv(data, n, d, m);
  const common = { task: 'knn-e2e', n_rows: n, dim: d, queries: m, k, threads, index_type: 'faiss.Flat' };
  const loadStart = os.loadavg().map((x) => +x.toFixed(2));
  const hp = { feature_dim: d, k, predictor_type: 'classifier', sample_size: n, index_type: 'faiss.Flat', index_metric: 'L2' };
  const { times, phases, result: labels } = await runOnPlatform(
    bin,
    {
      name: 'knn-e2e',
      uploads: [{ name: 'knn-train', file: train }, { name: 'knn-queries', file: queries }],
      train: ['--algorithm', 'knn', '--train', 'knn-train', '--cpus', String(threads), ...hpArgs(hp)],
      // One shard a core (each searching on its core) measured faster end to end than one shard on both cores (bench/RESULTS.md); --shard-rows R to choose.
      transform: ['--input', 'knn-queries', '--output', 'knn-predicted', '--input-filter', '$[1:]', '--join-source', 'Input', '--output-filter', '$[0,-1:]', '--shard-rows', args.includes('--shard-rows') ? args[args.indexOf('--shard-rows') + 1] : String(Math.ceil(m / threads))],
    },
    // The predicted labels by query number, read back (not timed).
    async (sdk) => {
      const out = new Float64Array(m).fill(NaN);
      for (const r of await queryRows(sdk, 'SELECT _c0 AS id, prediction FROM "knn-predicted"')) out[Number(r.id)] = Number(r.prediction);
      return out;
    },
  );
  const accuracy = agreement(labels, data.qy);
  emit({
    ...common, peer: 'orchard-knn (end to end)', wall_s: times.total_s, metric_name: 'accuracy (each query against the label of its cluster)', metric: accuracy,
    extra: { ...times, hyperparameters: hp, ...phases }, loadavg_start: loadStart,
    basis: 'orchard up from the build: orchard train --wait, models create, transform --wait (each spawn to exit); uploads timed apart', ...machine(),
  });
  if (!peer) return;
  const out = path.join(DATA, `knn_${n}x${d}_${m}.sk-labels.csv`);
  const peerS = await timed(PYTHON, ['-c', PEER_E2E, train, queries, out, String(k), String(threads)]);
  const peerLabels = fs.readFileSync(out, 'utf8').trim().split('\n').map(Number);
  emit({ ...common, peer: 'sklearn-knn-brute script', wall_s: round3(peerS), metric: agreement(peerLabels, data.qy), basis: 'one python3 process, spawn to exit: pandas read_csv of both files, fit, predict, labels written as CSV' });
  emit({
    ...common, compare: 'orchard-knn faiss.Flat end to end vs sklearn-knn-brute script', time_ratio: times.total_s / peerS, same_label: agreement(labels, peerLabels),
    accuracy_difference: accuracy - agreement(peerLabels, data.qy), goal: 'same_label = 1 (up to ties) and time_ratio <= 1', ...machine(),
  });
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(args);
  const n = opt(args, '--rows', 200_000);
  const d = opt(args, '--dim', 64);
  const m = opt(args, '--queries', 10_000);
  const k = opt(args, '--k', 10);
  const { X, y, Q, qy, files } = makeData(n, d, m);
  if (args.includes('--e2e')) return endToEnd(args, { X, y, Q, qy }, { n, d, m, k }, a.threads, a.peer);
  // Labels that say which original row an index row is (IVF reorders rows by list).
  const ids = Float32Array.from({ length: n }, (_, i) => i);
  const results: Record<string, { build: number; search: number; nb: Neighbours; rows: Int32Array }> = {};
  const types = args.includes('--index') ? args[args.indexOf('--index') + 1].split(',') : ['faiss.Flat', 'faiss.IVFFlat', 'faiss.IVFPQ'];
  if (!types.includes('faiss.Flat')) types.unshift('faiss.Flat');
  for (const index_type of types) {
    const o = knnOptions({ feature_dim: d, k, predictor_type: 'classifier', sample_size: n, index_type, index_metric: 'L2', faiss_index_ivf_nlists: 'auto', faiss_index_nprobe: args.includes('--nprobe') ? args[args.indexOf('--nprobe') + 1] : 'auto', mini_batch_size: 5000 });
    const t0 = performance.now();
    const index = await buildKnnIndex(X, ids, n, o, { threads: a.threads, seed: 1 });
    const t1 = performance.now();
    const searcher = createSearcher(index, a.threads);
    const nb = await searcher.search(prepareQueries(index, Q, m), m, k);
    const t2 = performance.now();
    await searcher.close();
    const rows = Int32Array.from(nb.rows, (r) => (r < 0 ? -1 : index.labels[r]));
    results[index_type] = { build: (t1 - t0) / 1000, search: (t2 - t1) / 1000, nb, rows };
    emit({
      task: 'knn', peer: `orchard-knn-${index_type}`, train_s: (t1 - t0) / 1000, predict_s: (t2 - t1) / 1000, total_s: (t2 - t0) / 1000, metric_name: 'recall@k vs exact', metric: 0,
      n_rows: n, dim: d, queries: m, k, threads: a.threads, basis: 'in-process: index build + search kernels (worker threads), no server',
      extra: { nlists: index.nlists, nprobe: index.nprobe, M: index.M },
    });
  }
  const exact = results['faiss.Flat'];
  for (const t of types.filter((x) => x !== 'faiss.Flat')) {
    const r = results[t];
    emit({ task: 'knn', compare: `orchard-knn-${t} vs orchard-knn-faiss.Flat`, recall_at_k: recall(r.rows, exact.rows, m, k), query_speedup: exact.search / r.search, goal: 'recall_at_k >= 0.95 and query_speedup >= 5' });
  }
  if (a.peer) {
    const out = path.join(DATA, `knn_${n}x${d}_${m}.sk.i32`);
    const line = JSON.parse((await exec(PYTHON, ['-c', PEER, files.x, files.y, files.q, out, String(n), String(d), String(m), String(k), String(a.threads)])).trim().split('\n').pop()!) as { train_s: number; predict_s: number; total_s: number };
    const sk = new Int32Array(fs.readFileSync(out).buffer.slice(0));
    emit({ task: 'knn', peer: 'sklearn-knn-brute', train_s: line.train_s, predict_s: line.predict_s, total_s: line.total_s, n_rows: n, dim: d, queries: m, k, threads: a.threads });
    emit({
      task: 'knn', compare: 'orchard-knn-faiss.Flat vs sklearn-knn-brute', time_ratio: (exact.build + exact.search) / line.total_s, same_neighbours: recall(exact.rows, sk, m, k),
      goal: 'time_ratio <= 1 and same_neighbours = 1',
    });
  }
}
