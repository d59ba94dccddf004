import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPlatform } from '../src/platform/index.js';
import { resolveConfig } from '../src/core/index.js';
import { Orchard } from '../src/sdk/index.js';
import { dataFile, DATA, emit, PYTHON } from './support.js';

const PEER = `
import json, sys, time
import numpy as np, pandas as pd, xgboost as xgb
train, data, threads, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tr = pd.read_csv(train, header=None).to_numpy(np.float32)
params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": threads, "seed": 0}
bst = xgb.train(params, xgb.DMatrix(tr[:, 1:], label=tr[:, 0], nthread=threads), num_boost_round=rounds)
t = time.perf_counter()
X = pd.read_csv(data, header=None).to_numpy(np.float32)[:, 1:]
read_s = time.perf_counter() - t
t = time.perf_counter()
p = bst.predict(xgb.DMatrix(X, nthread=threads))
predict_s = time.perf_counter() - t
print(json.dumps({"read_s": read_s, "predict_s": predict_s, "rows": int(X.shape[0]), "version": "xgboost " + xgb.__version__}))
`;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/**
 * `npm run bench -- transform [--rounds 200] [--threads 2]`: batch transform of the 1M-row
 * classification set by an Orchard endpoint-less transform job (shards across the
 * embedded workers, output written as a dataset) against XGBoost's own `predict` on the
 * same rows with a model of the same shape (same rounds and depth, trained on the same
 * 100k rows). Orchard's time is the whole job (read Parquet, predict, write, assemble);
 * the peer's is `predict` alone, and with the CSV read.
 */
export async function run(args: string[]): Promise<void> {
  const rounds = arg(args, '--rounds', 200);
  const threads = arg(args, '--threads', 2);
  const data = await dataFile('cls_1m.csv', 'cls');
  const train = path.join(DATA, 'cls_1m_head100k.csv');
  if (!fs.existsSync(train)) spawnSync('sh', ['-c', `head -n 100000 "${data}" > "${train}"`]);

  const py = spawnSync(PYTHON, ['-c', PEER, train, data, String(threads), String(rounds)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (py.status !== 0) throw new Error(`peer failed: ${py.stderr}`);
  const peer = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as { read_s: number; predict_s: number; rows: number; version: string };
  emit({ task: 'transform', peer: peer.version, rows: peer.rows, predict_s: peer.predict_s, read_and_predict_s: peer.read_s + peer.predict_s, rows_per_s: Math.round(peer.rows / peer.predict_s) });

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-transform-'));
  const platform = await startPlatform(resolveConfig({ home, port: 0, workers: threads, logLevel: 'error' }));
  try {
    const sdk = new Orchard({ url: platform.url, token: platform.bootstrap.token });
    await sdk.datasets.create({ name: 'cls100k', file: train });
    let t = performance.now();
    await sdk.datasets.create({ name: 'cls1m', file: data });
    const ingestS = (performance.now() - t) / 1000;
    await sdk.training.create({ name: 'gb', algorithm: 'xgboost', channels: { train: 'cls100k' }, hyperParameters: { objective: 'binary:logistic', num_round: String(rounds), max_depth: '6', eta: '0.1' } });
    const job = await sdk.training.waitFor('gb', { pollMs: 500 });
    if (job.status !== 'Completed') throw new Error(`training failed: ${job.failureReason}`);
    await sdk.models.create({ name: 'gb', fromJob: 'gb' });
    t = performance.now();
    await sdk.transforms.create({ name: 'bench', model: 'gb', input: 'cls1m', output: 'scored', inputFilter: '$[1:]' });
    const done = await sdk.transforms.waitFor('bench', { pollMs: 200 });
    const transformS = (performance.now() - t) / 1000;
    if (done.status !== 'Completed') throw new Error(`transform failed: ${done.failureReason}`);
    emit({ task: 'transform', peer: 'orchard', rows: done.rowsProcessed, transform_s: transformS, rows_per_s: Math.round(done.rowsProcessed / transformS), shards: done.shards.total, workers: threads, ingest_s: ingestS });
    emit({ task: 'transform', ratio_vs_predict: transformS / peer.predict_s, ratio_vs_read_and_predict: transformS / (peer.read_s + peer.predict_s) });
  } finally {
    await platform.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
