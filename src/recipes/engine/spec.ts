import { parseDocument } from 'yaml';
import { type RequestProblem, errorOfProblems } from '../../core/errors.js';
import type { RecipeColumn, RecipeSpec } from './index.js';
import { readSteps, throwProblems, walk } from './plan.js';

/** The longest recipe text accepted. */
export const MAX_RECIPE_BYTES = 1024 * 1024;

/**
 * JSON or YAML text -> spec; ORCH_RECIPE_INVALID with details.errors listing every problem.
 * Text starting with `{` is read as JSON (exact error positions); anything else as YAML
 * (of which JSON is a subset).
 */
export function parseRecipe(text: string): RecipeSpec {
  const invalid = (message: string) =>
    errorOfProblems([{ field: 'recipe', code: 'ORCH_RECIPE_INVALID', message: `recipe: ${message}` }]);
  if (typeof text !== 'string' || text.trim() === '') throw invalid('the recipe is empty');
  if (Buffer.byteLength(text) > MAX_RECIPE_BYTES) throw invalid(`the recipe is larger than ${MAX_RECIPE_BYTES} bytes`);
  let value: unknown;
  if (text.trimStart().startsWith('{')) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw invalid(`not valid JSON: ${(err as Error).message}`);
    }
  } else {
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length) throw invalid(`not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
    value = doc.toJS({ maxAliasCount: 100 });
  }
  const problems: RequestProblem[] = [];
  readSteps(value, problems);
  throwProblems(problems);
  return value as RecipeSpec;
}

/**
 * Every step's columns exist (at that point of the recipe), have a type the step works
 * on, and no step makes a name twice; throws ORCH_RECIPE_COLUMN_MISSING / ORCH_RECIPE_INVALID
 * listing all problems. Columns that only fitting reveals (one_hot's) are checked at fit.
 */
export function checkRecipe(spec: RecipeSpec, columns: RecipeColumn[]): void {
  const problems: RequestProblem[] = [];
  const read = readSteps(spec, problems);
  walk(read.steps, read.target, columns, problems);
  throwProblems(problems);
}
