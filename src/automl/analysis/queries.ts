/**
 * SQL the AutoML service runs through the dataset service's locked-down query (names and
 * values quoted here, never pasted): the target's value counts the statistics lack, and
 * the copy of a dataset with the class labels rewritten as 0 … K-1.
 */
import type { TargetMapping } from './types.js';

/** A quoted SQL identifier: `"…"` with quotes doubled. */
export function sqlName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL literal of a label: text quoted, numbers as written, booleans as TRUE/FALSE. */
export function sqlLabel(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`label ${value} is not a finite number`);
    return `CAST('${String(value)}' AS DOUBLE)`;
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** The most values {@link targetCountsQuery} asks for: one past the class limit, so "more" is visible. */
export const TARGET_COUNTS_LIMIT = 1001;

/**
 * Every value of the target with its count (`value`, `count`), most frequent first, at
 * most {@link TARGET_COUNTS_LIMIT} rows. `source` is a dataset ref such as `cls@3`.
 * Pass the rows to `analyzeTable` as `targetCounts`.
 */
export function targetCountsQuery(source: string, target: string): string {
  const t = sqlName(target);
  return `SELECT ${t} AS "value", count(*) AS "count" FROM ${sqlName(source)} WHERE ${t} IS NOT NULL GROUP BY ${t} ORDER BY "count" DESC, ${t} LIMIT ${TARGET_COUNTS_LIMIT}`;
}

/**
 * A copy of the dataset (every column, in order) with the target rewritten as class ids
 * (`labels[i]` -> i), keeping only the rows with one of the labels; run with the dataset
 * service's `createFromQuery`, then fit the recipes on the copy. Needed whenever
 * `analyzeTable` returns a `targetMapping`: the recipe engine never changes the target.
 */
export function targetMappingQuery(source: string, columns: readonly string[], mapping: TargetMapping): string {
  const t = sqlName(mapping.column);
  const cases = mapping.labels.map((label, i) => `WHEN ${t} = ${sqlLabel(label)} THEN ${i}`).join(' ');
  const list = columns.map((c) => (c === mapping.column ? `CAST(CASE ${cases} END AS INTEGER) AS ${t}` : sqlName(c)));
  // Rows whose target is missing, or a value not among the labels (an empty text), are left out.
  return `SELECT ${list.join(', ')} FROM ${sqlName(source)} WHERE ${t} IN (${mapping.labels.map(sqlLabel).join(', ')})`;
}

/**
 * One side of one fold of k-fold cross-validation: the rows of `source` with a target, in
 * fold `fold` (`validation`) or outside it (`train`), every column in order. Rows are
 * ranked by a seeded hash of all their columns (within each class when `stratified`) and
 * dealt to the folds in turn, so every query of the same table, seed and k agrees on the
 * folds, each class is spread evenly, and every row lands in exactly one fold.
 */
export function foldQuery(source: string, columns: readonly string[], target: string, opts: { fold: number; folds: number; seed: number; stratified: boolean; side: 'train' | 'validation' }): string {
  const list = columns.map(sqlName).join(', ');
  const key = `hash(${Math.trunc(opts.seed)}, ${list})`;
  const partition = opts.stratified ? `PARTITION BY ${sqlName(target)} ` : '';
  const ranked = `SELECT ${list}, row_number() OVER (${partition}ORDER BY ${key}) AS "__orch_fold_rank" FROM ${sqlName(source)} WHERE ${sqlName(target)} IS NOT NULL`;
  const fold = `("__orch_fold_rank" - 1) % ${Math.trunc(opts.folds)}`;
  return `SELECT ${list} FROM (${ranked}) WHERE ${fold} ${opts.side === 'validation' ? '=' : '<>'} ${Math.trunc(opts.fold)}`;
}
