import type { DatasetColumn } from '../data/index.js';
import type { RequestProblem } from '../core/index.js';
import type { AutomlColumn, AutomlObjectiveMetric, AutomlProblemType, AutomlResolvedProblemType } from './types.js';

/** What the service hands the analysis: the dataset version's stored columns and statistics. */
export interface AnalyzeInput {
  columns: DatasetColumn[];
  rows: number;
  target: string;
  problemType: AutomlProblemType;
  timeColumn: string | null;
  objective: AutomlObjectiveMetric | null;
  maxRuntimeSeconds: number;
  seed: number;
}

/** What the analysis answers: problems (with their codes) or a plan. */
export interface AnalyzeResult {
  problems: RequestProblem[];
  problemType: AutomlResolvedProblemType | null;
  classes?: string[];
  columns: AutomlColumn[];
  validation: { method: 'cv' | 'holdout'; folds?: number; validationShare?: number } | null;
  recipes: Array<{ variant: string; definition: string }>;
  warnings: string[];
}

/** The table analysis (column types, problem type, recipes): a pure function of the statistics. */
export type AnalyzeTable = (input: AnalyzeInput) => AnalyzeResult;
