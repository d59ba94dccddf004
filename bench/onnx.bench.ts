/**
 * `npm run bench -- onnx [--repeat N] [--rows N]`: prediction with each built-in's own
 * predictor against the same model exported to ONNX and run by onnxruntime-node (1 and
 * 2 intra-op threads), on the same rows in the same run. Models are trained here on
 * 50,000 generated rows x 20 features (xgboost: 100 rounds, depth 6). Prints JSON lines;
 * `ratio` is ONNX / native (< 1: ONNX is faster) and `max_abs_diff` the largest
 * difference between the two predictions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getAlgorithm, registerBuiltins, resolveHyperparameters } from '../src/algorithms/index.js';
import { exportToOnnx, openOnnxPredictor } from '../src/onnx/index.js';
import { emit, median } from './support.js';

const F = 20;

function rows(n: number, seed: number, label: boolean): { csv: string; x: Float32Array } {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const x = new Float32Array(n * F);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < F; j++) x[i * F + j] = rand() * 4 - 2;
    const r = x.subarray(i * F, (i + 1) * F);
    const y = r[0] - r[1] * r[2] + 0.5 * Math.sin(r[3]) + 0.2 * (rand() - 0.5) > 0 ? 1 : 0;
    if (label) lines.push(`${y},${Array.from(r, (v) => v.toFixed(4)).join(',')}`);
  }
  return { csv: lines.join('\n') + '\n', x };
}

export async function run(args: string[]): Promise<void> {
  const opt = (name: string, d: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const repeat = opt('repeat', 3);
  const n = opt('rows', 200_000);
  registerBuiltins();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-onnx-bench-'));
  try {
    const trainCsv = path.join(dir, 'train.csv');
    const featuresCsv = path.join(dir, 'features.csv');
    const train = rows(50_000, 1, true);
    fs.writeFileSync(trainCsv, train.csv);
    fs.writeFileSync(featuresCsv, train.csv.replace(/^[^,]*,/gm, ''));
    const { x } = rows(n, 2, false);
    const settings: Array<[string, Record<string, string>, boolean]> = [
      ['xgboost', { objective: 'binary:logistic', num_round: '100', max_depth: '6' }, true],
      ['linear-learner', { predictor_type: 'binary_classifier', epochs: '3' }, true],
      ['kmeans', { k: '20', feature_dim: String(F) }, false],
      ['pca', { num_components: '8' }, false],
    ];
    for (const [algorithm, hp, labelled] of settings) {
      const algo = getAlgorithm(algorithm);
      const modelDir = path.join(dir, algorithm);
      await algo.train({
        hyperparameters: resolveHyperparameters(algo.hyperparameters, hp),
        channels: { train: { files: [labelled ? trainCsv : featuresCsv], contentType: 'text/csv' } },
        modelDir,
        checkpointDir: path.join(dir, `${algorithm}-ckpt`),
        threads: 2,
        seed: 1,
        signal: new AbortController().signal,
        log: () => {},
        metric: () => {},
      });
      const file = path.join(dir, `${algorithm}.onnx`);
      const e0 = performance.now();
      fs.writeFileSync(file, await exportToOnnx(modelDir, algorithm));
      const exportS = (performance.now() - e0) / 1000;
      const native = await algo.load(modelDir);
      const times: number[] = [];
      let expected = native.predict(x, n).values;
      for (let r = 0; r < repeat; r++) {
        const t0 = performance.now();
        expected = native.predict(x, n).values;
        times.push((performance.now() - t0) / 1000);
      }
      const nativeS = median(times);
      for (const threads of [1, 2]) {
        const onnx = await openOnnxPredictor(file, { threads });
        const onnxTimes: number[] = [];
        let got = (await onnx.predict(x, n)).values;
        for (let r = 0; r < repeat; r++) {
          const t0 = performance.now();
          got = (await onnx.predict(x, n)).values;
          onnxTimes.push((performance.now() - t0) / 1000);
        }
        await onnx.close();
        let diff = 0;
        for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - expected[i]));
        const onnxS = median(onnxTimes);
        emit({ task: 'onnx-predict', algorithm, rows: n, native_s: nativeS, onnx_s: onnxS, onnx_threads: threads, ratio: onnxS / nativeS, max_abs_diff: diff, export_s: exportS, onnx_bytes: fs.statSync(file).size });
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
