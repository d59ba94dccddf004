/** The wire shapes of recipes, fits and recipe jobs are declared once, in the contracts. */
export type {
  CreateRecipeInput,
  CreateRecipeJobInput,
  Recipe,
  RecipeColumn,
  RecipeFilter,
  RecipeFit,
  RecipeJob,
  RecipeJobFilter,
  RecipeJobKind,
  RecipeJobOutput,
  RecipeSplit,
} from '../contracts/index.js';

/** Queue kinds of recipe jobs (one handler on the worker loop runs both). */
export const FIT_KIND = 'recipe-fit';
export const APPLY_KIND = 'recipe-apply';

/** Attempts in all of a fit or apply job (a worker killed mid-job costs one). */
export const RECIPE_JOB_ATTEMPTS = 3;

/** The queue id of a recipe job: one queue entry per job, so enqueueing again is idempotent. */
export const queueJobId = (name: string) => `recipe.${name}`;

/** A recipe fit as the registry copies it into an inference-pipeline model. */
export interface FitForModel {
  ref: string;
  recipe: string;
  version: number;
  target: string | null;
  inputColumns: Array<{ name: string; type: string }>;
  numFeatures: number;
  /** The fitted recipe's JSON (the engine's FittedRecipe). */
  body: Buffer;
}
