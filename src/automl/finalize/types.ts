/**
 * What the finalize step of an AutoML job gets and gives: every trained candidate scored
 * alike on the held-out rows, the weighted ensemble (mode `ensembling`) written as a model
 * folder, and global importance per raw column.
 */
import type { AutomlMode, AutomlObjectiveMetric, AutomlResolvedProblemType } from '../../contracts/index.js';

/** One trained candidate, its model already unpacked. */
export interface FinalizeCandidate {
  /** `<job>-<n>`. */
  name: string;
  /** The built-in it was trained with (`xgboost`, `linear-learner`, …). */
  algorithm: string;
  /** The recipe variant it reads; a key of `FinalizeInput.recipes`. */
  recipeVariant: string;
  /** The unpacked model folder (holding `model.json`). */
  modelDir: string;
  /** The fitted recipe (JSON) the candidate's features came from. */
  recipeFile: string;
  /**
   * Cross-validation: per fold, the model trained on the rows outside the fold and the
   * recipe fitted on them (the same hyperparameters); as many as `FinalizeInput.folds`.
   */
  folds?: ReadonlyArray<{ modelDir: string; recipeFile: string }>;
}

export interface FinalizeInput {
  problemType: AutomlResolvedProblemType;
  objective: AutomlObjectiveMetric;
  /**
   * Class labels in the order of the models' outputs (classification). A target value is
   * read as its position in this list, or else as a class id 0..K-1.
   */
  classes?: readonly string[];
  mode: AutomlMode;
  /**
   * Per recipe variant: its validation rows as a Parquet file, target first, as a recipe
   * apply writes it. Every variant holds the same rows in the same order.
   */
  recipes: Readonly<Record<string, string>>;
  candidates: readonly FinalizeCandidate[];
  /**
   * Cross-validation: per fold, each variant's held-out rows of that fold (Parquet, target
   * first, every variant the same rows in the same order). Given, candidates are scored out
   * of fold (the mean of the folds' scores) and the ensemble's weights are chosen on the
   * out-of-fold predictions of every row; the held-out `recipes` rows then serve the
   * importance only.
   */
  folds?: ReadonlyArray<Readonly<Record<string, string>>>;
  /** The ensemble model folder is written under it (`<outDir>/ensemble`). */
  outDir: string;
  signal?: AbortSignal;
  /** Members the ensemble may draw from: the best this many candidates. @default 10 */
  ensembleCandidates?: number;
  /** Greedy selection rounds (members drawn with replacement). @default 25 */
  ensembleRounds?: number;
  /** Seed of the permutation importance's shuffles. @default 0 */
  seed?: number;
  /**
   * When the answer is due (epoch ms; the job's budget). Candidates past the first `keep`
   * are not scored once it has passed, the ensemble is not built past it, and importance
   * explains fewer rows to fit (the winner's at the least, the others' skipped once it has
   * passed). Without it nothing is left out.
   */
  deadline?: number;
  /** Candidates (the first ones) scored whatever the time. @default all */
  keep?: number;
}

export interface CandidateScore {
  /** The job's objective on the held-out rows, or the mean over the folds. */
  objective: number;
  /** Every metric of the problem type on the same rows (out of fold: on every row's out-of-fold prediction). */
  metrics: Record<string, number>;
  /** Cross-validation: the objective on each fold, their standard deviation, and the rows predicted out of fold. */
  folds?: CrossValidationScore;
}

export interface CrossValidationScore {
  scores: number[];
  /** Population standard deviation of `scores`. */
  std: number;
  rows: number;
}

export interface FinalizeResult {
  scores: Record<string, CandidateScore>;
  /** Candidates that could not be scored (a model that does not load, a recipe that does not apply), with why. */
  failures: Record<string, string>;
  /** Mode `ensembling` with at least two scored candidates; absent when selection kept one member only. */
  ensemble?: {
    members: Array<{ candidate: string; weight: number }>;
    objective: number;
    metrics: Record<string, number>;
    folds?: CrossValidationScore;
    /** A model folder for the registry: format `algorithm`, algorithm `ensemble`, no recipe of its own. */
    modelDir: string;
    /** Absent when the budget's time ran out before it was computed. */
    importance?: Record<string, number>;
  };
  /** Per candidate: raw column -> global importance (mean |SHAP| for xgboost, permutation drop otherwise). */
  importance: Record<string, Record<string, number>>;
  /** What was left out to answer by the deadline (candidates not scored, no ensemble, importance on fewer rows or none); empty when nothing was. */
  degraded: string[];
}
