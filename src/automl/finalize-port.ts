/**
 * The finalize step's contract as the finalize job uses it: scoring every candidate on the
 * same validation rows, the ensemble and importance (`./finalize`). The platform wires the
 * function; these shapes are what the job needs of it.
 */
import type { AutomlMode, AutomlObjectiveMetric, AutomlResolvedProblemType } from './types.js';

export interface FinalizeCandidateInput {
  name: string;
  algorithm: string;
  recipeVariant: string;
  modelDir: string;
  recipeFile: string;
  /** Cross-validation: per fold, the model trained outside it and its recipe fit. */
  folds?: ReadonlyArray<{ modelDir: string; recipeFile: string }>;
}

/** The objective on each fold, their standard deviation, the rows predicted out of fold. */
export interface FoldScores {
  scores: number[];
  std: number;
  rows: number;
}

export interface FinalizeCall {
  problemType: AutomlResolvedProblemType;
  objective: AutomlObjectiveMetric;
  classes?: readonly string[];
  mode: AutomlMode;
  recipes: Readonly<Record<string, string>>;
  /** Cross-validation: per fold, each variant's held-out rows of that fold. */
  folds?: ReadonlyArray<Readonly<Record<string, string>>>;
  candidates: readonly FinalizeCandidateInput[];
  outDir: string;
  signal?: AbortSignal;
  seed?: number;
  /** When the answer is due (epoch ms): importance shrinks to fit, candidates past `keep` are left out once it has passed. */
  deadline?: number;
  /** The first this many candidates are scored whatever the time. */
  keep?: number;
}

export interface FinalizeAnswer {
  scores: Record<string, { objective: number; metrics: Record<string, number>; folds?: FoldScores }>;
  failures?: Record<string, string>;
  ensemble?: { members: Array<{ candidate: string; weight: number }>; objective: number; metrics: Record<string, number>; folds?: FoldScores; modelDir: string; importance?: Record<string, number> };
  importance: Record<string, Record<string, number>>;
  /** What was left out to answer by the deadline. */
  degraded?: string[];
}

export type FinalizeCandidates = (input: FinalizeCall) => Promise<FinalizeAnswer>;
