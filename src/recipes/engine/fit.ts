import type { FittedRecipe, RecipeColumn, RecipeSpec } from './index.js';

export async function fitRecipe(
  spec: RecipeSpec,
  input: { parquetPath: string; columns: RecipeColumn[] },
  opts: { scratchDir: string; threads?: number; signal?: AbortSignal },
): Promise<FittedRecipe> {
  void spec;
  void input;
  void opts;
  throw new Error('not implemented');
}
