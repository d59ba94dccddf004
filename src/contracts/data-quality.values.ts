/**
 * Plain values of data-quality reports, with no schema library behind them: the CLI and
 * the studio read these at run time without loading TypeBox.
 */

/** What a report's quick model and target analysis treat the target as; `auto` decides from the column. */
export const DATA_QUALITY_PROBLEM_TYPES = ['auto', 'binary', 'multiclass', 'regression'] as const;

/** How much a warning matters, as Data Wrangler ranks its insights. */
export const DATA_QUALITY_SEVERITIES = ['high', 'medium', 'low'] as const;

/** What a warning is about. */
export const DATA_QUALITY_WARNING_KINDS = [
  'duplicate-rows',
  'missing-values',
  'constant-column',
  'id-like-column',
  'high-cardinality',
  'outliers',
  'target-missing',
  'class-imbalance',
  'target-leakage',
  'quick-model-skipped',
  'columns-not-analysed',
] as const;

/** The thresholds a report applies, written into every report (`thresholds`). */
export const DATA_QUALITY_LIMITS = {
  /** Rows a report's distributions, single-feature scores and outlier centres are computed on, at most. */
  sampleRows: 100_000,
  /** Rows the quick model trains and validates on, at most. */
  modelRows: 50_000,
  /** Columns analysed, at most (the rest are listed in a warning). */
  maxColumns: 1000,
  /** Classes a classification target may have. */
  maxClasses: 100,
  /** A categorical column with more distinct values than this is high-cardinality. */
  highCardinality: 100,
  /** … or with more than this share of its values distinct. */
  highCardinalityShare: 0.5,
  /** |x − median| / (1.4826 · MAD) above this is an outlier (Iglewicz and Hoaglin's modified z-score). */
  outlierZ: 3.5,
  /** A minority class below this share of the rows is an imbalance. */
  minorityShare: 0.1,
  /** A single feature scoring at least this (AUC, or R² for regression) on held-out rows leaks the target. */
  leakageScore: 0.99,
} as const;
