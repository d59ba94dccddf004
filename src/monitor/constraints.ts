/**
 * `constraints.json` (suggested from a baseline's statistics) and the checks of a
 * monitoring execution against it, producing `constraint_violations.json`, in SageMaker
 * Model Monitor's shapes and with its check types.
 */
import { cdfDistance, KllSketch } from './kll.js';
import { MAX_DOMAIN_VALUES, ValueKind, type FeatureAccumulator, type InferredType, type Statistics } from './statistics.js';

export type ComparisonMethod = 'Robust' | 'Simple';

export interface FeatureConstraint {
  name: string;
  inferred_type: InferredType;
  completeness: number;
  num_constraints?: { is_non_negative: boolean };
  string_constraints?: { domains: string[] };
}

export interface MonitoringConfig {
  evaluate_constraints: 'Enabled' | 'Disabled';
  emit_metrics: 'Enabled' | 'Disabled';
  /** Share of present values of another type tolerated before a data_type_check. */
  datatype_check_threshold: number;
  /** Share of values outside a feature's domain tolerated before a categorical_values_check. */
  domain_content_threshold: number;
  distribution_constraints: {
    perform_comparison: 'Enabled' | 'Disabled';
    comparison_threshold: number;
    comparison_method: ComparisonMethod;
    categorical_comparison_threshold: number;
    categorical_drift_method: 'LInfinity';
  };
}

/** `constraints.json`. */
export interface Constraints {
  version: number;
  features: FeatureConstraint[];
  monitoring_config: MonitoringConfig;
}

