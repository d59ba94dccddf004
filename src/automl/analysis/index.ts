/**
 * AutoML's analysis of a table: from what a dataset version stores about itself (its
 * columns' types and statistics) and the request, the problem type, objective, classes,
 * how each column is read, how candidates are validated, the recipes per algorithm
 * family, warnings, and every problem that should stop the job before anything runs.
 * Pure: no I/O; the SQL it needs run (target counts, the class-id copy) is returned as text.
 *
 * @example
 * const { rows } = await datasets.query(targetCountsQuery('cls@3', 'label'), { pageSize: TARGET_COUNTS_LIMIT });
 * const targetCounts = rows.map((r) => ({ value: r.value as string, count: Number(r.count) }));
 * const analysis = analyzeTable({ version, target: 'label', maxRuntimeSeconds: 3600, targetCounts });
 * if (analysis.problems.length) throw errorOfProblems(analysis.problems);
 * if (analysis.targetMapping) await datasets.createFromQuery({ name, sql: targetMappingQuery('cls@3', names, analysis.targetMapping) });
 */
import type { RequestProblem } from '../../core/errors.js';
import type { AutomlColumn } from '../../contracts/index.js';
import { readColumn, type ReadColumn } from './columns.js';
import { estimateSeconds } from './estimate.js';
import { buildRecipes } from './recipes.js';
import { readTarget } from './target.js';
import type { Analysis, AnalyzeInput, AutomlValidation } from './types.js';

export type { Analysis, AnalyzeInput, AutomlEstimate, AutomlRecipe, AutomlValidation, TargetCount, TargetMapping } from './types.js';
export { COLUMN_RULES, typeKind } from './columns.js';
export { OBJECTIVES_BY_TYPE, TARGET_RULES, compareLabels } from './target.js';
export { RECIPE_RULES, formatRecipe, recipeWithoutSplit } from './recipes.js';
export { ESTIMATE_RULES, estimateSeconds } from './estimate.js';
export { TARGET_COUNTS_LIMIT, foldQuery, sqlLabel, sqlName, targetCountsQuery, targetMappingQuery } from './queries.js';

/**
 * Validation by rows (with a target): 5-fold cross-validation below 20,000 rows, a held-out
 * 20 % above (10 % from 500,000 rows). A time split always holds out the latest rows
 * (folds at random would train on the future).
 */
export const VALIDATION_RULES = { cvMaxRows: 20_000, folds: 5, validationShare: 0.2, largeRows: 500_000, largeValidationShare: 0.1 } as const;

export function chooseValidation(rows: number, byTime: boolean, asked: 'auto' | 'cv' | 'holdout' = 'auto'): AutomlValidation {
  const v = VALIDATION_RULES;
  if (asked === 'cv' || (asked === 'auto' && rows < v.cvMaxRows && !byTime)) return { method: 'cv', folds: v.folds };
  return { method: 'holdout', validationShare: rows >= v.largeRows ? v.largeValidationShare : v.validationShare };
}

/** The share of rows the recipes' split holds out (folds are made from the training side). */
function splitShare(validation: AutomlValidation): number {
  return validation.validationShare ?? VALIDATION_RULES.validationShare;
}

const toContract = (c: ReadColumn): AutomlColumn => ({
  name: c.name,
  sourceType: c.sourceType,
  type: c.type,
  dropReason: c.dropReason,
  missing: c.missing,
  distinct: c.distinct,
});

/**
 * Analyses a table for an AutoML job. Never throws on bad input: every problem is in
 * `problems` (codes `ORCH_AUTOML_TARGET_MISSING`, `_TARGET_CONSTANT`, `_TARGET_INVALID`,
 * `_TOO_FEW_ROWS`, `_NO_FEATURES`, `_BUDGET_TOO_SMALL`, `_INVALID`), for
 * `errorOfProblems`. Recipes are written only when there is no problem.
 */
