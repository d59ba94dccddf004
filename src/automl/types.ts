/** The wire shapes of AutoML jobs are declared once, in the contracts; what is stored beside them is here. */
export type {
  AutomlBestCandidate,
  AutomlCandidate,
  AutomlCandidateStatus,
  AutomlColumn,
  AutomlJob,
  AutomlJobFilter,
  AutomlJobStatus,
  AutomlMode,
  AutomlObjectiveMetric,
  AutomlProblemType,
  AutomlReportFormat,
  AutomlReportName,
  AutomlResolvedProblemType,
  AutomlSecondaryStatus,
  CreateAutomlJobInput,
  CreateAutomlJobRequest,
} from '../contracts/index.js';
import type { TargetMapping } from './analysis/index.js';
import type { AutomlColumn, AutomlMode, AutomlObjectiveMetric, AutomlProblemType, AutomlResolvedProblemType } from '../contracts/index.js';

/** Queue kind of the finalize job (scores, ensemble, registration, reports) on the worker loop. */
export const FINALIZE_KIND = 'automl-finalize';
/** The queue id of a job's finalize: one entry per AutoML job, so enqueueing again is idempotent. */
export const finalizeQueueId = (job: string) => `automl.${job}.finalize`;

/** A candidate's training job on fold `f` (0-based) of a cross-validated job. */
export const foldJobName = (trainingJob: string, fold: number) => `${trainingJob}-cv${fold + 1}`;

/** A request as resolved at create time (defaults filled in), stored as `spec_json`. */
export interface AutomlSpec {
  /** The dataset version read, `D@N`. */
  dataset: string;
  target: string;
  problemTypeRequested: AutomlProblemType;
  objective: AutomlObjectiveMetric;
  maxCandidates: number;
  maxRuntimeSeconds: number;
  mode: AutomlMode;
  timeColumn: string | null;
  maxParallel: number;
  cpus: number;
  seed: number;
  tags: Record<string, string>;
}

/** A recipe the analysis wrote for one family of algorithms. */
export interface AutomlRecipeVariant {
  variant: string;
  /** The recipe's JSON (the recipes capability's definition), its last step the split. */
  definition: string;
}

/** What the analysis found, stored as `analysis_json` at create time. */
export interface AutomlAnalysis {
  problemType: AutomlResolvedProblemType;
  classes?: string[];
  /** Rows per class, in the order of `classes`. */
  classCounts?: number[];
  /** Set when the labels are rewritten as 0 … K-1 before the recipes (the analysis's `targetMapping`). */
  targetMapping: TargetMapping | null;
  columns: AutomlColumn[];
  validation: { method: 'cv' | 'holdout'; folds?: number; validationShare?: number };
  recipes: AutomlRecipeVariant[];
  warnings: string[];
  /** The estimate the budget check used, in seconds. */
  estimate: { featureEngineering: number; candidate: number; finalize: number };
}

/** One variant's progress through feature engineering. */
export interface VariantState {
  recipe: string;
  fitJob?: string;
  fitRef?: string;
  applyJob?: string;
  /** Dataset versions the apply wrote, by split (`train`, `validation`, `test`). */
  splits?: Record<string, string>;
}

/** One fold of a variant's cross-validation: its recipe fit on the rows outside the fold, applied to both sides. */
export interface FoldVariantState {
  fitJob?: string;
  fitRef?: string;
  trainJob?: string;
  validationJob?: string;
  /** Dataset refs the applies wrote: the fold's training rows and its held-out rows. */
  train?: string;
  validation?: string;
}

/** Cross-validation's data (small tables): the folds of the input, and each variant's recipe per fold. */
export interface FoldsState {
  /** Per fold: the input rows outside it (`train`) and in it (`validation`), as dataset refs. */
  inputs?: Array<{ train: string; validation: string }>;
  /** Per variant: the recipe without its split (`<job>-<variant>-cv`) and its state per fold. */
  variants: Record<string, { recipe: string; folds: FoldVariantState[] }>;
}

/** A job's phase state, stored as `state_json`; every step is written before it is acted on. */
export interface AutomlState {
  /** When the controller first picked the job up (the budget runs from creation). */
  startedAt?: string;
  /** The dataset the recipes read: the source, or a copy with the classes as 0 … K-1. */
  input?: string;
  variants: Record<string, VariantState>;
  /** Set when the job cross-validates (`validation.method` is `cv`). */
  folds?: FoldsState;
  /** Set once no more candidates are launched, with the reason. */
  tuningDone?: 'MaxCandidatesReached' | 'MaxAutoMLJobRuntimeReached' | 'Stopped' | 'Exhausted';
  finalizeQueued?: boolean;
  /** How the budget was spent, each phase's end as it happens (the job's `budget`). */
  budget?: BudgetState;
}

/** The phases' ends, written by the controller and the finalize job. */
export interface BudgetState {
  /** When the first candidate was launched (feature engineering over). */
  tuningStartedAt?: string;
  /** When the finalize was queued (every candidate ended). */
  finalizeQueuedAt?: string;
  /** The finalize's expected seconds at that moment (from the candidates' training times). */
  finalizeEstimateSeconds?: number;
  /** What the finalize left out to end within the budget. */
  finalizeDegraded?: string[];
}
