/**
 * Plain values of the metrics contract (no schema library behind them): the CLI, the SDK
 * and the studio import them at run time without loading TypeBox.
 */

/** Namespaces of stored metrics. */
export const METRIC_NAMESPACE_VALUES = ['endpoint', 'job', 'monitor'] as const;

/** Statistics a query reduces a period to. */
export const METRIC_STAT_VALUES = ['sum', 'avg', 'min', 'max', 'count', 'p50', 'p90', 'p99'] as const;

/** Kinds of job whose attempts record CPU and memory. */
export const METRIC_JOB_KINDS = ['training', 'processing'] as const;

/** Endpoint metrics (SageMaker's CloudWatch names; latencies in milliseconds). */
export const ENDPOINT_METRIC_NAMES = ['Invocations', 'Invocation4XXErrors', 'Invocation5XXErrors', 'InvocationsThrottled', 'ModelLatency', 'OverheadLatency', 'CPUUtilization', 'MemoryUtilization', 'MemoryUsedMiB'] as const;

/** Training and processing attempt metrics. */
export const JOB_METRIC_NAMES = ['CPUUtilization', 'MemoryUsedMiB'] as const;

export const METRIC_LIMITS = {
  /** Datapoints one answer may hold. */
  maxDatapoints: 1440 * 15,
  /** Default look-back when `since` is not given. */
  defaultSince: '1h',
  /** Default seconds per datapoint. */
  defaultPeriod: 60,
} as const;
