/**
 * Objectives: base margin, label checks, and the transform from margins to predictions.
 * Gradients of the single-output objectives are in kernels.ts (they run on all threads).
 */
import { OrchardError } from '../../core/errors.js';
import type { Objective } from './hyperparameters.js';

/** Kernel id of a single-output objective (see kGradients). */
export function gradientKernelId(objective: Objective): number {
  if (objective === 'reg:squarederror') return 0;
  if (objective === 'count:poisson') return 2;
  return 1;
}

/** Initial margin from base_score (XGBoost 1.x default 0.5, on the output scale). */
export function baseMargin(objective: Objective, baseScore: number | null): number {
  const b = baseScore ?? 0.5;
  switch (objective) {
    case 'binary:logistic':
    case 'reg:logistic':
      if (!(b > 0 && b < 1)) throw new OrchardError('ORCH_HYPERPARAMETER_INVALID', { message: 'base_score must be in (0, 1) for logistic objectives', details: { name: 'base_score', min: 0, max: 1 } });
      return Math.log(b / (1 - b));
    case 'count:poisson':
      if (!(b > 0)) throw new OrchardError('ORCH_HYPERPARAMETER_INVALID', { message: 'base_score must be > 0 for count:poisson', details: { name: 'base_score', min: 0, max: null } });
      return Math.log(b);
    default:
      return b;
  }
}

/** Checks labels against the objective; throws ORCH_TRAINING_DATA_INVALID naming the first bad row. */
export function checkLabels(objective: Objective, labels: Float32Array, numClass: number, channel: string): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    let ok = Number.isFinite(y);
    let rule = 'a finite number';
    if (objective === 'binary:logistic' || objective === 'reg:logistic') {
      ok = y >= 0 && y <= 1;
      rule = 'in [0, 1]';
    } else if (objective === 'multi:softprob' || objective === 'multi:softmax') {
      ok = Number.isInteger(y) && y >= 0 && y < numClass;
      rule = `an integer class id in [0, ${numClass - 1}] (num_class=${numClass})`;
    } else if (objective === 'count:poisson') {
      ok = y >= 0;
      rule = 'a non-negative count';
    }
    if (!ok) {
      throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
        message: `${channel} row ${i + 1}: label ${y} is not ${rule} for objective ${objective}`,
        details: { channel, row: i + 1, label: y, objective },
      });
    }
  }
}

/** Class probabilities (softmax) of K margins per row, in place into `out`. */
export function softmaxRows(margins: Float32Array, rows: number, K: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (margins[o + k] > max) max = margins[o + k];
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(margins[o + k] - max);
      out[o + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) out[o + k] /= sum;
  }
}

/**
 * Predictions on the output scale from row-major margins (K per row). multi:softprob
 * gives K probabilities per row; multi:softmax gives the class id.
 */
export function transform(objective: Objective, margins: Float32Array, rows: number, K: number): { values: Float32Array; outputsPerRow: number } {
  switch (objective) {
    case 'binary:logistic':
    case 'reg:logistic': {
      const v = new Float32Array(rows);
      for (let r = 0; r < rows; r++) v[r] = 1 / (1 + Math.exp(-margins[r]));
      return { values: v, outputsPerRow: 1 };
    }
    case 'count:poisson': {
      const v = new Float32Array(rows);
      for (let r = 0; r < rows; r++) v[r] = Math.exp(margins[r]);
      return { values: v, outputsPerRow: 1 };
    }
    case 'multi:softprob': {
      const v = new Float32Array(rows * K);
      softmaxRows(margins, rows, K, v);
      return { values: v, outputsPerRow: K };
    }
    case 'multi:softmax': {
      const v = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (margins[r * K + k] > margins[r * K + best]) best = k;
        v[r] = best;
      }
      return { values: v, outputsPerRow: 1 };
    }
    default:
      return { values: margins.slice(0, rows), outputsPerRow: 1 };
  }
}
