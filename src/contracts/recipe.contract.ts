/**
 * Data-preparation recipes (SageMaker Data Wrangler flows): a recipe's steps, its fits
 * (learned parameters, versioned per recipe) and the jobs that fit and apply it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { JobName, JobStatus, JobTimeFields, Nullable, PageQuery, Strict, StringEnum, StringRecord, Tags, Timestamp } from './common.contract.js';

/** A recipe's name: 1–63 alphanumerics, hyphens only between them. */
export const RecipeName = JobName;

/** `R` (its latest fit) or `R@N` (fit version N). */
export const RecipeRef = Type.String({ minLength: 1, maxLength: 80 });

/** What a recipe job does: learn a recipe's parameters, or apply a fit to a dataset. */
export const RECIPE_JOB_KINDS = ['fit', 'apply'] as const;
export const RecipeJobKind = StringEnum(RECIPE_JOB_KINDS);
export type RecipeJobKind = Static<typeof RecipeJobKind>;

/** Where an applied row went: `all` without a split step, else its split. */
export const RECIPE_SPLITS = ['all', 'train', 'validation', 'test'] as const;
export const RecipeSplit = StringEnum(RECIPE_SPLITS);
export type RecipeSplit = Static<typeof RecipeSplit>;

/** How an apply job stores its outputs. */
export const RECIPE_OUTPUT_FORMATS = ['parquet', 'csv'] as const;
export const RecipeOutputFormat = StringEnum(RECIPE_OUTPUT_FORMATS);
export type RecipeOutputFormat = Static<typeof RecipeOutputFormat>;

/** A column a recipe reads or writes, with its DuckDB type. */
export const RecipeColumn = Type.Object({ name: Type.String(), type: Type.String() });
export type RecipeColumn = Static<typeof RecipeColumn>;

/** What a client sends to create a recipe; `createdBy` comes from the caller's token. */
export const CreateRecipeRequest = Strict({
  name: RecipeName,
  /** The recipe as JSON or YAML text: `target` and `steps` (docs/recipes-steps.md). */
  definition: Type.String({ minLength: 1, maxLength: 256 * 1024 }),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  tags: Type.Optional(Tags),
});
export type CreateRecipeRequest = Static<typeof CreateRecipeRequest>;
export type CreateRecipeInput = CreateRecipeRequest & { createdBy?: string };

/** `GET /recipes` filters. */
export const RecipeFilter = Strict({ nameContains: Type.Optional(Type.String({ maxLength: 63 })), ...PageQuery });
export type RecipeFilter = Static<typeof RecipeFilter>;

export const Recipe = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  /** The column the recipe keeps aside as the label (first in applied datasets); null without one. */
  target: Nullable(Type.String()),
  /** The steps, as parsed (one object per step, keyed by its kind). */
  steps: Type.Array(Type.Unknown()),
  /** The text as it was given (JSON or YAML). */
  definition: Type.String(),
  tags: StringRecord,
  /** Fits made so far and the newest one's version (null before the first fit). */
  fitCount: Type.Integer(),
  latestFit: Nullable(Type.Integer()),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type Recipe = Static<typeof Recipe>;

/** One fit of a recipe: its parameters learned on one dataset version, stored as an artifact. */
export const RecipeFit = Type.Object({
  recipe: Type.String(),
  version: Type.Integer(),
  /** `recipe@version`. */
  ref: Type.String(),
  /** The fit job that made it. */
  job: Type.String(),
  dataset: Type.Object({ dataset: Type.String(), version: Type.Integer() }),
  target: Nullable(Type.String()),
  /** The columns a raw row carries (the target excluded), in CSV order. */
  inputColumns: Type.Array(RecipeColumn),
  /** The applied dataset's columns: the target first, then the features. */
  outputColumns: Type.Array(RecipeColumn),
  numFeatures: Type.Integer(),
  artifactKey: Type.String(),
  sha256: Type.String(),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type RecipeFit = Static<typeof RecipeFit>;

/** What a client sends to start a fit or an apply job. */
export const CreateRecipeJobRequest = Strict({
  /** @default generated from the recipe name, the kind and the time */
  name: Type.Optional(JobName),
  kind: RecipeJobKind,
  /** fit: the recipe `R`; apply: `R@N`, or `R` for its latest fit. */
  recipe: RecipeRef,
  /** The input dataset (`name` or `name@3`). */
  dataset: Type.String({ minLength: 1, maxLength: 200 }),
  /**
   * apply only: the output dataset's name (a new version of it is written). With a split
   * step, one dataset per split: `NAME-train`, `NAME-validation`, `NAME-test`.
   */
  output: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /**
   * apply only: how the outputs are stored. `parquet` keeps the column names and types;
   * `csv` is what the built-in algorithms train on (no header, the target first).
   * @default 'parquet'
   */
  format: Type.Optional(RecipeOutputFormat),
  /** Tags added to the output datasets (apply). */
  tags: Type.Optional(Tags),
});
export type CreateRecipeJobRequest = Static<typeof CreateRecipeJobRequest>;
export type CreateRecipeJobInput = CreateRecipeJobRequest & { createdBy?: string };

/** `GET /recipe-jobs` filters. */
export const RecipeJobFilter = Strict({
  recipe: Type.Optional(RecipeName),
  kind: Type.Optional(RecipeJobKind),
  status: Type.Optional(JobStatus),
  ...PageQuery,
});
export type RecipeJobFilter = Static<typeof RecipeJobFilter>;

/** One dataset version an apply job wrote. */
export const RecipeJobOutput = Type.Object({
  split: RecipeSplit,
  /** `NAME@VERSION`. */
  ref: Type.String(),
  dataset: Type.String(),
  version: Type.Integer(),
  rows: Type.Integer(),
});
export type RecipeJobOutput = Static<typeof RecipeJobOutput>;

export const RecipeJob = Type.Object({
  name: Type.String(),
  kind: RecipeJobKind,
  status: JobStatus,
  failureReason: Nullable(Type.String()),
  recipe: Type.String(),
  /** fit: the version it made (null until it completes); apply: the fit it applies. */
  fitVersion: Nullable(Type.Integer()),
  input: Type.Object({ dataset: Type.String(), version: Type.Integer(), rows: Type.Integer() }),
  /** apply: the output dataset name; null for a fit. */
  output: Nullable(Type.String()),
  /** apply: how the outputs are stored; null for a fit. */
  format: Nullable(RecipeOutputFormat),
  /** apply: what it wrote, one entry per split (empty until it completes). */
  outputs: Type.Array(RecipeJobOutput),
  tags: StringRecord,
  ...JobTimeFields,
});
export type RecipeJob = Static<typeof RecipeJob>;

/** `GET /recipes/{name}/fits/{version}` path: a number or `latest`. */
export const RecipeFitParams = Type.Object({ name: RecipeName, version: Type.String({ pattern: '^([1-9][0-9]{0,8}|latest)$' }) });
export type RecipeFitParams = Static<typeof RecipeFitParams>;
