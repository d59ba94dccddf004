import type { RecipeColumn, RecipeSpec } from './index.js';

/** JSON or YAML text -> spec; ORCH_RECIPE_INVALID with details.errors listing every problem. */
export function parseRecipe(text: string): RecipeSpec {
  void text;
  throw new Error('not implemented');
}

/** Every step's columns exist (at that point of the recipe) etc.; throws ORCH_RECIPE_COLUMN_MISSING / ORCH_RECIPE_INVALID listing all problems. */
export function checkRecipe(spec: RecipeSpec, columns: RecipeColumn[]): void {
  void spec;
  void columns;
  throw new Error('not implemented');
}
