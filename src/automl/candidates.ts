/**
 * What candidates are: (recipe variant, algorithm) pairs, each searched by its own
 * Bayesian strategy over the algorithm's usual ranges, with the static hyperparameters and
 * the training metric that stand for the AutoML objective during the search. The
 * leaderboard's objective is computed afterwards by AutoML itself, on the same rows for all.
 */
import type { ParameterRange } from '../tuning/index.js';
import type { AutomlCandidatesTable } from './automl-store.js';
import type { AutomlAnalysis, AutomlObjectiveMetric, AutomlResolvedProblemType, AutomlSpec } from './types.js';

/** Candidates the finalize scores (and the ensemble draws from): the best by their training metric. */
export const FINALIZE_TOP = 10;

export interface CandidatePair {
  variant: string;
  algorithm: 'xgboost' | 'linear-learner';
  /**
   * The pair's share of the candidates after each pair has had one: gradient-boosted trees
   * on the trees recipe are usually the strongest family on tables, so they get three
   * candidates for every one of the others (the others still feed the ensemble).
   */
  weight: number;
}

/**
 * xgboost reads the `trees` recipe, linear-learner the `linear` one; xgboost also reads
 * `linear` when the budget counts enough candidates for a third family (6 or more).
 * A variant the analysis did not write is left out.
 */
export function candidatePairs(variants: readonly string[], maxCandidates: number): CandidatePair[] {
  const has = (v: string) => variants.includes(v);
  const pairs: CandidatePair[] = [];
  const trees = has('trees') ? 'trees' : variants[0];
  pairs.push({ variant: trees, algorithm: 'xgboost', weight: 3 });
  if (has('linear')) pairs.push({ variant: 'linear', algorithm: 'linear-learner', weight: 1 });
  if (has('linear') && trees !== 'linear' && maxCandidates >= 6) pairs.push({ variant: 'linear', algorithm: 'xgboost', weight: 1 });
  return pairs;
}

/**
 * The next pair to try: one without a candidate yet, else the one with the fewest
 * candidates for its weight (ties in list order).
 */
export function nextPair(pairs: readonly CandidatePair[], counts: ReadonlyMap<string, number>): CandidatePair {
  const untried = pairs.find((p) => (counts.get(pairKey(p)) ?? 0) === 0);
  if (untried) return untried;
  let best = pairs[0];
  const load = (p: CandidatePair) => (counts.get(pairKey(p)) ?? 0) / p.weight;
  for (const p of pairs) if (load(p) < load(best)) best = p;
  return best;
}

/**
 * The first points each pair tries before its Bayesian search takes over: configurations
 * that do well on most tables (a small portfolio, as FLAML and AutoGluon start from), so a
 * short budget does not rest on random draws. The search then conditions on them.
 */
export function initialConfigs(algorithm: CandidatePair['algorithm']): Record<string, number>[] {
  if (algorithm === 'xgboost') {
    return [
      { eta: 0.1, max_depth: 6, min_child_weight: 1, subsample: 0.8, colsample_bytree: 0.8, lambda: 1 },
      { eta: 0.05, max_depth: 8, min_child_weight: 2, subsample: 0.8, colsample_bytree: 0.6, lambda: 3 },
      { eta: 0.15, max_depth: 4, min_child_weight: 1, subsample: 0.9, colsample_bytree: 0.9, lambda: 1 },
    ];
  }
  return [{ learning_rate: 0.01, wd: 1e-4, l1: 1e-7, mini_batch_size: 1000 }];
}

export const pairKey = (p: CandidatePair) => `${p.variant}/${p.algorithm}`;

/** Search ranges: SageMaker's tuning ranges for each algorithm, narrowed to what a short budget explores well. */
export function searchRanges(algorithm: CandidatePair['algorithm']): ParameterRange[] {
  if (algorithm === 'xgboost') {
    return [
      { name: 'eta', type: 'continuous', min: 0.02, max: 0.3, scaling: 'Logarithmic' },
      { name: 'max_depth', type: 'integer', min: 2, max: 10, scaling: 'Auto' },
      { name: 'min_child_weight', type: 'continuous', min: 0.5, max: 20, scaling: 'Logarithmic' },
      { name: 'subsample', type: 'continuous', min: 0.5, max: 1, scaling: 'Auto' },
      { name: 'colsample_bytree', type: 'continuous', min: 0.5, max: 1, scaling: 'Auto' },
      { name: 'lambda', type: 'continuous', min: 0.01, max: 100, scaling: 'Logarithmic' },
    ];
  }
  return [
    { name: 'learning_rate', type: 'continuous', min: 1e-4, max: 1, scaling: 'Logarithmic' },
    { name: 'wd', type: 'continuous', min: 1e-7, max: 1, scaling: 'Logarithmic' },
    { name: 'l1', type: 'continuous', min: 1e-7, max: 1, scaling: 'Logarithmic' },
    { name: 'mini_batch_size', type: 'integer', min: 100, max: 5000, scaling: 'Logarithmic' },
  ];
}

