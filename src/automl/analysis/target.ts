/**
 * The target column: the problem type (asked or inferred), the objective, the classes in
 * the order of the model's outputs, and whether the labels need rewriting as 0 … K-1.
 *
 * xgboost (`binary:logistic`, `multi:softprob`) and linear-learner read labels as numbers:
 * 0/1 for binary, class ids 0 … K-1 for multiclass. The recipe engine leaves the target as
 * it is (no step may change it), so a text or boolean target, or numbers other than
 * 0 … K-1, are mapped before the recipes run ({@link TargetMapping}, {@link targetMappingQuery}).
 */
import type { RequestProblem } from '../../core/errors.js';
import type { AutomlObjectiveMetric, AutomlResolvedProblemType, DatasetColumn } from '../../contracts/index.js';
import { typeKind } from './columns.js';
import type { AnalyzeInput, TargetCount, TargetMapping } from './types.js';

/**
 * - `minRowsPerClass`: every class needs 5 rows, so a stratified 80/20 split or 5 folds
 *   put at least one row of it on each side.
 * - `minRows`: at least 10 rows with a target whatever the problem.
 * - `maxAutoClasses`: `auto` reads a numeric target with up to 20 whole-number values as
 *   classes (more is a regression).
 * - `maxClasses`: at most 1000 classes (the category limit of the recipe engine).
 * - `imbalanceShare`: a class under 5 % of the rows is warned about.
 */
export const TARGET_RULES = { minRowsPerClass: 5, minRows: 10, maxAutoClasses: 20, maxClasses: 1000, imbalanceShare: 0.05 } as const;

/** Objectives per problem type; the first is the default (Autopilot's). */
export const OBJECTIVES_BY_TYPE: Record<AutomlResolvedProblemType, readonly AutomlObjectiveMetric[]> = {
  binary: ['auc', 'f1', 'accuracy', 'logloss'],
  multiclass: ['accuracy', 'f1', 'logloss'],
  regression: ['mse', 'rmse', 'mae', 'r2'],
};

export interface TargetResult {
  problems: RequestProblem[];
  warnings: string[];
  problemType: AutomlResolvedProblemType | null;
  objective: AutomlObjectiveMetric | null;
  classes?: string[];
  classCounts?: number[];
  mapping: TargetMapping | null;
  withTarget: number;
}

type Label = string | number | boolean;

/** Compares text by code point (as the recipe engine sorts categories), numbers numerically, false before true. */
export function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  const xs = Array.from(x);
  const ys = Array.from(y);
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const d = xs[i].codePointAt(0)! - ys[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return xs.length - ys.length;
}

/** A label as the classes list writes it: numbers as JavaScript writes them, booleans as `true`/`false`. */
export const labelText = (v: Label): string => String(v);

