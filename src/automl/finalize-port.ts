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
}

export interface FinalizeCall {
  problemType: AutomlResolvedProblemType;
  objective: AutomlObjectiveMetric;
  classes?: readonly string[];
  mode: AutomlMode;
  recipes: Readonly<Record<string, string>>;
  candidates: readonly FinalizeCandidateInput[];
  outDir: string;
  signal?: AbortSignal;
  seed?: number;
}

export interface FinalizeAnswer {
  scores: Record<string, { objective: number; metrics: Record<string, number> }>;
  failures?: Record<string, string>;
  ensemble?: { members: Array<{ candidate: string; weight: number }>; objective: number; metrics: Record<string, number>; modelDir: string; importance?: Record<string, number> };
  importance: Record<string, Record<string, number>>;
}

export type FinalizeCandidates = (input: FinalizeCall) => Promise<FinalizeAnswer>;
