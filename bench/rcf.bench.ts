/**
 * `npm run bench -- rcf [--rows N] [--dim D] [--threads N] [--no-peer] [--e2e [--orchard-bin B]]`:
 * anomaly detection on generated data (default 100,000 × 8: correlated Gaussian clusters,
 * 1% of rows uniform anomalies over [-10, 10]^d). Orchard's random cut forest (100 trees ×
 * 256 samples, built and scored in process over worker threads) against scikit-learn's
 * `IsolationForest` (100 trees × 256 samples, fit + score_samples) in the same run: ROC
 * AUC of both, and the time ratio Orchard / scikit-learn.
 *
 * `--e2e` instead runs both as a user meets them: `orchard up` from the build (run
 * `npx tsc -p tsconfig.build.json` first), the rows uploaded as datasets (timed apart),
 * then `orchard train --algorithm randomcutforest --wait`, `orchard models create` and
 * `orchard transform --wait` over the same rows (shards of rows / threads), each timed
 * from spawn to exit; against one Python process timed from spawn to exit that reads the
 * CSV with pandas, fits IsolationForest, scores the rows and writes the scores as CSV.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rcfOptions } from '../src/algorithms/randomcutforest/hyperparameters.js';
import { fitForest, scoreParallel } from '../src/algorithms/randomcutforest/index.js';
import { createRandom } from '../src/algorithms/parallel/random.js';
import { Orchard } from '../src/sdk/index.js';
import { cli, machine, orchardBin, round3, serverOf, serverPhases, startOrchard, timed, withCleanup } from './fleet-support.js';
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

const PEER_E2E = `
import json, sys
import numpy as np, pandas as pd
from sklearn.ensemble import IsolationForest
x, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
X = pd.read_csv(x, header=None).to_numpy(np.float32)
model = IsolationForest(n_estimators=100, max_samples=256, random_state=0, n_jobs=threads).fit(X)
pd.DataFrame({"score": -model.score_samples(X)}).to_csv(out, header=False, index=False)
print(json.dumps({"rows": int(X.shape[0])}))
`;

/** The rows as CSV: features only (training, the peer), and label first (the transform's input, so each score keeps its label). */
function writeCsv(X: Float32Array, y: Uint8Array, n: number, d: number): { plain: string; labelled: string } {
  const plain = path.join(DATA, `rcf_${n}x${d}.csv`);
  const labelled = path.join(DATA, `rcf_${n}x${d}_labelled.csv`);
  const a: string[] = [];
  const b: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(X.subarray(i * d, i * d + d), (v) => v.toPrecision(8)).join(',');
    a.push(row);
    b.push(`${y[i]},${row}`);
  }
  fs.writeFileSync(plain, a.join('\n') + '\n');
  fs.writeFileSync(labelled, b.join('\n') + '\n');
  return { plain, labelled };
}

async function endToEnd(args: string[], X: Float32Array, y: Uint8Array, n: number, d: number, threads: number, peer: boolean): Promise<void> {
  const bin = orchardBin(args);
  const { plain, labelled } = writeCsv(X, y, n, d);
  const common = { task: 'rcf-e2e', n_rows: n, dim: d, threads, metric_name: 'roc_auc' };
  const up = await startOrchard(bin, 'up', {});
  await withCleanup(async () => undefined, async () => {
    const server = serverOf(up);
    const t0 = performance.now();
    await cli(bin, server, ['datasets', 'create', 'rcf-rows', '--file', plain, '--json']);
    await cli(bin, server, ['datasets', 'create', 'rcf-labelled', '--file', labelled, '--json']);
    const uploadS = (performance.now() - t0) / 1000;
    const hp = { feature_dim: d, num_trees: 100, num_samples_per_tree: 256 };
    const train = await cli(bin, server, ['train', '--name', 'rcf-e2e', '--algorithm', 'randomcutforest', '--train', 'rcf-rows', ...Object.entries(hp).flatMap(([k, v]) => ['--hp', `${k}=${v}`]), '--wait', '--json']);
    if (train.json?.status !== 'Completed') throw new Error(`training ended ${train.json?.status}: ${train.json?.failureReason ?? train.stderr.slice(-2000)}`);
    const model = await cli(bin, server, ['models', 'create', 'rcf-e2e', '--from-job', 'rcf-e2e', '--json']);
    const transform = await cli(bin, server, [
      'transform', '--name', 'rcf-e2e', '--model', 'rcf-e2e', '--input', 'rcf-labelled', '--output', 'rcf-scored', '--input-filter', '$[1:]', '--join-source', 'Input',
      '--shard-rows', String(Math.ceil(n / threads)), '--wait', '--json',
    ]);
    if (transform.json?.status !== 'Completed') throw new Error(`transform ended ${transform.json?.status}: ${transform.stderr.slice(-2000)}`);
    const oursS = (train.ms + model.ms + transform.ms) / 1000;
    // The scores with their labels, read back (not timed).
    const sdk = new Orchard(server);
    const scores: number[] = [];
    const labels: number[] = [];
    let pageToken: string | undefined;
    do {
      const page = await sdk.datasets.query('SELECT _c0 AS label, prediction FROM "rcf-scored"', { pageSize: 10_000, pageToken });
      for (const r of page.rows) {
        labels.push(Number(r.label));
        scores.push(Number(r.prediction));
      }
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    const auc = rocAuc(scores, labels);
    const phases = await serverPhases(sdk, 'rcf-e2e', 'rcf-e2e');
    emit({
      ...common, peer: 'orchard-randomcutforest (end to end)', wall_s: round3(oursS), metric: auc,
      extra: { train_wait_s: round3(train.ms / 1000), models_create_s: round3(model.ms / 1000), transform_wait_s: round3(transform.ms / 1000), upload_s: round3(uploadS), scored_rows: scores.length, ...phases },
      basis: 'orchard up from the build: orchard train --wait, models create, transform --wait (each spawn to exit); uploads timed apart', ...machine(),
    });
    if (!peer) return;
    const out = path.join(DATA, `rcf_${n}x${d}.if.csv`);
    const peerS = await timed(PYTHON, ['-c', PEER_E2E, plain, out, String(threads)]);
    const peerScores = fs.readFileSync(out, 'utf8').trim().split('\n').map(Number);
    const peerAuc = rocAuc(peerScores, y);
    emit({ ...common, peer: 'sklearn-isolation-forest script', wall_s: round3(peerS), metric: peerAuc, basis: 'one python3 process, spawn to exit: pandas read_csv, fit, score_samples, scores written as CSV' });
    emit({ ...common, compare: 'orchard-randomcutforest end to end vs sklearn-isolation-forest script', auc_difference: auc - peerAuc, time_ratio: oursS / peerS, goal: 'auc_difference >= 0 and time_ratio <= 2', ...machine() });
  });
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(args);
  const n = opt(args, '--rows', 100_000);
  const d = opt(args, '--dim', 8);
  const { X, y, file } = makeData(n, d);
  if (args.includes('--e2e')) return endToEnd(args, X, y, n, d, a.threads, a.peer);
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
    emit({ task: 'rcf', compare: 'orchard-randomcutforest vs sklearn-isolation-forest', auc_difference: ours.auc - peerAuc, time_ratio: ours.total_s / line.total_s, goal: 'auc_difference >= 0 and time_ratio <= 2', ...machine() });
  }
}
