/**
 * `npm run bench -- kmeans [--repeat N] [--threads N] [--no-peer]`: k=20 on blobs_500k
 * (500,000 × 16), Orchard's full Lloyd and web-scale modes against scikit-learn's Lloyd
 * (k-means++, n_init=1) in the same run. Prints JSON lines; the `compare` lines carry
 * the time ratio (Orchard / peer; ≤ 1 is faster) and the inertia ratio.
 */
import { loadCsvMatrix } from '../src/algorithms/data/matrix.js';
import { kmeansOptions } from '../src/algorithms/kmeans/hyperparameters.js';
import { toShared } from '../src/algorithms/parallel/kernel-pool.js';
import { fitKMeans } from '../src/algorithms/kmeans/kmeans-core.js';
import { kmeansPredictor } from '../src/algorithms/kmeans/kmeans-model.js';
import { benchArgs, dataFile, emit, median, runPeer, type BenchLine } from './support.js';

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(args);
  const file = await dataFile('blobs_500k.csv', 'blobs');
  const t0 = performance.now();
  const m = await loadCsvMatrix([file], { label: false });
  const loadS = (performance.now() - t0) / 1000;
  const X = toShared(m.features);
  const settings: { peer: string; hp: Record<string, string | number> }[] = [
    { peer: 'orchard-kmeans-lloyd', hp: { k: 20, init_method: 'kmeans++', algorithm_mode: 'lloyd' } },
    { peer: 'orchard-kmeans-webscale', hp: { k: 20, init_method: 'kmeans++' } },
    { peer: 'orchard-kmeans-webscale-random', hp: { k: 20 } },
  ];
  const ours: BenchLine[] = [];
  for (const s of settings) {
    const o = kmeansOptions(s.hp);
    const fits: number[] = [];
    const preds: number[] = [];
    let ssd = 0;
    let iterations = 0;
    for (let r = 0; r < a.repeat; r++) {
      const f0 = performance.now();
      const fit = await fitKMeans(X, m.rows, m.cols, o, { threads: a.threads, seed: r });
      fits.push((performance.now() - f0) / 1000);
      const p0 = performance.now();
      kmeansPredictor({ k: fit.k, featureDim: fit.d, centers: Array.from(fit.centers) }).predict(m.features, m.rows);
      preds.push((performance.now() - p0) / 1000);
      ssd = fit.ssd;
      iterations = fit.iterations;
    }
    const line: BenchLine = {
      task: 'kmeans', peer: s.peer, train_s: median(fits), predict_s: median(preds), metric_name: 'inertia', metric: ssd,
      n_rows: m.rows, threads: a.threads, dataset: 'blobs_500k', version: 'orchard',
      extra: { k: 20, hyperparameters: s.hp, iterations, load_s: loadS, train_s_runs: fits },
    };
    emit(line);
    ours.push(line);
  }
  if (a.peer) {
    const peers = await runPeer('kmeans', a);
    const ref = peers.find((p) => p.peer === 'sklearn-kmeans-lloyd');
    if (ref) {
      for (const o of ours) {
        emit({
          task: 'kmeans', compare: `${o.peer} vs ${ref.peer}`, time_ratio: o.train_s / ref.train_s, metric_ratio: o.metric / ref.metric,
          goal: 'time_ratio <= 1 and metric_ratio <= 1.01',
        });
      }
    }
  }
}
