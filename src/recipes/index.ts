/**
 * Recipes: data-preparation recipes (steps from the engine in ./engine), fitted on a
 * dataset version into numbered fits, applied by jobs into new dataset versions, and
 * copied into models as the first stage of an inference pipeline.
 */
export { RecipeService, parseRecipeRef } from './recipe-service.js';
export type { RecipeServiceDeps } from './recipe-service.js';
export { recipeJobHandler, outputName, RECIPE_JOB_CPUS } from './recipe-worker.js';
export type { RecipeWorkerDeps } from './recipe-worker.js';
export { APPLY_KIND, FIT_KIND, queueJobId } from './types.js';
export type { FitForModel, Recipe, RecipeFit, RecipeJob, RecipeJobFilter, RecipeFilter, CreateRecipeInput, CreateRecipeJobInput } from './types.js';
