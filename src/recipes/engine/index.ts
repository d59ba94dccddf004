/**
 * The recipe engine: Data Wrangler-style data-preparation recipes, parsed, checked,
 * fitted on a dataset (DuckDB aggregates), applied to a whole dataset (one generated
 * SELECT written by `COPY … TO … (FORMAT parquet)`) and applied online, row by row, by
 * {@link rowTransform} with the same numbers. The step catalogue is docs/recipes-steps.md.
 */

/** A column of a dataset or of a recipe's output: its name and DuckDB type. */
export interface RecipeColumn {
  name: string;
  type: string;
}

/** What a step does with a category it did not see at fit time. */
export type UnknownPolicy = 'error' | 'ignore';

export interface SelectStep { select: { columns: string[] } }
export interface DropStep { drop: { columns: string[] } }
export interface RenameStep { rename: { columns: Record<string, string> } }
export interface CastStep { cast: { columns: string[]; to: 'double' | 'bigint' | 'varchar' | 'boolean' | 'date' | 'timestamp' } }
export interface ImputeStep {
  impute: { columns: string[]; strategy?: 'mean' | 'median' | 'most_frequent' | 'constant'; value?: string | number };
}
export interface DedupeStep { dedupe: { columns?: string[] } | null }
export interface FilterStep { filter: { expr: string } }
export interface OneHotStep {
  one_hot: { columns: string[]; unknown?: UnknownPolicy };
}
export interface OrdinalStep {
  ordinal: { columns: string[]; unknown?: UnknownPolicy; order?: Record<string, Array<string | number>> };
}
export interface ScaleStep { scale: { columns: string[]; method?: 'standard' | 'minmax' | 'robust' } }
export interface BucketizeStep {
  bucketize: { columns: string[]; edges?: number[]; quantiles?: number };
}
export interface LogStep { log: { columns: string[]; offset?: number } }
export interface PowerStep {
  power: { columns: string[]; method?: 'yeo-johnson' | 'exponent'; exponent?: number; standardize?: boolean };
}
export interface DatePartsStep {
  date_parts: {
    columns: string[];
    parts?: Array<'year' | 'month' | 'day' | 'weekday' | 'hour' | 'minute' | 'dayofyear'>;
    cyclic?: boolean;
    keep?: boolean;
  };
}
export interface TfidfStep {
  tfidf: { columns: string[]; features?: number; lowercase?: boolean; sublinear?: boolean; norm?: 'l2' | 'none' };
}
export interface TargetEncodeStep {
  target_encode: { columns: string[]; smoothing?: number; folds?: number; seed?: number; per_class?: boolean };
}
export interface SplitStep {
  split: {
    train: number;
    validation?: number;
    test?: number;
    method?: 'random' | 'stratified' | 'time';
    seed?: number;
    column?: string;
  };
}

/** One step: an object with one key naming its kind. */
export type RecipeStep =
  | SelectStep
  | DropStep
  | RenameStep
  | CastStep
  | ImputeStep
  | DedupeStep
  | FilterStep
  | OneHotStep
  | OrdinalStep
  | ScaleStep
  | BucketizeStep
  | LogStep
  | PowerStep
  | DatePartsStep
  | TfidfStep
  | TargetEncodeStep
  | SplitStep;

export type StepKind = keyof SelectStep | keyof DropStep | keyof RenameStep | keyof CastStep | keyof ImputeStep
  | keyof DedupeStep | keyof FilterStep | keyof OneHotStep | keyof OrdinalStep | keyof ScaleStep | keyof BucketizeStep
  | keyof LogStep | keyof PowerStep | keyof DatePartsStep | keyof TfidfStep | keyof TargetEncodeStep | keyof SplitStep;

export interface RecipeSpec {
  target?: string;
  steps: RecipeStep[];
}

export interface FittedRecipe {
  formatVersion: 1;
  spec: RecipeSpec;
  /** The dataset columns the recipe reads (target included when present). */
  inputColumns: Array<{ name: string; type: string }>;
  /** Target first when present, then features in order. */
  outputColumns: Array<{ name: string; type: string }>;
  /** Learned parameters per step (JSON-serialisable). */
  steps: unknown[];
}

export type SplitName = 'all' | 'train' | 'validation' | 'test';

export interface ApplyResult {
  outputs: Array<{ split: SplitName; parquetPath: string; rows: number }>;
  columns: Array<{ name: string; type: string }>;
}

/** Online application: raw rows -> feature matrix, the target excluded. */
export interface RowTransform {
  /** The columns a raw row carries, in CSV order (the input columns minus the target). */
  readonly inputColumns: string[];
  /** Feature names (target excluded). */
  readonly outputColumns: string[];
  readonly numFeatures: number;
  /** rows: arrays in inputColumns order (strings, numbers, null/'' for missing) or objects by column name. */
  transform(rows: ReadonlyArray<ReadonlyArray<string | number | null> | Readonly<Record<string, unknown>>>): Float32Array;
}

export { parseRecipe, checkRecipe } from './spec.js';
export { fitRecipe } from './fit.js';
export { applyRecipe } from './apply.js';
export { rowTransform } from './online.js';
