/**
 * Per-feature statistics in SageMaker Model Monitor's `statistics.json` shape, computed
 * in one pass with fixed-size state per feature (counts, Welford's mean and variance,
 * min/max, a KLL sketch, and value counts capped at `MAX_TRACKED_VALUES`), so a baseline
 * over a dataset and an execution over an hour of capture use the same code and the same
 * memory whatever the number of records.
 */
import { binCounts, DEFAULT_C, DEFAULT_K, KllSketch, type KllSketchJson } from './kll.js';

export type InferredType = 'Integral' | 'Fractional' | 'String' | 'Unknown';

/** Distinct values counted exactly per feature; past this, new values are counted together. */
export const MAX_TRACKED_VALUES = 1000;
/** A String feature with at most this many distinct values gets a `domains` constraint. */
export const MAX_DOMAIN_VALUES = 50;
/** Buckets of a numeric feature's `distribution.kll.buckets` (SageMaker writes 10). */
export const KLL_BUCKETS = 10;

export interface CommonStatistics {
  num_present: number;
  num_missing: number;
}

export interface NumericalStatistics {
  common: CommonStatistics;
  mean: number;
  sum: number;
  std_dev: number;
  min: number;
  max: number;
  distribution: { kll: { buckets: Array<{ lower_bound: number; upper_bound: number; count: number }>; sketch: KllSketchJson } };
}

export interface StringStatistics {
  common: CommonStatistics;
  distinct_count: number;
  distribution: { categorical: { buckets: Array<{ value: string; count: number }> } };
}

export interface FeatureStatistics {
  name: string;
  inferred_type: InferredType;
  numerical_statistics?: NumericalStatistics;
  string_statistics?: StringStatistics;
}

/** `statistics.json`. */
export interface Statistics {
  version: number;
  dataset: { item_count: number };
  features: FeatureStatistics[];
}

/** How a present value reads: an integer, another number, or text. */
export const enum ValueKind {
  Integral = 0,
  Fractional = 1,
  String = 2,
}

const INTEGER = /^[+-]?\d+$/;

/** One feature's running state. `trackValues` false skips value counts (a numeric baseline feature in an execution). */
export class FeatureAccumulator {
  present = 0;
  missing = 0;
  /** Present values by kind: integral, fractional, string. */
  readonly kinds = [0, 0, 0];
  private n = 0;
  private mean = 0;
  private m2 = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly sketch: KllSketch;
  readonly values = new Map<string, number>();
  /** Present values not counted in `values` (its cap was reached). */
  untracked = 0;

  constructor(
    readonly name: string,
    private trackValues = true,
  ) {
    this.sketch = new KllSketch(DEFAULT_K, DEFAULT_C);
  }

  /** Adds one value as text; empty (or blank) text is missing. */
  add(text: string | null | undefined): void {
    if (text === null || text === undefined) {
      this.missing++;
      return;
    }
    const t = text.length > 0 && (text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32) ? text.trim() : text;
    if (t === '') {
      this.missing++;
      return;
    }
    this.present++;
    const x = +t;
    if (!Number.isFinite(x)) {
      this.kinds[ValueKind.String]++;
    } else {
      this.kinds[Number.isInteger(x) && INTEGER.test(t) ? ValueKind.Integral : ValueKind.Fractional]++;
      this.addNumber(x);
    }
    if (this.trackValues) this.track(t);
  }

  /** Adds a value that is already a number (JSON input). */
  addValue(value: unknown): void {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        this.missing++;
        return;
      }
      this.present++;
      this.kinds[Number.isInteger(value) ? ValueKind.Integral : ValueKind.Fractional]++;
      this.addNumber(value);
      if (this.trackValues) this.track(String(value));
    } else if (typeof value === 'string') this.add(value);
    else if (value === null || value === undefined) this.missing++;
    else this.add(typeof value === 'boolean' ? String(value) : JSON.stringify(value));
  }

  private addNumber(x: number): void {
    // Welford's update: stable for long streams with a large mean.
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
    this.sum += x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.sketch.update(x);
  }

  private track(t: string): void {
    const seen = this.values.get(t);
    if (seen !== undefined) this.values.set(t, seen + 1);
    else if (this.values.size < MAX_TRACKED_VALUES) this.values.set(t, 1);
    else this.untracked++;
  }

  /** Integral when every present value is an integer, Fractional when every one is a number, else String. */
  inferredType(): InferredType {
    if (this.present === 0) return 'Unknown';
    if (this.kinds[ValueKind.String] > 0) return 'String';
    return this.kinds[ValueKind.Fractional] > 0 ? 'Fractional' : 'Integral';
  }

  numericCount(): number {
    return this.n;
  }

  /** The feature's entry in `statistics.json`; `as` forces a type (an execution reports in the baseline's). */
  toStatistics(as?: InferredType): FeatureStatistics {
    const type = as ?? this.inferredType();
    const common = { num_present: this.present, num_missing: this.missing };
    if (type === 'Integral' || type === 'Fractional') {
      const n = this.n;
      const min = n ? this.min : 0;
      const max = n ? this.max : 0;
      const edges = Array.from({ length: KLL_BUCKETS + 1 }, (_, i) => (i === KLL_BUCKETS ? max : min + ((max - min) * i) / KLL_BUCKETS));
      const counts = n ? binCounts(this.sketch, edges) : new Array<number>(KLL_BUCKETS).fill(0);
      return {
        name: this.name,
        inferred_type: type,
        numerical_statistics: {
          common,
          mean: n ? this.mean : 0,
          sum: this.sum,
          std_dev: n ? Math.sqrt(this.m2 / n) : 0,
          min,
          max,
          distribution: { kll: { buckets: counts.map((count, i) => ({ lower_bound: edges[i], upper_bound: edges[i + 1], count })), sketch: this.sketch.toJson() } },
        },
      };
    }
    const buckets = [...this.values].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([value, count]) => ({ value, count }));
    return {
      name: this.name,
      inferred_type: type,
      string_statistics: { common, distinct_count: this.values.size + (this.untracked > 0 ? 1 : 0), distribution: { categorical: { buckets } } },
    };
  }
}

/** `statistics.json` of accumulated features. */
export function statisticsOf(features: readonly FeatureAccumulator[], itemCount: number, types?: ReadonlyMap<string, InferredType>): Statistics {
  return { version: 0, dataset: { item_count: itemCount }, features: features.map((f) => f.toStatistics(types?.get(f.name))) };
}
