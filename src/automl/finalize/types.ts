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
  /** The ensemble model folder is written under it (`<outDir>/ensemble`). */
  outDir: string;
  signal?: AbortSignal;
  /** Members the ensemble may draw from: the best this many candidates. @default 10 */
  ensembleCandidates?: number;
  /** Greedy selection rounds (members drawn with replacement). @default 25 */
  ensembleRounds?: number;
  /** Seed of the permutation importance's shuffles. @default 0 */
  seed?: number;
}

export interface CandidateScore {
  /** The job's objective on the held-out rows. */
  objective: number;
  /** Every metric of the problem type on the same rows. */
  metrics: Record<string, number>;
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
    /** A model folder for the registry: format `algorithm`, algorithm `ensemble`, no recipe of its own. */
    modelDir: string;
    importance: Record<string, number>;
  };
  /** Per candidate: raw column -> global importance (mean |SHAP| for xgboost, permutation drop otherwise). */
  importance: Record<string, Record<string, number>>;
}
