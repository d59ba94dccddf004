/**
 * One data-quality execution: the window's capture profiled against the baseline's
 * features, checked against its constraints, and summarised per feature for the studio.
 */
import type { MetricSample, MetricsPort } from '../metrics/types.js';
import type { ArtifactStore } from '../storage/index.js';
import { captureFiles, CaptureProfile, readCapture, type CaptureWindow } from './capture-reader.js';
import { checkConstraints, type Constraints, type FeatureDrift, type Violation } from './constraints.js';
import { binCounts, KllSketch } from './kll.js';
import { statisticsOf, type FeatureAccumulator, type FeatureStatistics, type Statistics } from './statistics.js';
import type { MonitorFeatureDistribution } from './types.js';

export interface ExecutionResult {
  items: number;
  records: number;
  statistics: Statistics;
  violations: Violation[];
  drift: FeatureDrift[];
  distributions: MonitorFeatureDistribution[];
}

/** Bins of a numeric feature's baseline-against-current chart. */
const CHART_BINS = 10;
/** Categories of a categorical feature's chart, at most. */
const CHART_CATEGORIES = 20;

export async function runDataQuality(
  artifacts: ArtifactStore,
  input: { endpoint: string; window: CaptureWindow; baseline: Statistics; constraints: Constraints; signal?: AbortSignal; onProgress?: (bytes: number, totalBytes: number) => void },
): Promise<ExecutionResult> {
  const profile = new CaptureProfile(input.baseline.features);
  const files = await captureFiles(artifacts, input.endpoint, input.window);
  const total = files.reduce((n, f) => n + f.size, 0);
  await readCapture(artifacts, files, profile, input.window, { signal: input.signal, onFile: (bytes) => input.onProgress?.(bytes, total) });
  const types = new Map(input.baseline.features.map((f) => [f.name, f.inferred_type]));
  const statistics = statisticsOf(profile.features, profile.items, types);
  const { violations, drift } = profile.items > 0 ? checkConstraints(input.baseline, input.constraints, profile) : { violations: [], drift: [] };
  const distributions = profile.items > 0 ? chartData(input.baseline.features, profile.features, drift) : [];
  return { items: profile.items, records: profile.records, statistics, violations, drift, distributions };
}

/** Baseline against current for each feature, as shares on common bins. */
export function chartData(baseline: readonly FeatureStatistics[], current: readonly FeatureAccumulator[], drift: readonly FeatureDrift[]): MonitorFeatureDistribution[] {
  const out: MonitorFeatureDistribution[] = [];
  baseline.forEach((b, i) => {
    const cur = current[i];
    const d = drift.find((x) => x.feature === b.name);
    const head = { feature: b.name, distance: d?.distance ?? 0, threshold: d?.threshold ?? 0 };
    if (b.numerical_statistics) {
      const sketch = KllSketch.fromJson(b.numerical_statistics.distribution.kll.sketch);
      const n = cur.numericCount();
      const lo = Math.min(b.numerical_statistics.min, n ? cur.min : Infinity);
      const hi = Math.max(b.numerical_statistics.max, n ? cur.max : -Infinity);
      const edges = Array.from({ length: CHART_BINS + 1 }, (_, k) => (k === CHART_BINS ? hi : lo + ((hi - lo) * k) / CHART_BINS));
      const base = binCounts(sketch, edges);
      const now = n ? binCounts(cur.sketch, edges) : base.map(() => 0);
      const bt = base.reduce((a, x) => a + x, 0) || 1;
      const ct = now.reduce((a, x) => a + x, 0) || 1;
      out.push({ ...head, kind: 'numerical', bins: base.map((c, k) => ({ label: String(Number(edges[k].toPrecision(4))), baseline: c / bt, current: now[k] / ct })) });
    } else if (b.string_statistics) {
      const buckets = b.string_statistics.distribution.categorical.buckets;
      const bt = buckets.reduce((a, x) => a + x.count, 0) || 1;
      const ct = cur.present || 1;
      const labels = new Set(buckets.slice(0, CHART_CATEGORIES).map((x) => x.value));
      for (const [value] of [...cur.values].sort((x, y) => y[1] - x[1]).slice(0, CHART_CATEGORIES)) labels.add(value);
      const byValue = new Map(buckets.map((x) => [x.value, x.count]));
      out.push({ ...head, kind: 'categorical', bins: [...labels].map((label) => ({ label, baseline: (byValue.get(label) ?? 0) / bt, current: (cur.values.get(label) ?? 0) / ct })) });
    }
  });
  return out;
}

/** The execution's metrics (namespace `monitor`), as SageMaker emits them to CloudWatch. */
export function executionSamples(dims: { schedule: string; endpoint: string }, result: ExecutionResult, at = Date.now()): MetricSample[] {
  const minute = Math.floor(at / 60_000) * 60_000;
  const one = (metric: string, value: number, extra: Record<string, string> = {}): MetricSample => ({ namespace: 'monitor', metric, dimensions: { ...dims, ...extra }, minute, count: 1, sum: value, min: value, max: value });
  return [
    one('violations', result.violations.length),
    one('items', result.items),
    ...result.drift.map((d) => one(metricName('feature_baseline_drift_', d.feature), d.distance, { feature: d.feature })),
    ...result.statistics.features.map((f) => {
      const c = f.numerical_statistics?.common ?? f.string_statistics?.common ?? { num_present: 0, num_missing: 0 };
      const total = c.num_present + c.num_missing;
      return one(metricName('feature_completeness_', f.name), total ? c.num_present / total : 0, { feature: f.name });
    }),
  ];
}

/** A metric name of a feature: characters the metrics catalogue refuses become `_`, at most 128 characters. */
export function metricName(prefix: string, feature: string): string {
  return (prefix + feature.replace(/[^A-Za-z0-9_.:-]/g, '_')).slice(0, 128);
}

export type { MetricsPort };