export const CHECK_TYPES = ['data_type_check', 'completeness_check', 'baseline_drift_check', 'missing_column_check', 'extra_column_check', 'categorical_values_check'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export interface Violation {
  feature_name: string;
  constraint_check_type: CheckType;
  description: string;
}

export interface ConstraintOptions {
  /** @default 0.1 */
  comparisonThreshold?: number;
  /** @default 'Robust' */
  comparisonMethod?: ComparisonMethod;
}

/** The constraints SageMaker's baseline job suggests: each feature's type, completeness, sign and (small) domain. */
export function suggestConstraints(stats: Statistics, options: ConstraintOptions = {}): Constraints {
  const features = stats.features.map((f): FeatureConstraint => {
    const common = f.numerical_statistics?.common ?? f.string_statistics?.common ?? { num_present: 0, num_missing: 0 };
    const total = common.num_present + common.num_missing;
    const c: FeatureConstraint = { name: f.name, inferred_type: f.inferred_type, completeness: total ? common.num_present / total : 0 };
    if (f.numerical_statistics) c.num_constraints = { is_non_negative: f.numerical_statistics.min >= 0 };
    const s = f.string_statistics;
    if (s && s.distinct_count <= MAX_DOMAIN_VALUES && s.distribution.categorical.buckets.length === s.distinct_count) {
      c.string_constraints = { domains: s.distribution.categorical.buckets.map((b) => b.value) };
    }
    return c;
  });
  const threshold = options.comparisonThreshold ?? 0.1;
  return {
    version: 0,
    features,
    monitoring_config: {
      evaluate_constraints: 'Enabled',
      emit_metrics: 'Enabled',
      datatype_check_threshold: 0.1,
      domain_content_threshold: 0.1,
      distribution_constraints: { perform_comparison: 'Enabled', comparison_threshold: threshold, comparison_method: options.comparisonMethod ?? 'Robust', categorical_comparison_threshold: threshold, categorical_drift_method: 'LInfinity' },
    },
  };
}

/** What an execution saw of the capture, feature by feature (in the baseline's order). */
export interface CurrentData {
  items: number;
  features: readonly FeatureAccumulator[];
  /** Columns beyond the baseline's (CSV positions `_c<i>`, or JSON keys), with how many records had them. */
  extraColumns: ReadonlyMap<string, number>;
  /** Per baseline feature, how many records carried the column at all. */
  columnPresence: readonly number[];
}

export interface FeatureDrift {
  feature: string;
  /** The L-infinity distance between the baseline's and the current distribution. */
  distance: number;
  /** The threshold the distance was held to (Robust: raised for small samples). */
  threshold: number;
  kind: 'numerical' | 'categorical';
}

/** Two-sample KS critical value factor c(α) for α = 0.01. */
const KS_C_ALPHA = 1.628;

/**
 * Robust comparison: a distance counts only when it is also significant for the two
 * sample sizes (the KS test's critical value at 99 %), so a small window of traffic does
 * not raise drift from sampling noise alone; Simple holds the distance to the threshold as is.
 */
export function driftThreshold(method: ComparisonMethod, threshold: number, n: number, m: number): number {
  if (method === 'Simple' || n === 0 || m === 0) return threshold;
  return Math.max(threshold, KS_C_ALPHA * Math.sqrt((n + m) / (n * m)));
}

/** Runs every check of `constraints` against the current data; returns the violations and each feature's drift. */
export function checkConstraints(baseline: Statistics, constraints: Constraints, current: CurrentData): { violations: Violation[]; drift: FeatureDrift[] } {
  const violations: Violation[] = [];
  const drift: FeatureDrift[] = [];
  const config = constraints.monitoring_config;
  if (config.evaluate_constraints === 'Disabled') return { violations, drift };
  const statsByName = new Map(baseline.features.map((f) => [f.name, f]));
  const dist = config.distribution_constraints;
  current.features.forEach((acc, i) => {
    const c = constraints.features.find((f) => f.name === acc.name);
    if (!c) return;
    const name = c.name;
    if (current.items > 0 && current.columnPresence[i] === 0) {
      violations.push({ feature_name: name, constraint_check_type: 'missing_column_check', description: `There are missing columns in current dataset: the baseline has column '${name}' (position ${i + 1} of ${current.features.length}); none of the ${current.items} records has it` });
      return;
    }
    const total = acc.present + acc.missing;
    const completeness = total ? acc.present / total : 1;
    if (total > 0 && completeness < c.completeness - 1e-9) {
      violations.push({ feature_name: name, constraint_check_type: 'completeness_check', description: `Data completeness is ${completeness.toFixed(4)}, below the baseline's ${c.completeness.toFixed(4)} (${acc.missing} of ${total} values missing)` });
    }
    if (acc.present > 0) {
      const mismatched = c.inferred_type === 'Integral' ? acc.kinds[ValueKind.Fractional] + acc.kinds[ValueKind.String] : c.inferred_type === 'Fractional' ? acc.kinds[ValueKind.String] : 0;
      const share = mismatched / acc.present;
      if (share > config.datatype_check_threshold) {
        const seen = acc.kinds[ValueKind.String] > 0 ? 'String' : 'Fractional';
        violations.push({ feature_name: name, constraint_check_type: 'data_type_check', description: `Data type match requirement is not met: expected ${c.inferred_type}, ${(share * 100).toFixed(2)}% of ${acc.present} values are ${seen} (threshold ${config.datatype_check_threshold * 100}%)` });
      }
    }
    const domains = c.string_constraints?.domains;
    if (domains && acc.present > 0) {
      const known = new Set(domains);
      let outside = acc.untracked;
      const unknown: string[] = [];
      for (const [value, count] of acc.values) {
        if (!known.has(value)) {
          outside += count;
          if (unknown.length < 5) unknown.push(value);
        }
      }
      const share = outside / acc.present;
      if (share > config.domain_content_threshold) {
        violations.push({ feature_name: name, constraint_check_type: 'categorical_values_check', description: `Data content match requirement is not met: ${(share * 100).toFixed(2)}% of values are outside the baseline's domain (threshold ${config.domain_content_threshold * 100}%), e.g. ${unknown.map((u) => JSON.stringify(u)).join(', ')}` });
      }
    }
    const base = statsByName.get(name);
    if (dist.perform_comparison !== 'Enabled' || !base || acc.present === 0) return;
    if (base.numerical_statistics && acc.numericCount() > 0) {
      const baseSketch = KllSketch.fromJson(base.numerical_statistics.distribution.kll.sketch);
      const distance = cdfDistance(baseSketch, acc.sketch);
      const threshold = driftThreshold(dist.comparison_method, dist.comparison_threshold, baseSketch.count, acc.numericCount());
      drift.push({ feature: name, distance, threshold, kind: 'numerical' });
      if (distance > threshold) {
        violations.push({ feature_name: name, constraint_check_type: 'baseline_drift_check', description: `Baseline drift distance ${distance.toFixed(4)} exceeds threshold ${threshold.toFixed(4)} (L-infinity distance between the baseline's and the current CDF, ${dist.comparison_method})` });
      }
    } else if (base.string_statistics) {
      const distance = categoricalDistance(base.string_statistics.distribution.categorical.buckets, acc);
      const n = base.string_statistics.common.num_present;
      const threshold = driftThreshold(dist.comparison_method, dist.categorical_comparison_threshold, n, acc.present);
      drift.push({ feature: name, distance, threshold, kind: 'categorical' });
      if (distance > threshold) {
        violations.push({ feature_name: name, constraint_check_type: 'baseline_drift_check', description: `Baseline drift distance ${distance.toFixed(4)} exceeds threshold ${threshold.toFixed(4)} (L-infinity distance between the baseline's and the current category shares, ${dist.comparison_method})` });
      }
    }
  });
  for (const [column, records] of current.extraColumns) {
    violations.push({ feature_name: column, constraint_check_type: 'extra_column_check', description: `There are extra columns in current dataset: '${column}' is not in the baseline (${records} of ${current.items} records have it)` });
  }
  return { violations, drift };
}

/** The largest difference of a category's share between the baseline and now (values beyond the tracked ones count as one category). */
export function categoricalDistance(baseline: ReadonlyArray<{ value: string; count: number }>, current: FeatureAccumulator): number {
  const baseTotal = baseline.reduce((n, b) => n + b.count, 0);
  if (baseTotal === 0 || current.present === 0) return 0;
  const seen = new Set<string>();
  let best = 0;
  for (const b of baseline) {
    seen.add(b.value);
    best = Math.max(best, Math.abs(b.count / baseTotal - (current.values.get(b.value) ?? 0) / current.present));
  }
  for (const [value, count] of current.values) if (!seen.has(value)) best = Math.max(best, count / current.present);
  return Math.max(best, current.untracked / current.present);
}