/** The training metric a candidate's training job reports for the search, and its direction. */
export interface SearchMetric {
  metric: string;
  direction: 'maximize' | 'minimize';
}

/** Hyperparameters every candidate of a pair gets, and the metric the search follows. */
export function staticHyperParameters(algorithm: CandidatePair['algorithm'], problemType: AutomlResolvedProblemType, objective: AutomlObjectiveMetric, classes: number, seed: number): { hyperParameters: Record<string, string>; search: SearchMetric } {
  if (algorithm === 'xgboost') {
    const evalMetric = xgboostMetric(problemType, objective);
    const hp: Record<string, string> = {
      // Early stopping on the validation rows ends a candidate where more rounds stop helping.
      num_round: '1000',
      early_stopping_rounds: '30',
      eval_metric: evalMetric,
      seed: String(seed),
      objective: problemType === 'binary' ? 'binary:logistic' : problemType === 'multiclass' ? 'multi:softprob' : 'reg:squarederror',
      ...(problemType === 'multiclass' ? { num_class: String(classes) } : {}),
    };
    return { hyperParameters: hp, search: { metric: `validation:${evalMetric}`, direction: evalMetric === 'auc' ? 'maximize' : 'minimize' } };
  }
  const predictor = problemType === 'binary' ? 'binary_classifier' : problemType === 'multiclass' ? 'multiclass_classifier' : 'regressor';
  const hp: Record<string, string> = {
    predictor_type: predictor,
    epochs: '15',
    seed: String(seed),
    ...(problemType === 'multiclass' ? { num_classes: String(classes) } : {}),
  };
  return { hyperParameters: hp, search: linearMetric(problemType, objective) };
}

function xgboostMetric(problemType: AutomlResolvedProblemType, objective: AutomlObjectiveMetric): string {
  if (problemType === 'binary') return objective === 'auc' ? 'auc' : objective === 'logloss' ? 'logloss' : 'error';
  if (problemType === 'multiclass') return objective === 'logloss' ? 'mlogloss' : 'merror';
  return objective === 'mae' ? 'mae' : 'rmse';
}

function linearMetric(problemType: AutomlResolvedProblemType, objective: AutomlObjectiveMetric): SearchMetric {
  if (problemType === 'binary') {
    if (objective === 'auc') return { metric: 'validation:auc', direction: 'maximize' };
    if (objective === 'logloss') return { metric: 'validation:objective_loss', direction: 'minimize' };
    return { metric: 'validation:binary_classification_accuracy', direction: 'maximize' };
  }
  if (problemType === 'multiclass') {
    if (objective === 'logloss') return { metric: 'validation:objective_loss', direction: 'minimize' };
    return { metric: 'validation:multiclass_accuracy', direction: 'maximize' };
  }
  return objective === 'mae' ? { metric: 'validation:absolute_loss', direction: 'minimize' } : { metric: 'validation:rmse', direction: 'minimize' };
}

/**
 * The candidates the finalize takes, in its order: completed ones with a training objective,
 * the best of each (recipe, algorithm) pair by its own search metric, taken from the pairs in
 * turn, so every family reaches the finalize however its training metric reads (the first
 * entries are each family's best).
 */
export function finalizeOrder(candidates: readonly AutomlCandidatesTable[], spec: Pick<AutomlSpec, 'objective'>, analysis: Pick<AutomlAnalysis, 'problemType'>): AutomlCandidatesTable[] {
  const groups = new Map<string, AutomlCandidatesTable[]>();
  for (const c of candidates) {
    if (c.algorithm === 'ensemble' || c.status !== 'Completed' || c.trained_objective === null) continue;
    const key = `${c.variant}/${c.algorithm}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const list of groups.values()) {
    const { direction } = staticHyperParameters(list[0].algorithm as CandidatePair['algorithm'], analysis.problemType, spec.objective, 0, 0).search;
    const sign = direction === 'maximize' ? -1 : 1;
    list.sort((a, b) => sign * (Number(a.trained_objective) - Number(b.trained_objective)));
  }
  const out: AutomlCandidatesTable[] = [];
  const lists = [...groups.values()];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}

/** Families (recipe, algorithm pairs) among some candidates. */
export function familyCount(candidates: readonly Pick<AutomlCandidatesTable, 'variant' | 'algorithm'>[]): number {
  return new Set(candidates.map((c) => `${c.variant}/${c.algorithm}`)).size;
}
