/**
 * The report's rules, as pure functions of numbers already computed (by DuckDB or over the
 * sample): what a column's kind is, whether it is ID-like, constant or high-cardinality,
 * the robust outlier fences, class imbalance, the problem type a target implies, and the
 * warnings a report lists. Every threshold comes from `DATA_QUALITY_LIMITS`.
 */
import { DATA_QUALITY_LIMITS } from '../contracts/data-quality.values.js';
import type { DataQualityColumn, DataQualityColumnKind, DataQualityFeatureImportance, DataQualityTarget, DataQualityWarning } from './types.js';

export type ResolvedProblemType = 'binary' | 'multiclass' | 'regression';

const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const NUMERIC_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/;

/** How a column of a DuckDB type is read. */
export function columnKind(type: string): DataQualityColumnKind {
  const t = type.trim().toUpperCase();
  if (NUMERIC_TYPES.test(t)) return 'numeric';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'VARCHAR' || t.startsWith('ENUM') || t === 'UUID') return 'categorical';
  if (t === 'DATE' || t.startsWith('TIMESTAMP') || t.startsWith('TIME')) return 'temporal';
  return 'other';
}

export function isIntegerType(type: string): boolean {
  return INTEGER_TYPES.test(type.trim().toUpperCase());
}

/** Dates and timestamps become numbers (seconds) for the model; times of day are left out. */
export function isDateLike(type: string): boolean {
  const t = type.trim().toUpperCase();
  return t === 'DATE' || t.startsWith('TIMESTAMP');
}

export interface ColumnCounts {
  type: string;
  rows: number;
  missing: number;
  /** Distinct non-missing values (exact for ID candidates). */
  distinct: number;
  min: number | string | null;
  max: number | string | null;
}

/**
 * ID-like: a key, not a feature. Either every value is present and distinct in an integer
 * or text column (floats are left out: measurements are often all distinct), or an
 * integer column holds exactly the sequence min..max, one value per row (a row number).
 */
export function isIdLike(c: ColumnCounts): boolean {
  if (c.rows < 2) return false;
  const present = c.rows - c.missing;
  const kind = columnKind(c.type);
  const integer = isIntegerType(c.type);
  if (integer && c.missing === 0 && c.distinct === c.rows && typeof c.min === 'number' && typeof c.max === 'number' && c.max - c.min + 1 === c.rows) return true;
  if (!(integer || kind === 'categorical')) return false;
  return present >= 0.99 * c.rows && c.distinct === present && present >= 2;
}

/** At most one distinct value (a column entirely missing is constant too). */
export function isConstant(c: ColumnCounts): boolean {
  return c.distinct <= 1;
}

/** A categorical column with more than `highCardinality` distinct values, or more than half of its values distinct. */
export function isHighCardinality(c: ColumnCounts): boolean {
  if (columnKind(c.type) !== 'categorical') return false;
  const present = c.rows - c.missing;
  if (present === 0) return false;
  return c.distinct > DATA_QUALITY_LIMITS.highCardinality || (present >= 20 && c.distinct / present > DATA_QUALITY_LIMITS.highCardinalityShare);
}

/** The robust scale of a column: 1.4826·MAD, or 1.2533·mean absolute deviation when the MAD is 0 (Iglewicz and Hoaglin); 0 for a constant column. */
export function robustScale(mad: number, meanAbsoluteDeviation: number): number {
  if (mad > 0) return 1.4826 * mad;
  if (meanAbsoluteDeviation > 0) return 1.253314 * meanAbsoluteDeviation;
  return 0;
}

/** Values outside [lower, upper] are outliers: |x − median| / scale > 3.5. */
export function outlierFences(median: number, scale: number): { lower: number; upper: number } | null {
  if (!(scale > 0) || !Number.isFinite(median)) return null;
  const reach = DATA_QUALITY_LIMITS.outlierZ * scale;
  return { lower: median - reach, upper: median + reach };
}

