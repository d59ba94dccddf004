import { LATENCY_BUCKETS, latencyBucket } from './histogram.js';
import type { MetricNamespace, MetricSample } from './types.js';

const MINUTE_MS = 60_000;

/**
 * One series' current minute, kept in memory by the writer (an endpoint variant, a job
 * attempt): `add` is a few arithmetic operations and, for latencies, one logarithm and
 * an array write. A minute that ends is kept as a finished sample until `drain` takes
 * it; `drain` also takes the minute in progress, which a later drain adds to (the store
 * merges repeated writes of a minute).
 */
export class MinuteSeries {
  private minute = -1;
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly histogram: Uint32Array | null;
  private finished: MetricSample[] = [];

  constructor(
    readonly namespace: MetricNamespace,
    readonly metric: string,
    readonly dimensions: Readonly<Record<string, string>>,
    latency = false,
  ) {
    this.histogram = latency ? new Uint32Array(LATENCY_BUCKETS) : null;
  }

  add(value: number, now: number): void {
    const minute = now - (now % MINUTE_MS);
    if (minute !== this.minute) {
      if (this.count > 0) this.finished.push(this.take());
      this.minute = minute;
    }
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.histogram !== null) this.histogram[latencyBucket(value)]++;
  }

  /** The finished minutes and the one in progress, as samples; the series starts afresh. */
  drain(): MetricSample[] {
    const out = this.finished;
    this.finished = [];
    if (this.count > 0) out.push(this.take());
    return out;
  }

  private take(): MetricSample {
    const sample: MetricSample = {
      namespace: this.namespace,
      metric: this.metric,
      dimensions: this.dimensions,
      minute: this.minute,
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
      ...(this.histogram !== null ? { histogram: Array.from(this.histogram) } : {}),
    };
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.histogram?.fill(0);
    return sample;
  }
}
