import type { FittedRecipe, RowTransform } from './index.js';

/** Online (endpoints, batch transform): raw rows -> feature matrix, the target excluded; same numbers as applyRecipe. */
export function rowTransform(fitted: FittedRecipe): RowTransform {
  void fitted;
  throw new Error('not implemented');
}