/** Every value of the target with its count: the given counts, or the statistics' top values when they cover every row. */
function valueCounts(column: DatasetColumn, given: TargetCount[] | undefined): TargetCount[] | null {
  const merged = new Map<string, TargetCount>();
  const add = (value: unknown, count: number) => {
    if (value === null || value === undefined || value === '') return;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return;
    if (typeof value === 'number' && !Number.isFinite(value)) return;
    const key = `${typeof value}:${String(value)}`;
    const seen = merged.get(key);
    merged.set(key, { value, count: (seen?.count ?? 0) + count });
  };
  if (given) {
    for (const c of given) add(c.value, Number(c.count));
    return [...merged.values()];
  }
  const top = column.stats.topValues;
  const covered = top.reduce((n, t) => n + t.count, 0);
  if (covered !== column.stats.count) return null;
  for (const t of top) add(t.value, t.count);
  return [...merged.values()];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** Reads the target column of the request: every problem listed, none thrown. */
export function readTarget(input: AnalyzeInput): TargetResult {
  const problems: RequestProblem[] = [];
  const warnings: string[] = [];
  const out: TargetResult = { problems, warnings, problemType: null, objective: null, mapping: null, withTarget: 0 };
  const name = input.target;
  const column = input.version.columns.find((c) => c.name === name);
  const problem = (code: RequestProblem['code'], message: string, field = 'target') => problems.push({ field, code, message });
  if (!column) {
    const close = input.version.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    const names = input.version.columns.map((c) => c.name);
    const hint = close ? ` (did you mean ${JSON.stringify(close.name)}?)` : names.length <= 20 ? ` (columns: ${names.join(', ')})` : '';
    problem('ORCH_AUTOML_TARGET_MISSING', `target: the dataset has no column ${JSON.stringify(name)}${hint}`);
    return out;
  }
  const s = column.stats;
  out.withTarget = s.count;
  const kind = typeKind(column.type);
  if (s.count === 0) {
    problem('ORCH_AUTOML_TARGET_MISSING', `target: column ${JSON.stringify(name)} has no values (every row is missing)`);
    return out;
  }
  if (kind === 'other' || kind === 'date') {
    problem('ORCH_AUTOML_TARGET_INVALID', `target: column ${JSON.stringify(name)} is ${column.type}; a target is a number, text or boolean`);
    return out;
  }
  const counts = valueCounts(column, input.targetCounts);
  const distinct = counts ? counts.length : s.distinct;
  if (distinct <= 1) {
    problem('ORCH_AUTOML_TARGET_CONSTANT', `target: column ${JSON.stringify(name)} has a single value${counts?.[0] ? ` (${JSON.stringify(counts[0].value)})` : ''}; there is nothing to predict`);
    return out;
  }
  const numeric = kind === 'integer' || kind === 'float';
  const wholeNumbers = kind === 'integer' || (counts !== null && counts.every((c) => typeof c.value === 'number' && Number.isInteger(c.value)));
  const requested = input.problemType ?? 'auto';
  let type: AutomlResolvedProblemType | null = null;
  if (requested === 'auto') {
    if (distinct === 2) type = 'binary';
    else if (!numeric) type = 'multiclass';
    else type = distinct <= TARGET_RULES.maxAutoClasses && wholeNumbers ? 'multiclass' : 'regression';
  } else if (requested === 'regression') {
    if (numeric) type = 'regression';
    else problem('ORCH_AUTOML_TARGET_INVALID', `target: regression needs a numeric target; column ${JSON.stringify(name)} is ${column.type}`);
  } else if (requested === 'binary') {
    if (distinct === 2) type = 'binary';
    else problem('ORCH_AUTOML_TARGET_INVALID', `target: binary classification needs exactly 2 classes; column ${JSON.stringify(name)} has ${distinct}`);
  } else if (distinct >= 3) {
    type = 'multiclass';
  } else {
    problem('ORCH_AUTOML_TARGET_INVALID', `target: multiclass classification needs at least 3 classes; column ${JSON.stringify(name)} has 2 (use binary)`);
  }
  out.problemType = type;
  out.objective = resolveObjective(type, input.objective, problems);
  if (s.nulls > 0) warnings.push(`${plural(s.nulls, 'row')} without a target value ${s.nulls === 1 ? 'is' : 'are'} left out of training and validation`);
  if (type === null) return out;
  if (type === 'regression') {
    if (s.count < TARGET_RULES.minRows) {
      problem('ORCH_AUTOML_TOO_FEW_ROWS', `target: ${plural(s.count, 'row')} with a target; at least ${TARGET_RULES.minRows} are needed to train and validate`);
    }
    return out;
  }
  if (distinct > TARGET_RULES.maxClasses) {
    problem('ORCH_AUTOML_TARGET_INVALID', `target: column ${JSON.stringify(name)} has about ${distinct.toLocaleString('en-US')} distinct values; classification takes at most ${TARGET_RULES.maxClasses} classes`);
    return out;
  }
  if (counts === null) {
    problem('ORCH_AUTOML_INVALID', `target: the values of ${JSON.stringify(name)} are not all known from the dataset statistics (they keep the 5 most frequent); the class counts must be read first`);
    return out;
  }
  const sorted = [...counts].sort((a, b) => compareLabels(a.value, b.value));
  out.classes = sorted.map((c) => labelText(c.value));
  out.classCounts = sorted.map((c) => c.count);
  const total = sorted.reduce((n, c) => n + c.count, 0);
  const few = sorted.filter((c) => c.count < TARGET_RULES.minRowsPerClass);
  if (few.length) {
    const listed = few.slice(0, 10).map((c) => `${JSON.stringify(c.value)} (${c.count})`).join(', ');
    problem(
      'ORCH_AUTOML_TOO_FEW_ROWS',
      `target: every class needs at least ${TARGET_RULES.minRowsPerClass} rows to be in both training and validation; ${listed}${few.length > 10 ? ` and ${few.length - 10} more` : ''}`,
    );
  } else if (total < TARGET_RULES.minRows) {
    problem('ORCH_AUTOML_TOO_FEW_ROWS', `target: ${plural(total, 'row')} with a target; at least ${TARGET_RULES.minRows} are needed to train and validate`);
  }
  const rare = sorted.filter((c) => c.count >= TARGET_RULES.minRowsPerClass && c.count / total < TARGET_RULES.imbalanceShare);
  if (rare.length) {
    warnings.push(
      `imbalanced classes: ${rare.slice(0, 5).map((c) => `${JSON.stringify(c.value)} is ${((100 * c.count) / total).toFixed(1)} %`).join(', ')} of the rows${type === 'binary' ? ' (auc and f1 suit this better than accuracy)' : ''}`,
    );
  }
  const identity = sorted.every((c, i) => typeof c.value === 'number' && c.value === i);
  if (!identity) {
    out.mapping = { column: name, labels: sorted.map((c) => c.value) };
    warnings.push(`the target's labels are rewritten as class ids: ${sorted.slice(0, 6).map((c, i) => `${JSON.stringify(c.value)} -> ${i}`).join(', ')}${sorted.length > 6 ? ', …' : ''}`);
  }
  return out;
}

/** The objective asked for, or the type's default; one that does not fit the type is a problem. */
function resolveObjective(type: AutomlResolvedProblemType | null, asked: AutomlObjectiveMetric | undefined, problems: RequestProblem[]): AutomlObjectiveMetric | null {
  if (type === null) return asked ?? null;
  const allowed = OBJECTIVES_BY_TYPE[type];
  if (asked === undefined) return allowed[0];
  if (!allowed.includes(asked)) {
    problems.push({
      field: 'objective',
      code: 'ORCH_AUTOML_INVALID',
      message: `objective: ${asked} does not apply to ${type} problems (use one of ${allowed.join(', ')})`,
    });
    return null;
  }
  return asked;
}
