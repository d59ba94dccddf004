/** AutoML's scoring: metrics with scikit-learn's definitions and Caruana's ensemble selection. */
export { accuracy, argmaxRows, auc, aucOfProbs, f1, isMaximized, logloss, mae, metric, metrics, mse, PROBLEM_METRICS, r2 } from './metrics.js';
export type { MetricName, ProblemType } from './metrics.js';
export { ensembleSelection } from './ensemble-selection.js';
export type { EnsembleSelection, EnsembleSelectionInput } from './ensemble-selection.js';
