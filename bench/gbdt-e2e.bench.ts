/**
 * The end-to-end part of `npm run bench -- gbdt`: a training job through the platform as a
 * user runs it against XGBoost doing the same work in one script.
 *
 * - Orchard: `orchard up` (the built `dist/`, a home of its own, embedded defaults, its
 *   default workers) as a child process; the train and validation CSVs uploaded as
 *   datasets (timed apart); then `orchard train … --wait` timed from spawn to exit: submit,
 *   queue, attempt start, reading the data, 200 rounds with train and validation AUC each
 *   round, storing the model, and the client seeing Completed.
 * - XGBoost (Debian's python3-xgboost, `/usr/bin/python3`): one process timed from spawn
 *   to exit: imports, reading both CSVs with pandas, the same rounds, depth, eta and bins
 *   with train and validation AUC each round on `--threads` threads, saving the model.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { cli, machine, numberOption, option, orchardBin, round3, serverOf, startOrchard, withCleanup } from './fleet-support.js';
import { clsData, emit, headRows, median, PYTHON } from './support.js';

const XGB_E2E = `
import json, sys, tempfile, time
import numpy as np, pandas as pd, xgboost as xgb
train, valid, threads, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t = time.perf_counter()
tr = pd.read_csv(train, header=None).to_numpy(np.float32); va = pd.read_csv(valid, header=None).to_numpy(np.float32)
load_s = time.perf_counter() - t
params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.1, "max_bin": 256,
          "eval_metric": "auc", "nthread": threads, "seed": 0, "verbosity": 1}
t = time.perf_counter()
dtrain = xgb.DMatrix(tr[:, 1:], label=tr[:, 0], nthread=threads); dvalid = xgb.DMatrix(va[:, 1:], label=va[:, 0], nthread=threads)
res = {}
bst = xgb.train(params, dtrain, num_boost_round=rounds, evals=[(dtrain, "train"), (dvalid, "validation")], evals_result=res, verbose_eval=False)
with tempfile.TemporaryDirectory() as d:
    bst.save_model(d + "/model.json")
train_s = time.perf_counter() - t
print(json.dumps({"train_auc": res["train"]["auc"][-1], "validation_auc": res["validation"]["auc"][-1], "rounds": len(res["train"]["auc"]),
                  "load_s": load_s, "train_s": train_s, "version": "xgboost " + xgb.__version__}))
`;

interface PeerE2e {
  wall_s: number;
  train_auc: number;
  validation_auc: number;
  rounds: number;
  load_s: number;
  train_s: number;
  version: string;
}

function xgboostE2e(train: string, valid: string, threads: number, rounds: number): Promise<PeerE2e> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const py = spawn(PYTHON, ['-c', XGB_E2E, train, valid, String(threads), String(rounds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    py.stdout.on('data', (c: Buffer) => (out += c.toString()));
    py.stderr.on('data', (c: Buffer) => (err += c.toString()));
    py.on('error', reject);
    py.on('close', (code) => {
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`xgboost failed (${code}): ${err}`));
      resolve({ wall_s: wall, ...(JSON.parse(out.trim().split('\n').at(-1)!) as Omit<PeerE2e, 'wall_s'>) });
    });
  });
}

interface OrchardE2e {
  wall_s: number;
  queued_s: number | null;
  server_s: number | null;
  train_auc: number | null;
  validation_auc: number | null;
  threads_logged: string | null;
}

const seconds = (a?: string | null, b?: string | null) => (a && b ? (Date.parse(b) - Date.parse(a)) / 1000 : null);

/**
 * `orchard train --wait --json`, timed from spawn to exit. `--cpus N` is passed on only
 * when given (builds without CPU requests refuse it).
 */
async function orchardE2e(bin: string, server: { url: string; token: string }, name: string, rounds: number, cpus: string | undefined): Promise<OrchardE2e> {
  const hp = { objective: 'binary:logistic', num_round: String(rounds), max_depth: '6', eta: '0.1', max_bin: '256', eval_metric: 'auc' };
  const run = await cli(bin, server, [
    'train', '--name', name, '--algorithm', 'xgboost', '--train', 'gbdt-train', '--validation', 'gbdt-validation',
    ...Object.entries(hp).flatMap(([k, v]) => ['--hp', `${k}=${v}`]), ...(cpus ? ['--cpus', cpus] : []), '--wait', '--json',
  ]);
  const job = run.json as { status: string; createdAt: string; startedAt: string | null; endedAt: string | null; finalMetrics?: Record<string, number>; failureReason?: string };
  if (job?.status !== 'Completed') throw new Error(`training job ${name} ended ${job?.status}: ${job?.failureReason ?? run.stderr.slice(-2000)}`);
  // The log says how many threads the attempt got ("… 2 threads"), where the build logs it.
  const threads = /(\d+) threads?\b/.exec(run.stderr)?.[0] ?? null;
  return {
    wall_s: run.ms / 1000,
    queued_s: seconds(job.createdAt, job.startedAt),
    server_s: seconds(job.createdAt, job.endedAt),
    train_auc: job.finalMetrics?.['train:auc'] ?? null,
    validation_auc: job.finalMetrics?.['validation:auc'] ?? null,
    threads_logged: threads,
  };
}

