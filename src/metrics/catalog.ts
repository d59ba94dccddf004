import type { MetricNamespace, MetricStat } from './types.js';

/** What a stored metric is: its unit and whether its samples carry a latency histogram. */
export interface MetricInfo {
  unit: 'Count' | 'Milliseconds' | 'Percent' | 'Megabytes';
  /** Samples hold latency histograms, so p50/p90/p99 can be read. */
  percentiles: boolean;
  description: string;
}

/**
 * The metrics Orchard records, named after SageMaker's CloudWatch metrics. Latencies are
 * milliseconds (SageMaker's ModelLatency and OverheadLatency are microseconds).
 * A count metric is one value per invocation, 1 or 0 (SageMaker's convention): `sum`
 * counts, `avg` of an error metric is the error rate.
 */
export const ENDPOINT_METRICS: Readonly<Record<string, MetricInfo>> = {
  Invocations: { unit: 'Count', percentiles: false, description: 'Requests routed to the variant (1 each)' },
  Invocation4XXErrors: { unit: 'Count', percentiles: false, description: 'Requests the model answered with a 4xx (1), others 0' },
  Invocation5XXErrors: { unit: 'Count', percentiles: false, description: 'Requests answered 5xx by the model or failed at an instance (crash, timeout) (1), others 0' },
  InvocationsThrottled: { unit: 'Count', percentiles: false, description: "Requests refused with 429 by an instance's admission limits (1), others 0" },
  ModelLatency: { unit: 'Milliseconds', percentiles: true, description: 'Time the model server took: from the request leaving the router to its answer' },
  OverheadLatency: { unit: 'Milliseconds', percentiles: true, description: "Time at the router beyond the model's: routing and waiting for an instance slot" },
  CPUUtilization: { unit: 'Percent', percentiles: false, description: "An instance's model server, percent of one core (200 = two cores busy), sampled" },
  MemoryUtilization: { unit: 'Percent', percentiles: false, description: "An instance's model server resident memory, percent of the machine's, sampled" },
  MemoryUsedMiB: { unit: 'Megabytes', percentiles: false, description: "An instance's model server resident memory in MiB, sampled" },
};

export const JOB_METRICS: Readonly<Record<string, MetricInfo>> = {
  CPUUtilization: { unit: 'Percent', percentiles: false, description: "A training or processing attempt's process group, percent of one core, sampled" },
  MemoryUsedMiB: { unit: 'Megabytes', percentiles: false, description: "A training or processing attempt's process group resident memory in MiB, sampled" },
};

/** Model Monitor's metrics are named by the monitor (per feature); any name of this shape is accepted there. */
export const MONITOR_METRIC_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The metric names known per namespace (monitor: none fixed, see {@link MONITOR_METRIC_NAME}). */
export const METRIC_NAMES: Readonly<Record<MetricNamespace, readonly string[]>> = {
  endpoint: Object.keys(ENDPOINT_METRICS),
  job: Object.keys(JOB_METRICS),
  monitor: [],
};

export const METRIC_STATS: readonly MetricStat[] = ['sum', 'avg', 'min', 'max', 'count', 'p50', 'p90', 'p99'];
export const METRIC_NAMESPACES: readonly MetricNamespace[] = ['endpoint', 'job', 'monitor'];

/** The metric's description, or null when the namespace has no such metric. */
export function metricInfo(namespace: MetricNamespace, metric: string): MetricInfo | null {
  if (namespace === 'endpoint') return Object.hasOwn(ENDPOINT_METRICS, metric) ? ENDPOINT_METRICS[metric] : null;
  if (namespace === 'job') return Object.hasOwn(JOB_METRICS, metric) ? JOB_METRICS[metric] : null;
  if (namespace === 'monitor') return MONITOR_METRIC_NAME.test(metric) ? { unit: 'Count', percentiles: false, description: 'A Model Monitor metric' } : null;
  return null;
}

/** Whether alarms and queries may name this metric. */
export function isKnownMetric(namespace: MetricNamespace, metric: string): boolean {
  return metricInfo(namespace, metric) !== null;
}
