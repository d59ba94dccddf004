import type { ApplyResult, FittedRecipe } from './index.js';

/** Applies to a whole dataset: one output Parquet per split ('all' when the recipe has no split step). */
export async function applyRecipe(
  fitted: FittedRecipe,
  input: { parquetPath: string },
  opts: { outputDir: string; scratchDir: string; threads?: number; signal?: AbortSignal; fitRows?: boolean },
): Promise<ApplyResult> {
  void fitted;
  void input;
  void opts;
  throw new Error('not implemented');
}
