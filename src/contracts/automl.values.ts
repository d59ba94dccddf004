/**
 * Plain values of AutoML (SageMaker Autopilot), with no schema library behind them: the
 * CLI and the studio read these at run time without loading TypeBox.
 */

/** `auto` infers the problem type from the target column. */
export const AUTOML_PROBLEM_TYPES = ['auto', 'binary', 'multiclass', 'regression'] as const;
/** The problem type a job settled on. */
export const AUTOML_RESOLVED_PROBLEM_TYPES = ['binary', 'multiclass', 'regression'] as const;

/** Objective metrics; the default is `auc` (binary), `accuracy` (multiclass), `mse` (regression), as Autopilot's. */
export const AUTOML_OBJECTIVES = ['auc', 'f1', 'accuracy', 'logloss', 'mse', 'rmse', 'mae', 'r2'] as const;
/** Objectives where larger is better; the rest are minimised. */
export const AUTOML_MAXIMIZED_OBJECTIVES: readonly (typeof AUTOML_OBJECTIVES)[number][] = ['auc', 'f1', 'accuracy', 'r2'];

/** `ensembling`: candidates, then a weighted ensemble of the best on out-of-fold predictions; `hpo`: candidates only. */
export const AUTOML_MODES = ['ensembling', 'hpo'] as const;

/**
 * How candidates are scored: `cv` by k-fold cross-validation, `holdout` on the recipes'
 * held-out split, `auto` cross-validation below 20,000 rows and holdout above (as
 * FLAML's `eval_method`).
 */
export const AUTOML_VALIDATIONS = ['auto', 'cv', 'holdout'] as const;

/** Autopilot's AutoMLJobSecondaryStatus values that Orchard passes through. */
export const AUTOML_SECONDARY_STATUSES = [
  'Starting',
  'AnalyzingData',
  'FeatureEngineering',
  'ModelTuning',
  'Ensembling',
  'GeneratingExplainabilityReport',
  'MaxCandidatesReached',
  'MaxAutoMLJobRuntimeReached',
  'Completed',
  'Failed',
  'Stopping',
  'Stopped',
] as const;

/** How a column was read. `dropped` columns carry their reason. */
export const AUTOML_COLUMN_TYPES = ['numeric', 'categorical', 'text', 'date', 'dropped'] as const;

/** Why a column was left out of the features. */
export const AUTOML_DROP_REASONS = ['target', 'constant', 'id-like', 'all-missing', 'unsupported-type'] as const;

/** The two reports that stand in for Autopilot's notebooks. */
export const AUTOML_REPORTS = ['exploration', 'candidates'] as const;
export const AUTOML_REPORT_FORMATS = ['json', 'md'] as const;

/** A candidate's own status: a training job's, or an ensemble's build. */
export const AUTOML_CANDIDATE_STATUSES = ['InProgress', 'Completed', 'Failed', 'Stopped'] as const;

export const AUTOML_LIMITS = {
  maxCandidates: { minimum: 1, maximum: 500, default: 50 },
  maxRuntimeSeconds: { minimum: 60, maximum: 30 * 24 * 3600, default: 3600 },
} as const;
