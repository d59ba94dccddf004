/**
 * The two recipes AutoML writes (steps of docs/recipes-steps.md), one per family of
 * algorithms:
 * - `trees` (xgboost): missing values kept (the trees route them), low-cardinality
 *   categories one-hot, the others ordinal (or target-encoded past the engine's 1000
 *   categories; in a multiclass problem of up to 20 classes, target-encoded per class),
 *   date parts without sin/cos, hashed tfidf for text.
 * - `linear` (linear-learner): medians for missing numbers, one-hot categories (target
 *   encoding for wide ones, per class in a multiclass problem), date parts with sin/cos,
 *   hashed tfidf for text, then every dense number standardised.
 *
 * Both first keep the feature columns (`select`, which keeps the target), drop rows
 * without a target (`filter`), then split. The split comes before the fitted steps, not
 * after them: the engine fits the steps after a split on the training rows only, so
 * medians, categories, idf weights and target encodings learn nothing from the
 * validation rows, and a time split still finds its column before `date_parts` replaces it.
 */
import type { AutomlResolvedProblemType } from '../../contracts/index.js';
import type { RecipeSpec, RecipeStep } from '../../recipes/engine/index.js';
import type { ReadColumn } from './columns.js';
import type { AutomlRecipe } from './types.js';

/** Widths and limits of the encodings. */
export const RECIPE_RULES = {
  /** Trees one-hot a category column up to this many values, ordinal above. */
  treesOneHotMax: 10,
  /** Linear one-hot up to this many values; wider columns are target-encoded (binary, regression). */
  linearOneHotMax: 50,
  /** The engine's limit per column for one_hot and ordinal. */
  categoryMax: 1000,
  treesTextFeatures: 64,
  linearTextFeatures: 128,
  /** Hashed buckets for a category column past `categoryMax` in a multiclass problem of more than `perClassMax` classes. */
  hashedCategoryFeatures: 32,
  /**
   * A multiclass problem of up to this many classes target-encodes its wide category
   * columns per class (one column per class: the smoothed share of each class), as binary
   * and regression problems encode them with the target's mean. Ordinal codes of a wide
   * category leave trees to carve arbitrary level orders; on the bench's 4-class table with
   * a 200-level column, XGBoost's accuracy went from 0.658 (ordinal) to 0.678.
   */
  perClassMax: 20,
} as const;

export interface RecipeInput {
  target: string;
  problemType: AutomlResolvedProblemType;
  /** The number of classes (classification). */
  classes?: number;
  /** The columns kept as features (not dropped), in dataset order. */
  features: ReadColumn[];
  split: { method: 'random' | 'stratified' | 'time'; column?: string; validation: number; seed: number };
}

type Encoding = 'one_hot' | 'ordinal' | 'target_encode' | 'hash';

function categoryEncoding(c: ReadColumn, variant: 'trees' | 'linear', input: RecipeInput): Encoding {
  const distinct = c.distinct ?? Number.POSITIVE_INFINITY;
  const numericTarget = input.problemType !== 'multiclass';
  const perClass = input.problemType === 'multiclass' && (input.classes ?? Number.POSITIVE_INFINITY) <= RECIPE_RULES.perClassMax;
  if (c.kind === 'boolean') return variant === 'trees' ? 'ordinal' : 'one_hot';
  if (variant === 'trees') {
    if (distinct <= RECIPE_RULES.treesOneHotMax) return 'one_hot';
    if (perClass) return 'target_encode';
    if (distinct <= RECIPE_RULES.categoryMax) return 'ordinal';
    return numericTarget ? 'target_encode' : 'hash';
  }
  if (distinct <= RECIPE_RULES.linearOneHotMax) return 'one_hot';
  if (numericTarget || perClass) return 'target_encode';
  return distinct <= RECIPE_RULES.categoryMax ? 'one_hot' : 'hash';
}

/** Date parts asked of a column: the hour only when it has times. */
function dateParts(c: ReadColumn): Array<'year' | 'month' | 'day' | 'weekday' | 'hour' | 'dayofyear'> {
  return c.hasTime ? ['year', 'month', 'day', 'weekday', 'dayofyear', 'hour'] : ['year', 'month', 'day', 'weekday', 'dayofyear'];
}

/** The DOUBLE columns `date_parts` makes of a column (names as the engine writes them). */
function datePartColumns(c: ReadColumn, cyclic: boolean): string[] {
  return dateParts(c).flatMap((p) => (cyclic && p !== 'year' ? [`${c.name}_${p}`, `${c.name}_${p}_sin`, `${c.name}_${p}_cos`] : [`${c.name}_${p}`]));
}

/** Adds `date_parts`, one step per set of parts. */
function pushDateParts(steps: RecipeStep[], dates: ReadColumn[], cyclic: boolean): void {
  for (const hasTime of [false, true]) {
    const group = dates.filter((c) => c.hasTime === hasTime);
    if (group.length) steps.push({ date_parts: { columns: group.map((c) => c.name), parts: dateParts(group[0]), cyclic } });
  }
}

function head(input: RecipeInput): RecipeStep[] {
  // Always filtered: a NaN counts as a value in the statistics but is missing to the engine,
  // and a built-in algorithm refuses a row without a label.
  return [{ select: { columns: input.features.map((c) => c.name) } }, { filter: { expr: `${quoteName(input.target)} is not null` } }];
}

function splitStep(input: RecipeInput): RecipeStep {
  const { method, column, validation, seed } = input.split;
  const train = Math.round((1 - validation) * 1e6) / 1e6;
  return { split: { train, validation: Math.round(validation * 1e6) / 1e6, test: 0, method, seed, ...(method === 'time' ? { column } : {}) } };
}

