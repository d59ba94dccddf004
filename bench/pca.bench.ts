/**
 * `npm run bench -- pca [--repeat N] [--threads N] [--no-peer]`: 8 of 28 components on
 * the cls_1m features (1,000,000 × 28, label dropped), Orchard's regular and randomized
 * modes against scikit-learn's PCA (full and randomized) in the same run. The `compare`
 * lines carry the time ratio (Orchard / peer) and the explained-variance difference.
 */
import { loadCsvMatrix } from '../src/algorithms/data/matrix.js';
import { pcaOptions } from '../src/algorithms/pca/hyperparameters.js';
import { toShared } from '../src/algorithms/parallel/kernel-pool.js';
import { fitPca } from '../src/algorithms/pca/pca-core.js';
import { pcaPredictor } from '../src/algorithms/pca/pca-model.js';
import { benchArgs, dataFile, emit, median, runPeer, type BenchLine } from './support.js';

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(args);
  const file = await dataFile('cls_1m.csv', 'cls');
  const t0 = performance.now();
  const m = await loadCsvMatrix([file]);
  const loadS = (performance.now() - t0) / 1000;
  const X = toShared(m.features);
  const ours: BenchLine[] = [];
  for (const mode of ['regular', 'randomized']) {
    const o = pcaOptions({ num_components: 8, algorithm_mode: mode });
    const fits: number[] = [];
    const preds: number[] = [];
    let evr: Float64Array = new Float64Array(0);
    for (let r = 0; r < a.repeat; r++) {
      const f0 = performance.now();
      const fit = await fitPca(X, m.rows, m.cols, o, { threads: a.threads, seed: r });
      fits.push((performance.now() - f0) / 1000);
      const p0 = performance.now();
      pcaPredictor({ featureDim: fit.d, numComponents: fit.k, mean: Array.from(fit.mean), components: Array.from(fit.components) }).predict(m.features, m.rows);
      preds.push((performance.now() - p0) / 1000);
      evr = fit.explainedVarianceRatio;
    }
    const line: BenchLine = {
      task: 'pca', peer: `orchard-pca-${mode}`, train_s: median(fits), predict_s: median(preds), metric_name: 'explained_variance_ratio_8',
      metric: evr.reduce((s, v) => s + v, 0), n_rows: m.rows, threads: a.threads, dataset: 'cls_1m_features', version: 'orchard',
      extra: { n_components: 8, evr_first: evr[0], evr_last: evr[evr.length - 1], load_s: loadS, train_s_runs: fits },
    };
    emit(line);
    ours.push(line);
  }
  if (a.peer) {
    const peers = await runPeer('pca', a);
    for (const ref of peers) {
      for (const o of ours) {
        emit({
          task: 'pca', compare: `${o.peer} vs ${ref.peer}`, time_ratio: o.train_s / ref.train_s, metric_diff: o.metric - ref.metric,
          goal: 'abs(metric_diff) <= 1e-3 and time_ratio <= 1 against sklearn-pca-randomized',
        });
      }
    }
  }
}