/**
 * Options: `--rows N` (first N training rows, N/5 validation rows), `--rounds 200`,
 * `--threads 2` (XGBoost's), `--repeat 1` (alternating runs, medians), `--orchard-bin`,
 * `--cpus N` (passed to `orchard train`), `--workers N` (passed to `orchard up`).
 */
export async function runEndToEnd(args: string[]): Promise<void> {
  const bin = orchardBin(args);
  const threads = numberOption(args, '--threads', 2);
  const rounds = numberOption(args, '--rounds', 200);
  const rows = numberOption(args, '--rows', 0);
  const repeat = Math.max(1, numberOption(args, '--repeat', 1));
  const workers = option(args, '--workers');
  const cpus = option(args, '--cpus');
  let { train, test: valid } = clsData();
  if (rows > 0) {
    train = headRows(train, rows);
    valid = headRows(valid, Math.max(1000, Math.floor(rows / 5)));
  }
  const common = { task: 'gbdt-e2e', dataset: rows > 0 ? `cls_1m[:${rows}]` : 'cls_1m', validation: path.basename(valid), rounds, max_depth: 6, eta: 0.1, metric_name: 'validation_auc' };

  const up = await startOrchard(bin, 'up', {}, workers ? ['--workers', workers] : []);
  await withCleanup(async () => undefined, async () => {
    const server = serverOf(up);
    process.stderr.write(`orchard up ready in ${(up.readyMs / 1000).toFixed(2)} s at ${server.url}\n`);
    const t0 = performance.now();
    await cli(bin, server, ['datasets', 'create', 'gbdt-train', '--file', train, '--json']);
    await cli(bin, server, ['datasets', 'create', 'gbdt-validation', '--file', valid, '--json']);
    const uploadS = (performance.now() - t0) / 1000;
    process.stderr.write(`datasets uploaded in ${uploadS.toFixed(1)} s\n`);

    const ours: OrchardE2e[] = [];
    const peer: PeerE2e[] = [];
    for (let i = 0; i < repeat; i++) {
      ours.push(await orchardE2e(bin, server, `gbdt-e2e-${i + 1}`, rounds, cpus));
      process.stderr.write(`orchard train --wait run ${i + 1}: ${ours[i].wall_s.toFixed(2)} s (${ours[i].threads_logged ?? 'threads not logged'})\n`);
      peer.push(await xgboostE2e(train, valid, threads, rounds));
      process.stderr.write(`xgboost script run ${i + 1}: ${peer[i].wall_s.toFixed(2)} s\n`);
    }
    const oWall = median(ours.map((o) => o.wall_s));
    const xWall = median(peer.map((x) => x.wall_s));
    emit({
      ...common, peer: 'orchard-train-wait', wall_s: round3(oWall), metric: ours[0].validation_auc, train_auc: ours[0].train_auc,
      extra: {
        wall_s_runs: ours.map((o) => round3(o.wall_s)), server_s_runs: ours.map((o) => o.server_s), queued_s_runs: ours.map((o) => o.queued_s),
        upload_s: round3(uploadS), up_ready_s: round3(up.readyMs / 1000), threads_logged: ours[0].threads_logged, workers: workers ?? 'default', cpus: cpus ?? 'default',
        orchard_bin: bin,
      },
    });
    emit({
      ...common, peer: 'xgboost-script', wall_s: round3(xWall), metric: peer[0].validation_auc, train_auc: peer[0].train_auc, threads, version: peer[0].version,
      extra: { wall_s_runs: peer.map((x) => round3(x.wall_s)), load_s: round3(peer[0].load_s), train_s: round3(peer[0].train_s) },
    });
    emit({
      ...common, peer: 'ratio', wall_ratio: round3(oWall / xWall),
      validation_auc_diff: ours[0].validation_auc !== null ? +(ours[0].validation_auc - peer[0].validation_auc).toFixed(5) : null,
      goal: 'wall_ratio <= 1.0', ...machine(), total_mem_gib: Math.round(os.totalmem() / 2 ** 30),
    });
  });
}
