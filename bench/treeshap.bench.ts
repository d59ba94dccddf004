/**
 * `npm run bench -- treeshap [--rows N] [--features N] [--trees N] [--depth N] [--repeat N]`:
 * Orchard's TreeSHAP against XGBoost's `predict(pred_contribs=True)` on the same trees.
 *
 * An Orchard xgboost model (binary:logistic) is trained in-process on synthetic rows,
 * written as an XGBoost JSON model (bench/xgboost-json.ts), and both explain the same
 * float32 rows: Orchard through the model's `explain` (one thread, in-process, tables
 * built inside the timed call), XGBoost (Debian's python3-xgboost) on a DMatrix built
 * outside the timing, with nthread 1 and with all cores. Reports the largest absolute
 * difference over every contribution and the bias, and the time ratios (Orchard / XGBoost).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { rng } from '../src/algorithms/xgboost/binning.js';
import { trainBooster, toBoosterOptions } from '../src/algorithms/xgboost/index.js';
import { emit, exec, median, PYTHON } from './support.js';
import { toXgboostJsonText } from './xgboost-json.js';

const PEER = String.raw`
import json, sys, time
import numpy as np
import xgboost as xgb
d = sys.argv[1]; rows = int(sys.argv[2]); F = int(sys.argv[3]); repeat = int(sys.argv[4])
x = np.fromfile(d + '/x.f32', dtype=np.float32).reshape(rows, F)
out = {'xgboost': xgb.__version__}
for nthread in (1, 0):
    b = xgb.Booster(model_file=d + '/model.json')
    b.set_param({'nthread': nthread} if nthread else {})
    m = xgb.DMatrix(x, missing=np.nan, nthread=nthread or None)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter(); c = b.predict(m, pred_contribs=True); times.append(time.perf_counter() - t0)
    out['s_nthread_%d' % nthread] = sorted(times)[len(times) // 2]
c.astype(np.float32).tofile(d + '/contribs.f32')
margin = b.predict(m, output_margin=True)
out['max_sum_error'] = float(np.max(np.abs(c.sum(axis=1) - margin)))
print(json.dumps(out))
`;

function option(args: string[], name: string, dflt: number): number {
  return args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt;
}

export async function run(args: string[]): Promise<void> {
  const rows = option(args, '--rows', 10_000);
  const F = option(args, '--features', 20);
  const trees = option(args, '--trees', 100);
  const depth = option(args, '--depth', 6);
  const repeat = option(args, '--repeat', 3);
  const rand = rng(42);
  const make = (n: number) => {
    const features = new Float32Array(n * F);
    const labels = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      for (let f = 0; f < F; f++) features[r * F + f] = rand() < 0.03 ? NaN : Math.fround(rand() * 2 - 1);
      const v = (f: number) => features[r * F + f] || 0;
      const s = v(0) + v(1) * v(2) - 0.7 * v(3) + Math.sin(3 * v(4)) + 0.4 * v(5) * v(6) + 0.3 * (rand() - 0.5);
      labels[r] = s > 0 ? 1 : 0;
    }
    return { features, labels, rows: n, cols: F };
  };
  const train = make(20_000);
  const test = make(rows);
  const opts = toBoosterOptions({ num_round: trees, objective: 'binary:logistic', max_depth: depth, eta: 0.1 }, 7, os.availableParallelism());
  const { model } = await trainBooster(train, null, opts, { evalTrain: false });
  const doc = model.toJSON({ algorithmVersion: '1.0.0', hyperparameters: {}, seed: 7, bestIteration: trees - 1 }) as never;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-treeshap-'));
  try {
    fs.writeFileSync(path.join(dir, 'model.json'), toXgboostJsonText(doc));
    fs.writeFileSync(path.join(dir, 'x.f32'), Buffer.from(test.features.buffer, test.features.byteOffset, test.features.byteLength));

    // Orchard first, then the peer: one after the other in the same run, never side by side.
    const times: number[] = [];
    let values: Float64Array = new Float64Array(0);
    for (let i = 0; i < repeat; i++) {
      const predictor = model.predictor(); // fresh: the tables are built inside the timed call
      const t0 = performance.now();
      values = predictor.explain!(test.features, rows).values;
      times.push((performance.now() - t0) / 1000);
    }
    const orchardS = median(times);
    const peer = JSON.parse((await exec(PYTHON, ['-c', PEER, dir, String(rows), String(F), String(repeat)])).trim().split('\n').pop()!) as Record<string, number | string>;
    const theirs = new Float32Array(fs.readFileSync(path.join(dir, 'contribs.f32')).buffer.slice(0));
    let maxAbsDiff = 0;
    for (let i = 0; i < values.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(values[i] - theirs[i]));
    const s1 = Number(peer.s_nthread_1);
    const sAll = Number(peer.s_nthread_0);
    emit({
      bench: 'treeshap',
      rows,
      features: F,
      trees: model.trees.length,
      depth,
      orchard_s: +orchardS.toFixed(4),
      xgboost_1thread_s: +s1.toFixed(4),
      xgboost_allcores_s: +sAll.toFixed(4),
      cores: os.availableParallelism(),
      ratio_vs_1thread: +(orchardS / s1).toFixed(3),
      ratio_vs_allcores: +(orchardS / sAll).toFixed(3),
      max_abs_diff: maxAbsDiff,
      xgboost_sum_error: peer.max_sum_error,
      xgboost: peer.xgboost,
      same_length: values.length === theirs.length,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
