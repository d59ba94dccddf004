/**
 * Stored metrics (CloudWatch's role): per-minute samples of endpoints, job attempts and
 * monitors in the metadata DB (`metric_samples`), read back per period for one
 * statistic. Other capabilities hold a `MetricsPort`; the platform wires the service.
 */
export type { Datapoint, MetricNamespace, MetricQuery, MetricSample, MetricStat, MetricsPort } from './types.js';
export { createMetricsService, MetricsService, parseSince, validate as validateMetricQuery } from './metrics-service.js';
export type { MetricOwners, MetricsServiceOptions } from './metrics-service.js';
export { MetricsStore } from './metrics-store.js';
export { ENDPOINT_METRICS, JOB_METRICS, METRIC_NAMES, METRIC_NAMESPACES, METRIC_STATS, MONITOR_METRIC_NAME, isKnownMetric, metricInfo } from './catalog.js';
export type { MetricInfo } from './catalog.js';
export { LATENCY_BUCKETS, LATENCY_BUCKET_BOUNDS, histogramPercentile, latencyBucket } from './histogram.js';
export { MinuteSeries } from './minute-series.js';
export { startAttemptSampler } from './attempt-sampler.js';
export type { AttemptSampler, AttemptSamplerOptions } from './attempt-sampler.js';
