/**
 * The shape of stored metrics (CloudWatch's role): one sample per series per minute.
 * A series is a namespace, a metric name and its dimensions. Other capabilities write
 * samples and read datapoints through `MetricsPort`, which the platform wires to the
 * metrics service; they import only this file.
 */

/** What a series belongs to. */
export type MetricNamespace = 'endpoint' | 'job' | 'monitor';

/** How a period's samples are reduced to one datapoint. */
export type MetricStat = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'p50' | 'p90' | 'p99';

/**
 * One minute of one series. Dimensions by namespace:
 * - `endpoint`: `{endpoint, variant}`, and `{endpoint, variant, instance}` for an instance's CPU and memory;
 * - `job`: `{kind: 'training'|'processing', job}`;
 * - `monitor`: `{schedule, endpoint}` (and `feature` for a feature's drift).
 */
export interface MetricSample {
  namespace: MetricNamespace;
  metric: string;
  dimensions: Readonly<Record<string, string>>;
  /** The minute's start, epoch milliseconds (a multiple of 60 000). */
  minute: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Counts per latency bucket (see the metrics service's bucket bounds), for percentiles across minutes. */
  histogram?: readonly number[];
}

export interface MetricQuery {
  namespace: MetricNamespace;
  metric: string;
  /** Every series whose dimensions include these is summed into the answer. */
  dimensions: Readonly<Record<string, string>>;
  stat: MetricStat;
  /** Seconds per datapoint, a multiple of 60. */
  period: number;
  since: Date;
  until?: Date;
}

export interface Datapoint {
  /** The period's start, ISO 8601. */
  timestamp: string;
  value: number;
}

/** What other capabilities hold of the metrics service. */
export interface MetricsPort {
  put(samples: readonly MetricSample[]): Promise<void>;
  get(query: MetricQuery): Promise<Datapoint[]>;
}