export function analyzeTable(input: AnalyzeInput): Analysis {
  const { version } = input;
  const target = readTarget(input);
  const problems: RequestProblem[] = [...target.problems];
  const warnings = [...target.warnings];
  const read = version.columns.map((c) => readColumn(c, input.target));
  const timeColumn = input.timeColumn ?? null;
  if (timeColumn !== null) checkTimeColumn(timeColumn, input.target, read, problems);
  const features = read.filter((c) => c.type !== 'dropped');
  if (features.length === 0 && version.columns.length > 0) {
    const reasons = read.filter((c) => c.dropReason !== 'target').map((c) => `${c.name} (${c.dropReason})`);
    problems.push({
      field: 'dataset',
      code: 'ORCH_AUTOML_NO_FEATURES',
      message: `dataset: no column is usable as a feature${reasons.length ? `: ${reasons.slice(0, 20).join(', ')}${reasons.length > 20 ? ', …' : ''}` : ' (the target is the only column)'}`,
    });
  }
  warnings.push(...columnWarnings(read, version.rowCount));
  const withTarget = target.withTarget;
  if (input.validation === 'cv' && timeColumn !== null) {
    problems.push({ field: 'validation', code: 'ORCH_AUTOML_INVALID', message: 'validation: cv draws its folds at random; a time split (timeColumn) validates on the latest rows: use holdout or auto' });
  }
  const validation = chooseValidation(withTarget, timeColumn !== null, input.validation);
  const problemType = target.problemType;
  const recipes =
    problemType && problems.length === 0
      ? buildRecipes({
          target: input.target,
          problemType,
          classes: target.classes?.length,
          features,
          split: {
            method: timeColumn !== null ? 'time' : problemType === 'regression' ? 'random' : 'stratified',
            column: timeColumn ?? undefined,
            validation: splitShare(validation),
            seed: input.seed ?? 0,
          },
        })
      : [];
  const widest = Math.max(1, ...recipes.map((r) => r.estimatedFeatures), features.length);
  const estimate = estimateSeconds(withTarget, features.length + 1, widest, validation, Math.max(1, recipes.length));
  const needed = estimate.featureEngineering + estimate.candidate + estimate.finalize;
  if (input.maxRuntimeSeconds < needed) {
    problems.push({
      field: 'maxRuntimeSeconds',
      code: 'ORCH_AUTOML_BUDGET_TOO_SMALL',
      message: `maxRuntimeSeconds: ${input.maxRuntimeSeconds} s cannot fit one candidate on ${withTarget.toLocaleString('en-US')} rows × ${widest} features (about ${needed} s: ${estimate.featureEngineering} s of feature engineering, ${estimate.candidate} s of training, ${estimate.finalize} s to finish); give at least ${needed}`,
    });
  }
  return {
    problems,
    problemType,
    objective: target.objective,
    ...(target.classes ? { classes: target.classes, classCounts: target.classCounts } : {}),
    targetMapping: target.mapping,
    columns: read.map(toContract),
    validation,
    recipes: problems.length === 0 ? recipes : [],
    warnings,
    estimate,
    rows: { total: version.rowCount, withTarget },
  };
}

function checkTimeColumn(name: string, target: string, read: ReadColumn[], problems: RequestProblem[]): void {
  const problem = (message: string) => problems.push({ field: 'timeColumn', code: 'ORCH_AUTOML_INVALID', message: `timeColumn: ${message}` });
  const c = read.find((x) => x.name === name);
  if (!c) problem(`the dataset has no column ${JSON.stringify(name)}`);
  else if (name === target) problem('is the target; the time column orders the rows for the split');
  else if (c.type !== 'date') {
    const why = c.type === 'dropped' && c.dropReason !== 'unsupported-type' ? ` (${c.dropReason})` : '';
    problem(`column ${JSON.stringify(name)} is ${c.sourceType}${why}; the split by time needs a date or timestamp column (or text holding YYYY-MM-DD dates)`);
  }
}

/** What a reader of the job should know about the columns. */
function columnWarnings(read: ReadColumn[], rows: number): string[] {
  const out: string[] = [];
  const list = (cs: ReadColumn[]) => cs.slice(0, 10).map((c) => c.name).join(', ') + (cs.length > 10 ? `, and ${cs.length - 10} more` : '');
  for (const reason of ['id-like', 'constant', 'all-missing', 'unsupported-type'] as const) {
    const cs = read.filter((c) => c.dropReason === reason);
    if (cs.length) out.push(`dropped (${reason}): ${list(cs)}`);
  }
  const sparse = read.filter((c) => c.type !== 'dropped' && rows > 0 && c.missing / rows > 0.5);
  if (sparse.length) out.push(`more than half missing: ${list(sparse)}`);
  if (rows > 0 && rows < 100) out.push(`only ${rows} rows: scores will vary a lot between candidates and runs`);
  return out;
}
