/**
 * Model Monitor's model-quality files: `statistics.json` (the metrics of one window or of
 * a baseline) and `constraints.json` (a threshold and a comparison operator per metric),
 * in SageMaker's shapes, and the check of one against the other. The operator names the
 * violating case: `{"f1": {"threshold": 0.7, "comparison_operator": "LessThanThreshold"}}`
 * is violated when f1 < 0.7.
 */
import { OrchardError } from '../../core/index.js';
import type { BinaryMetrics, MulticlassMetrics, RegressionMetrics } from './metrics.js';

export type ProblemType = 'BinaryClassification' | 'MulticlassClassification' | 'Regression';
export const PROBLEM_TYPES: readonly ProblemType[] = ['BinaryClassification', 'MulticlassClassification', 'Regression'];

export type ComparisonOperator = 'LessThanThreshold' | 'LessThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold';
const OPERATORS: readonly ComparisonOperator[] = ['LessThanThreshold', 'LessThanOrEqualToThreshold', 'GreaterThanThreshold', 'GreaterThanOrEqualToThreshold'];

/** The section of statistics and constraints each problem type writes. */
const SECTION = {
  BinaryClassification: { metrics: 'binary_classification_metrics', constraints: 'binary_classification_constraints' },
  MulticlassClassification: { metrics: 'multiclass_classification_metrics', constraints: 'multiclass_classification_constraints' },
  Regression: { metrics: 'regression_metrics', constraints: 'regression_constraints' },
} as const;

/** Metrics where lower is better: a baseline's suggested constraint flags a rise. */
const ERRORS = new Set(['mae', 'mse', 'rmse', 'false_positive_rate', 'false_negative_rate']);

export type QualityMetrics = BinaryMetrics | MulticlassMetrics | RegressionMetrics;

export interface ModelQualityStatistics {
  version: 0;
  dataset: { item_count: number; evaluation_time: string };
  binary_classification_metrics?: Record<string, unknown>;
  multiclass_classification_metrics?: Record<string, unknown>;
  regression_metrics?: Record<string, unknown>;
}

export interface MetricConstraint {
  threshold: number;
  comparison_operator: ComparisonOperator;
}

export interface ModelQualityConstraints {
  version: 0;
  binary_classification_constraints?: Record<string, MetricConstraint>;
  multiclass_classification_constraints?: Record<string, MetricConstraint>;
  regression_constraints?: Record<string, MetricConstraint>;
}

export interface ModelQualityViolation {
  metric_name: string;
  constraint_check_type: ComparisonOperator;
  description: string;
}

/** The scalar metrics of a result (what constraints, alarms and charts use). */
export function scalarMetrics(metrics: QualityMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(metrics)) if (typeof value === 'number' && Number.isFinite(value)) out[name] = value;
  return out;
}

/** SageMaker's statistics shape: each metric as `{"value": …}`, the confusion matrix as it is. */
export function statisticsOf(problemType: ProblemType, metrics: QualityMetrics, itemCount: number, at = new Date()): ModelQualityStatistics {
  const section: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(metrics)) {
    if (name === 'confusion_matrix') section[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) section[name] = { value };
  }
  return { version: 0, dataset: { item_count: itemCount, evaluation_time: at.toISOString() }, [SECTION[problemType].metrics]: section };
}

/**
 * Suggested constraints from a baseline's metrics: the baseline value is the threshold,
 * a score falling below it (`LessThanThreshold`) or an error rising above it
 * (`GreaterThanThreshold`) is a violation, as SageMaker's baselining job suggests.
 */
export function suggestConstraints(problemType: ProblemType, metrics: QualityMetrics): ModelQualityConstraints {
  const section: Record<string, MetricConstraint> = {};
  for (const [name, value] of Object.entries(scalarMetrics(metrics))) {
    section[name] = { threshold: value, comparison_operator: ERRORS.has(name) ? 'GreaterThanThreshold' : 'LessThanThreshold' };
  }
  return { version: 0, [SECTION[problemType].constraints]: section };
}

/**
 * The constraints of one problem type, checked: an unknown operator, a threshold that is
 * not a number, a metric the problem type does not compute, or no section for the problem
 * type is `ORCH_MONITOR_MODEL_QUALITY_INVALID` listing every problem.
 */
export function constraintsFor(problemType: ProblemType, constraints: unknown, known: readonly string[]): Record<string, MetricConstraint> {
  const key = SECTION[problemType].constraints;
  const problems: { field: string; code: string; message: string }[] = [];
  const body = constraints as Record<string, unknown> | null;
  const section = body && typeof body === 'object' ? body[key] : undefined;
  if (!section || typeof section !== 'object' || Array.isArray(section)) {
    throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: `The constraints have no '${key}' section for problem type ${problemType}`, details: { field: key } });
  }
  const out: Record<string, MetricConstraint> = {};
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    const c = raw as Partial<MetricConstraint> | null;
    const field = `${key}.${name}`;
    if (!known.includes(name)) problems.push({ field, code: 'ORCH_MONITOR_MODEL_QUALITY_INVALID', message: `Unknown metric '${name}' for ${problemType} (known: ${known.join(', ')})` });
    else if (!c || typeof c !== 'object' || typeof c.threshold !== 'number' || !Number.isFinite(c.threshold)) problems.push({ field, code: 'ORCH_MONITOR_MODEL_QUALITY_INVALID', message: `'${name}' needs a numeric threshold` });
    else if (!OPERATORS.includes(c.comparison_operator as ComparisonOperator)) problems.push({ field, code: 'ORCH_MONITOR_MODEL_QUALITY_INVALID', message: `'${name}' has comparison_operator '${String(c.comparison_operator)}' (known: ${OPERATORS.join(', ')})` });
    else out[name] = { threshold: c.threshold, comparison_operator: c.comparison_operator as ComparisonOperator };
  }
  if (problems.length > 0) throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: problems.map((p) => p.message).join('; '), details: { errors: problems } });
  return out;
}

/** The metric names a problem type computes (and its constraints may name). */
export function metricNames(problemType: ProblemType): string[] {
  if (problemType === 'Regression') return ['mae', 'mse', 'rmse', 'r2'];
  if (problemType === 'MulticlassClassification') return ['accuracy', 'precision', 'recall', 'f1', 'weighted_precision', 'weighted_recall', 'weighted_f1'];
  return ['accuracy', 'precision', 'recall', 'f1', 'auc', 'true_positive_rate', 'true_negative_rate', 'false_positive_rate', 'false_negative_rate'];
}

/** Each constraint whose comparison holds is a violation; a metric without a value (AUC of one class) is skipped. */
export function checkConstraints(metrics: Record<string, number>, constraints: Record<string, MetricConstraint>): ModelQualityViolation[] {
  const out: ModelQualityViolation[] = [];
  for (const [name, c] of Object.entries(constraints)) {
    const value = metrics[name];
    if (value === undefined) continue;
    const t = c.threshold;
    const hit =
      c.comparison_operator === 'LessThanThreshold' ? value < t : c.comparison_operator === 'LessThanOrEqualToThreshold' ? value <= t : c.comparison_operator === 'GreaterThanThreshold' ? value > t : value >= t;
    if (hit) out.push({ metric_name: name, constraint_check_type: c.comparison_operator, description: `Metric ${name} with ${round(value)} was ${c.comparison_operator} '${round(t)}'` });
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
