import type { MetricDatapoint, MetricsAnswer, MetricsQuery } from '../contracts/index.js';
import type { HttpClient } from './http.js';

export type { MetricDatapoint, MetricsAnswer, MetricsQuery };

/** What `metrics.get` takes: the series (endpoint and variant, or job), the metric and statistic, the window. */
export interface GetMetricsOptions {
  endpoint?: string;
  variant?: string;
  instance?: string;
  job?: string;
  kind?: 'training' | 'processing';
  namespace?: 'endpoint' | 'job' | 'monitor';
  schedule?: string;
  feature?: string;
  metric: string;
  /** @default 'avg' */
  stat?: string;
  /** Seconds per datapoint, a multiple of 60. @default 60 */
  period?: number;
  /** A duration back from now (`15m`, `1h`, `2d`), an ISO time or a Date. @default '1h' */
  since?: string | Date;
  until?: string | Date;
}

/** Stored metrics (CloudWatch's role): one statistic of a metric per period. */
export class MetricsClient {
  constructor(private readonly http: HttpClient) {}

  /** Datapoints oldest first; periods without samples are left out. */
  async get(options: GetMetricsOptions): Promise<MetricsAnswer> {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(options)) {
      if (v === undefined) continue;
      query[k] = v instanceof Date ? v.toISOString() : String(v);
    }
    return this.http.request('GET', '/api/v1/metrics', { query });
  }
}
