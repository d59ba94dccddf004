/**
 * `npm run bench -- linear [--repeat N] [--threads N] [--no-peer]`: binary linear
 * learner on cls_1m (1,000,000 × 28; AUC on cls_1m_test), against scikit-learn's
 * LogisticRegression (lbfgs) and SGDClassifier in the same run. No validation channel:
 * the model is selected on training loss, as SageMaker does without one. The `compare`
 * lines carry the time ratio (Orchard / peer) and the AUC difference.
 */
import { loadCsvMatrix } from '../src/algorithms/data/matrix.js';
import { linearOptions } from '../src/algorithms/linear-learner/hyperparameters.js';
import { fitLinear } from '../src/algorithms/linear-learner/linear-core.js';
import { auc } from '../src/algorithms/linear-learner/linear-metrics.js';
import { linearPredictor } from '../src/algorithms/linear-learner/linear-model.js';
import { benchArgs, dataFile, emit, median, runPeer, type BenchLine } from './support.js';

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(args);
  const trainFile = await dataFile('cls_1m.csv', 'cls');
  const testFile = await dataFile('cls_1m_test.csv', 'cls');
  const t0 = performance.now();
  const tr = await loadCsvMatrix([trainFile]);
  const te = await loadCsvMatrix([testFile]);
  const loadS = (performance.now() - t0) / 1000;
  const settings: { peer: string; hp: Record<string, string | number> }[] = [
    { peer: 'orchard-linear-learner', hp: { predictor_type: 'binary_classifier' } },
    { peer: 'orchard-linear-learner-1model', hp: { predictor_type: 'binary_classifier', num_models: 1, learning_rate: 0.01 } },
  ];
  const ours: BenchLine[] = [];
  for (const s of settings) {
    const o = linearOptions(s.hp);
    const fits: number[] = [];
    const preds: number[] = [];
    let score = 0;
    let epochs = 0;
    let chosen: unknown = null;
    for (let r = 0; r < a.repeat; r++) {
      const f0 = performance.now();
      const fit = await fitLinear(tr, null, o, { threads: a.threads, seed: r });
      fits.push((performance.now() - f0) / 1000);
      const p0 = performance.now();
      const { values } = linearPredictor({ predictorType: o.predictorType, loss: o.loss, featureDim: fit.d, outputs: fit.out, weights: Array.from(fit.weights), bias: Array.from(fit.bias), mean: Array.from(fit.mean) }).predict(te.features, te.rows);
      preds.push((performance.now() - p0) / 1000);
      score = auc(values, te.labels!);
      epochs = fit.epochs;
      chosen = fit.chosen;
    }
    const line: BenchLine = {
      task: 'linear', peer: s.peer, train_s: median(fits), predict_s: median(preds), metric_name: 'auc', metric: score,
      n_rows: tr.rows, threads: a.threads, dataset: 'cls_1m', version: 'orchard',
      extra: { hyperparameters: s.hp, epochs, chosen, n_test: te.rows, load_s: loadS, train_s_runs: fits },
    };
    emit(line);
    ours.push(line);
  }
  if (a.peer) {
    const peers = await runPeer('linear', a);
    for (const ref of peers) {
      for (const o of ours) {
        emit({
          task: 'linear', compare: `${o.peer} vs ${ref.peer}`, time_ratio: o.train_s / ref.train_s, metric_diff: o.metric - ref.metric,
          goal: 'metric_diff >= -0.005 and time_ratio <= 2 against logreg-lbfgs',
        });
      }
    }
  }
}
