import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { loadCsvMatrix } from '../src/algorithms/index.js';
import { runEndToEnd } from './gbdt-e2e.bench.js';
import { clsData, headRows, PYTHON } from './support.js';

const XGB_SCRIPT = `
import json, sys, time
import numpy as np, pandas as pd, xgboost as xgb
from sklearn.metrics import roc_auc_score
train, test, threads, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t = time.perf_counter()
tr = pd.read_csv(train, header=None).to_numpy(np.float32); te = pd.read_csv(test, header=None).to_numpy(np.float32)
load_s = time.perf_counter() - t
params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.1, "max_bin": 256,
          "nthread": threads, "seed": 0, "verbosity": 1}
t = time.perf_counter()
bst = xgb.train(params, xgb.DMatrix(tr[:, 1:], label=tr[:, 0], nthread=threads), num_boost_round=rounds)
train_s = time.perf_counter() - t
t = time.perf_counter()
p = bst.predict(xgb.DMatrix(te[:, 1:], nthread=threads))
predict_s = time.perf_counter() - t
print(json.dumps({"train_s": train_s, "predict_s": predict_s, "auc": float(roc_auc_score(te[:, 0], p)),
                  "load_s": load_s, "n_rows": int(tr.shape[0]), "version": "xgboost " + xgb.__version__}))
`;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

type Matrix = Awaited<ReturnType<typeof loadCsvMatrix>>;

async function orchard(tr: Matrix, te: Matrix, threads: number, rounds: number) {
  const { resolveHyperparameters } = await import('../src/algorithms/index.js');
  const { toBoosterOptions, trainBooster, XGBOOST_HYPERPARAMETERS } = await import('../src/algorithms/xgboost/index.js');
  const { auc } = await import('../src/algorithms/xgboost/metrics.js');
  const hp = resolveHyperparameters(XGBOOST_HYPERPARAMETERS, {
    num_round: String(rounds), objective: 'binary:logistic', max_depth: '6', eta: '0.1', max_bin: '256',
  });
  let t = performance.now();
  // Like the peer: no evaluation sets during training; binning is part of the timed fit.
  const result = await trainBooster(tr, null, toBoosterOptions(hp, 0, threads), { evalTrain: false });
  const trainS = (performance.now() - t) / 1000;
  t = performance.now();
  const out = result.model.predictor().predict(te.features, te.rows);
  const predictS = (performance.now() - t) / 1000;
  return { train_s: trainS, predict_s: predictS, auc: auc(out.values, te.labels!) };
}

interface PeerRun {
  train_s: number;
  predict_s: number;
  auc: number;
  load_s: number;
  n_rows: number;
  version: string;
}

function xgboostPeer(train: string, test: string, threads: number, rounds: number): PeerRun {
  const py = spawnSync(PYTHON, ['-c', XGB_SCRIPT, train, test, String(threads), String(rounds)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (py.status !== 0) throw new Error(`xgboost peer failed: ${py.stderr}`);
  return JSON.parse(py.stdout.trim().split('\n').at(-1)!) as PeerRun;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** CPU steal and busy share of the machine between two /proc/stat readings (noisy-neighbour flag). */
function cpuTicks(): { steal: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { steal: f[7] ?? 0, total: f.reduce((a, b) => a + b, 0) };
}

function line(rec: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ...rec, date: new Date().toISOString().slice(0, 10) }) + '\n');
}

/**
 * `npm run bench -- gbdt [--rows N] [--threads 2] [--rounds 200] [--repeat 1] [--e2e-only | --in-process-only]`:
 * 1. in process: Orchard's xgboost and XGBoost hist on the same files, alternating run by
 *    run; medians over the repeats (the machine is shared, so only figures from one run
 *    are compared);
 * 2. end to end (see gbdt-e2e.bench.ts): `orchard train --wait` through a running
 *    `orchard up` against XGBoost's whole script, CSV reading included.
 */
export async function run(args: string[]): Promise<void> {
  if (!args.includes('--e2e-only')) await inProcess(args);
  if (!args.includes('--in-process-only')) await runEndToEnd(args);
}

async function inProcess(args: string[]): Promise<void> {
  const { loadCsvMatrix } = await import('../src/algorithms/index.js');
  const threads = arg(args, '--threads', 2);
  const rounds = arg(args, '--rounds', 200);
  const rows = arg(args, '--rows', 0);
  const repeat = Math.max(1, arg(args, '--repeat', 1));
  let { train, test } = clsData();
  if (rows > 0) {
    train = headRows(train, rows);
    test = headRows(test, Math.max(1000, Math.floor(rows / 5)));
  }
  const dataset = rows > 0 ? `cls_1m[:${rows}]` : 'cls_1m';
  const common = { task: 'gbdt', metric_name: 'auc', threads, dataset, rounds, max_depth: 6, eta: 0.1 };

  const t0 = performance.now();
  const tr = await loadCsvMatrix([train]);
  const te = await loadCsvMatrix([test]);
  const loadS = (performance.now() - t0) / 1000;
  const ours: Awaited<ReturnType<typeof orchard>>[] = [];
  const peer: PeerRun[] = [];
  const before = cpuTicks();
  for (let i = 0; i < repeat; i++) {
    ours.push(await orchard(tr, te, threads, rounds));
    process.stderr.write(`orchard run ${i + 1}: ${ours[i].train_s.toFixed(2)} s\n`);
    peer.push(xgboostPeer(train, test, threads, rounds));
    process.stderr.write(`xgboost run ${i + 1}: ${peer[i].train_s.toFixed(2)} s\n`);
  }
  const after = cpuTicks();
  const stealPct = (100 * (after.steal - before.steal)) / Math.max(1, after.total - before.total);
  const oTrain = median(ours.map((o) => o.train_s));
  const xTrain = median(peer.map((x) => x.train_s));
  line({
    ...common, peer: 'orchard-xgboost', train_s: +oTrain.toFixed(3), predict_s: +median(ours.map((o) => o.predict_s)).toFixed(3),
    metric: +ours[0].auc.toFixed(7), n_rows: tr.rows, extra: { load_s: +loadS.toFixed(2), train_s_runs: ours.map((o) => +o.train_s.toFixed(2)) },
  });
  line({
    ...common, peer: 'xgboost-hist', train_s: +xTrain.toFixed(3), predict_s: +median(peer.map((x) => x.predict_s)).toFixed(3),
    metric: +peer[0].auc.toFixed(7), n_rows: peer[0].n_rows, version: peer[0].version,
    extra: { load_s: +peer[0].load_s.toFixed(2), train_s_runs: peer.map((x) => +x.train_s.toFixed(2)) },
  });
  line({
    ...common, peer: 'ratio', train_ratio: +(oTrain / xTrain).toFixed(3), auc_diff: +(ours[0].auc - peer[0].auc).toFixed(5),
    train_ratio_of_minima: +(Math.min(...ours.map((o) => o.train_s)) / Math.min(...peer.map((x) => x.train_s))).toFixed(3),
    goal: 'train_ratio <= 1.0 and |auc_diff| <= 0.002', cpu_steal_pct: +stealPct.toFixed(2), loadavg: os.loadavg().map((x) => +x.toFixed(2)),
  });
}