/** A column name inside a filter expression: `"…"` with quotes doubled. */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function byKind(features: ReadColumn[]) {
  return {
    numeric: features.filter((c) => c.type === 'numeric'),
    categorical: features.filter((c) => c.type === 'categorical'),
    text: features.filter((c) => c.type === 'text'),
    date: features.filter((c) => c.type === 'date'),
  };
}

function encodeCategories(steps: RecipeStep[], categorical: ReadColumn[], variant: 'trees' | 'linear', input: RecipeInput): { encoded: Record<Encoding, ReadColumn[]>; width: number } {
  const encoded: Record<Encoding, ReadColumn[]> = { one_hot: [], ordinal: [], target_encode: [], hash: [] };
  for (const c of categorical) encoded[categoryEncoding(c, variant, input)].push(c);
  const names = (cs: ReadColumn[]) => cs.map((c) => c.name);
  if (encoded.one_hot.length) steps.push({ one_hot: { columns: names(encoded.one_hot), unknown: 'ignore' } });
  if (encoded.ordinal.length) steps.push({ ordinal: { columns: names(encoded.ordinal), unknown: 'ignore' } });
  const perClass = input.problemType === 'multiclass';
  if (encoded.target_encode.length) steps.push({ target_encode: { columns: names(encoded.target_encode), seed: input.split.seed, ...(perClass ? { per_class: true } : {}) } });
  if (encoded.hash.length) steps.push({ tfidf: { columns: names(encoded.hash), features: RECIPE_RULES.hashedCategoryFeatures, norm: 'none' } });
  const width =
    encoded.one_hot.reduce((n, c) => n + (c.distinct ?? 1), 0) +
    encoded.ordinal.length +
    encoded.target_encode.length * (perClass ? (input.classes ?? 1) : 1) +
    encoded.hash.length * RECIPE_RULES.hashedCategoryFeatures;
  return { encoded, width };
}

/** The `trees` recipe's steps and its estimated feature count (split included). */
function treesSteps(input: RecipeInput): { steps: RecipeStep[]; width: number } {
  const { numeric, categorical, text, date } = byKind(input.features);
  const steps = head(input);
  steps.push(splitStep(input));
  const { width } = encodeCategories(steps, categorical, 'trees', input);
  pushDateParts(steps, date, false);
  if (text.length) steps.push({ tfidf: { columns: text.map((c) => c.name), features: RECIPE_RULES.treesTextFeatures } });
  const dateWidth = date.reduce((n, c) => n + datePartColumns(c, false).length, 0);
  return { steps, width: numeric.length + width + dateWidth + text.length * RECIPE_RULES.treesTextFeatures };
}

/** The `linear` recipe's steps and its estimated feature count (split included). */
function linearSteps(input: RecipeInput): { steps: RecipeStep[]; width: number } {
  const { numeric, categorical, text, date } = byKind(input.features);
  const steps = head(input);
  steps.push(splitStep(input));
  // Every numeric column is imputed, not only those with gaps at fit: a row sent to an
  // endpoint may lack any of them.
  if (numeric.length) steps.push({ impute: { columns: numeric.map((c) => c.name), strategy: 'median' } });
  const { encoded, width } = encodeCategories(steps, categorical, 'linear', input);
  pushDateParts(steps, date, true);
  const dateCols = date.flatMap((c) => datePartColumns(c, true));
  if (dateCols.length) steps.push({ impute: { columns: dateCols, strategy: 'median' } });
  if (text.length) steps.push({ tfidf: { columns: text.map((c) => c.name), features: RECIPE_RULES.linearTextFeatures } });
  // Per-class target encodings are class shares in [0, 1], like one-hot columns: not scaled.
  const targetEncoded = input.problemType === 'multiclass' ? [] : encoded.target_encode.map((c) => c.name);
  const scaled = [...numeric.map((c) => c.name), ...targetEncoded, ...dateCols];
  if (scaled.length) steps.push({ scale: { columns: scaled, method: 'standard' } });
  return { steps, width: numeric.length + width + dateCols.length + text.length * RECIPE_RULES.linearTextFeatures };
}

/** A recipe as JSON text, one step per line (what a person reads and diffs). */
export function formatRecipe(spec: RecipeSpec): string {
  const steps = spec.steps.map((step) => `    ${JSON.stringify(step)}`).join(',\n');
  const target = spec.target === undefined ? '' : `  "target": ${JSON.stringify(spec.target)},\n`;
  return `{\n${target}  "steps": [\n${steps}\n  ]\n}\n`;
}

/**
 * A recipe's definition (JSON text) without its `split` step: what cross-validation fits on
 * each fold's training rows and applies to both sides of the fold.
 */
export function recipeWithoutSplit(definition: string): string {
  const parsed = JSON.parse(definition) as RecipeSpec;
  return formatRecipe({ ...parsed, steps: parsed.steps.filter((step) => !('split' in step)) });
}

/** The `trees` and `linear` recipes for these features. */
export function buildRecipes(input: RecipeInput): AutomlRecipe[] {
  const variants: Array<[AutomlRecipe['variant'], string[], (i: RecipeInput) => { steps: RecipeStep[]; width: number }]> = [
    ['trees', ['xgboost'], treesSteps],
    ['linear', ['linear-learner'], linearSteps],
  ];
  return variants.map(([variant, algorithms, make]) => {
    const { steps, width } = make(input);
    const spec: RecipeSpec = { target: input.target, steps };
    const unsplit: RecipeSpec = { target: input.target, steps: steps.filter((s) => !('split' in s)) };
    return {
      variant,
      algorithms,
      definition: formatRecipe(spec),
      spec,
      unsplitDefinition: formatRecipe(unsplit),
      featureColumns: input.features.map((c) => c.name),
      estimatedFeatures: Math.max(1, width),
    };
  });
}