/** Counts of outliers in an array by the same rule (for tests and small inputs). */
export function countOutliers(values: ArrayLike<number>): { count: number; median: number; mad: number } {
  const xs = Array.from(values).filter((v) => Number.isFinite(v));
  const median = medianOf(xs);
  const deviations = xs.map((v) => Math.abs(v - median));
  const mad = medianOf(deviations);
  const meanAd = deviations.reduce((a, b) => a + b, 0) / Math.max(1, deviations.length);
  const fences = outlierFences(median, robustScale(mad, meanAd));
  const count = fences ? xs.filter((v) => v < fences.lower || v > fences.upper).length : 0;
  return { count, median, mad };
}

function medianOf(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface TargetFacts {
  type: string;
  distinct: number;
}

/**
 * The problem type a target implies when none is given: two values are binary; an integer
 * or text column with a few values is multiclass; other numbers are regression. Returns
 * the reason a target cannot serve instead of a type when it cannot.
 */
export function resolveProblemType(requested: 'auto' | ResolvedProblemType, t: TargetFacts): { type: ResolvedProblemType } | { problem: string } {
  const kind = columnKind(t.type);
  const max = DATA_QUALITY_LIMITS.maxClasses;
  if (t.distinct < 2) return { problem: `has ${t.distinct === 0 ? 'no values' : 'a single value'}: there is nothing to predict` };
  if (requested === 'binary') return t.distinct === 2 ? { type: 'binary' } : { problem: `has ${t.distinct} distinct values; a binary target has 2` };
  if (requested === 'multiclass') return t.distinct <= max ? { type: 'multiclass' } : { problem: `has ${t.distinct} distinct values; a multiclass target has at most ${max}` };
  if (requested === 'regression') return kind === 'numeric' ? { type: 'regression' } : { problem: `is ${t.type}; a regression target is numeric` };
  if (t.distinct === 2) return { type: 'binary' };
  if (kind === 'numeric') return isIntegerType(t.type) && t.distinct <= 20 ? { type: 'multiclass' } : { type: 'regression' };
  if (t.distinct <= max) return { type: 'multiclass' };
  return { problem: `has ${t.distinct} distinct values: too many classes for classification (at most ${max}), and a regression target is numeric` };
}

/** The minority class, its share and the majority-to-minority ratio; null with fewer than two classes. */
export function imbalanceOf<V>(classes: Array<{ value: V; count: number }>): { minorityClass: V; minorityShare: number; ratio: number } | null {
  if (classes.length < 2) return null;
  const total = classes.reduce((n, c) => n + c.count, 0);
  let min = classes[0];
  let max = classes[0];
  for (const c of classes) {
    if (c.count < min.count) min = c;
    if (c.count > max.count) max = c;
  }
  return { minorityClass: min.value, minorityShare: total ? min.count / total : 0, ratio: min.count ? max.count / min.count : Infinity };
}

const pct = (share: number) => `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;

export interface WarningInputs {
  rows: number;
  duplicateRows: number;
  columns: DataQualityColumn[];
  target: DataQualityTarget | null;
  importance: DataQualityFeatureImportance | null;
  modelSkipped: string | null;
  notAnalysed: string[];
}

const ORDER = { high: 0, medium: 1, low: 2 } as const;

/** The warnings of a report, most severe first (then in column order). */
export function buildWarnings(input: WarningInputs): DataQualityWarning[] {
  const out: DataQualityWarning[] = [];
  const { rows } = input;
  if (input.duplicateRows > 0 && rows > 0) {
    const share = input.duplicateRows / rows;
    out.push({
      severity: share > 0.1 ? 'high' : share > 0.01 ? 'medium' : 'low',
      kind: 'duplicate-rows',
      message: `${input.duplicateRows} rows (${pct(share)}) repeat an earlier row exactly; duplicates weigh those rows more in training and leak between training and validation splits.`,
    });
  }
  const target = input.target?.column;
  for (const c of input.columns) {
    if (c.name === target) continue;
    if (c.missing > 0) {
      out.push({
        severity: c.missingShare > 0.5 ? 'high' : c.missingShare > 0.05 ? 'medium' : 'low',
        kind: 'missing-values',
        column: c.name,
        message: `${c.missing} values (${pct(c.missingShare)}) are missing${c.missingShare > 0.5 ? '; consider dropping the column' : '; consider imputing them'}.`,
      });
    }
    if (c.constant) {
      out.push({ severity: 'medium', kind: 'constant-column', column: c.name, message: `Every row has ${c.distinct === 0 ? 'no value' : 'the same value'}: the column carries no information.` });
    } else if (c.idLike) {
      out.push({ severity: 'medium', kind: 'id-like-column', column: c.name, message: `Looks like an identifier (${c.distinct} distinct values in ${rows} rows): drop it before training, a model cannot generalise from it.` });
    } else if (c.highCardinality) {
      out.push({ severity: 'low', kind: 'high-cardinality', column: c.name, message: `${c.distinct} distinct categories (${pct(c.distinctShare)} of values): one-hot encoding would be very wide; consider grouping rare values or target encoding.` });
    }
    if (c.outliers && c.outliers.count > 0) {
      out.push({
        severity: c.outliers.share > 0.05 ? 'medium' : 'low',
        kind: 'outliers',
        column: c.name,
        message: `${c.outliers.count} values (${pct(c.outliers.share)}) lie outside [${fmt(c.outliers.lower)}, ${fmt(c.outliers.upper)}] (more than 3.5 robust standard deviations from the median ${fmt(c.outliers.median)}).`,
      });
    }
  }
  if (input.target) {
    const t = input.target;
    if (t.missing > 0) {
      out.push({ severity: 'high', kind: 'target-missing', column: t.column, message: `${t.missing} rows (${pct(t.missing / Math.max(1, rows))}) have no target value; drop them before training.` });
    }
    if (t.imbalance && (t.imbalance.minorityShare < DATA_QUALITY_LIMITS.minorityShare || t.imbalance.ratio > 10)) {
      out.push({
        severity: t.imbalance.minorityShare < 0.01 ? 'high' : 'medium',
        kind: 'class-imbalance',
        column: t.column,
        message: `The smallest class '${String(t.imbalance.minorityClass)}' is ${pct(t.imbalance.minorityShare)} of the rows (the largest is ${fmt(t.imbalance.ratio)} times larger): consider resampling or class weights, and judge models by AUC or F1 rather than accuracy.`,
      });
    }
    for (const l of t.leakage) {
      out.push({
        severity: 'high',
        kind: 'target-leakage',
        column: l.column,
        message:
          l.metric === 'identical'
            ? `Holds the target's own values: drop it before training.`
            : `Predicts the target almost perfectly on its own (${l.metric === 'auc' ? 'AUC' : 'R²'} ${l.score.toFixed(4)} on held-out rows): it is likely known only after the outcome; check it before training.`,
      });
    }
  }
  if (input.modelSkipped) out.push({ severity: 'low', kind: 'quick-model-skipped', message: input.modelSkipped });
  if (input.notAnalysed.length > 0) {
    out.push({
      severity: 'low',
      kind: 'columns-not-analysed',
      message: `Only the first ${DATA_QUALITY_LIMITS.maxColumns} columns are analysed; ${input.notAnalysed.length} more (${input.notAnalysed.slice(0, 5).join(', ')}${input.notAnalysed.length > 5 ? ', …' : ''}) are not.`,
    });
  }
  // Stable: most severe first, then the order above (summary, columns, target).
  return out.map((w, i) => ({ w, i })).sort((a, b) => ORDER[a.w.severity] - ORDER[b.w.severity] || a.i - b.i).map(({ w }) => w);
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e6 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(6)));
}
