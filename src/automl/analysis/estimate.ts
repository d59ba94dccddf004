/**
 * How long a job's phases are expected to take, for the budget check before anything
 * runs. The figures come from `npm run bench -- gbdt` on this machine (Orchard's xgboost:
 * 1M rows × 28 features × 200 rounds in about 23 s, 4.1e-9 s per row·feature·round) with
 * a slack of 2 for a busy machine, and a fixed cost per job for the queue, the worker and
 * copying data. They are estimates, meant to refuse a budget that cannot fit one
 * candidate, not to plan the search.
 */
import type { AutomlEstimate, AutomlValidation } from './types.js';

export const ESTIMATE_RULES = {
  /** Seconds per row·feature·boosting round (measured), times the slack. */
  secondsPerCell: 4.1e-9 * 2,
  /** Boosting rounds the first candidate's estimate assumes (xgboost's early stop caps it). */
  rounds: 300,
  /** Queue, worker start, data copy and model upload of one training job. */
  jobOverhead: 15,
  /** Recipe fit and apply (two jobs) per variant: fixed, plus seconds per row·input column. */
  recipeOverhead: 10,
  secondsPerRecipeCell: 2e-7,
  /** Scoring, ensemble, explanations and registration: fixed, plus a share of one candidate. */
  finalizeOverhead: 15,
  finalizeShare: 0.5,
} as const;

/**
 * Seconds for feature engineering (both recipes fitted and applied, one after the other),
 * one candidate (the widest recipe's features; its own model and every fold's when
 * validating by folds), and the finalize phase.
 */
export function estimateSeconds(rows: number, inputColumns: number, widestFeatures: number, validation: AutomlValidation, variants: number): AutomlEstimate {
  const r = ESTIMATE_RULES;
  // Cross-validation fits and applies each recipe once more per fold (side by side with the
  // split's jobs, so no more fixed cost), and trains a candidate once per fold beside its own job.
  const folds = validation.method === 'cv' ? (validation.folds ?? 5) : 0;
  const featureEngineering = variants * (r.recipeOverhead + (1 + folds) * rows * inputColumns * r.secondsPerRecipeCell);
  const fits = 1 + folds;
  const candidate = r.jobOverhead + fits * rows * widestFeatures * r.rounds * r.secondsPerCell;
  const finalize = r.finalizeOverhead + r.finalizeShare * candidate;
  const round = (x: number) => Math.ceil(x);
  return { featureEngineering: round(featureEngineering), candidate: round(candidate), finalize: round(finalize) };
}
