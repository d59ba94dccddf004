/** The shapes {@link analyzeTable} reads and writes. */
import type { RequestProblem } from '../../core/errors.js';
import type {
  AutomlColumn,
  AutomlObjectiveMetric,
  AutomlProblemType,
  AutomlResolvedProblemType,
  DatasetColumn,
} from '../../contracts/index.js';
import type { RecipeSpec } from '../../recipes/engine/index.js';

/** One value of the target with its row count, as {@link targetCountsQuery} returns them. */
export interface TargetCount {
  value: string | number | boolean;
  count: number;
}

/** What {@link analyzeTable} reads: what a dataset version stores about itself, and the request. */
export interface AnalyzeInput {
  /** The dataset version (its `rowCount` and `columns` with their statistics). */
  version: { rowCount: number; columns: DatasetColumn[] };
  /** The column to predict. */
  target: string;
  /** @default 'auto' */
  problemType?: AutomlProblemType;
  /** @default auc (binary), accuracy (multiclass), mse (regression) */
  objective?: AutomlObjectiveMetric;
  /** A date or timestamp column: the split is by time (the latest rows validate). */
  timeColumn?: string | null;
  /** The whole job's budget; checked against {@link Analysis.estimate}. */
  maxRuntimeSeconds: number;
  /** The split's seed. @default 0 */
  seed?: number;
  /** `cv`, `holdout`, or `auto` (cv below `VALIDATION_RULES.cvMaxRows` rows, never by time). @default 'auto' */
  validation?: 'auto' | 'cv' | 'holdout';
  /**
   * Every value of the target with its count (the result of {@link targetCountsQuery}).
   * Dataset statistics keep the 5 most frequent values only, so without this a target
   * with more than 5 values cannot be read as classes; pass it whenever the target exists.
   */
  targetCounts?: TargetCount[];
}

/** How candidates are validated: k-fold on small tables, a held-out share on large ones. */
export interface AutomlValidation {
  method: 'cv' | 'holdout';
  folds?: number;
  validationShare?: number;
}

/** The class labels mapped to 0 … K-1, when the target's values are not those numbers already. */
export interface TargetMapping {
  column: string;
  /** `labels[i]` becomes `i`; raw values as the data holds them (text, number or boolean). */
  labels: Array<string | number | boolean>;
}

/** A recipe the analysis wrote for one family of algorithms. */
export interface AutomlRecipe {
  /** `trees` (xgboost) or `linear` (linear-learner). */
  variant: 'trees' | 'linear';
  /** The algorithms that read this recipe's output. */
  algorithms: string[];
  /** The recipe as JSON text (docs/recipes-steps.md), with its split step. */
  definition: string;
  /** The same recipe as an object. */
  spec: RecipeSpec;
  /** The same steps without the split (for folds made outside the recipe). */
  unsplitDefinition: string;
  /** The raw columns the recipe reads as features (the target not included). */
  featureColumns: string[];
  /** Features after encoding (an estimate: one-hot widths from distinct counts). */
  estimatedFeatures: number;
}

/** Seconds each phase is expected to take (the budget check): see estimate.ts. */
export interface AutomlEstimate {
  featureEngineering: number;
  candidate: number;
  finalize: number;
}

/** What {@link analyzeTable} found. */
export interface Analysis {
  /** Every problem found (empty when the job can run); codes `ORCH_AUTOML_*`. */
  problems: RequestProblem[];
  /** Null when the target is missing or unusable. */
  problemType: AutomlResolvedProblemType | null;
  objective: AutomlObjectiveMetric | null;
  /** Class labels in the order of the model's outputs (index i = output i); classification only. */
  classes?: string[];
  /** Rows per class, in the order of `classes`. */
  classCounts?: number[];
  /** Set when the labels must be rewritten as 0 … K-1 before the recipes (see {@link targetMappingQuery}). */
  targetMapping: TargetMapping | null;
  columns: AutomlColumn[];
  validation: AutomlValidation;
  recipes: AutomlRecipe[];
  warnings: string[];
  estimate: AutomlEstimate;
  rows: { total: number; withTarget: number };
}
