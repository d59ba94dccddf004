import type { VariantMetrics } from './endpoint-metrics.js';
import type { InvocationCounters } from './types.js';

const WINDOW_S = 60;

/**
 * A variant's invocation counters: totals, plus per-second buckets of the last minute
 * (the rate autoscaling tracks and the model latency describe shows). Cheap enough for
 * the invocation path: a few array writes per call. With `metrics`, the same calls also
 * feed the variant's stored per-minute metrics.
 */
export class VariantCounters {
  constructor(readonly metrics: VariantMetrics | null = null) {}

  invocations = 0;
  clientErrors = 0;
  serverErrors = 0;
  throttled = 0;
  timeouts = 0;
  private readonly second = new Float64Array(WINDOW_S).fill(-1);
  private readonly calls = new Uint32Array(WINDOW_S);
  private readonly latencySum = new Float64Array(WINDOW_S);
  private readonly latencyCount = new Uint32Array(WINDOW_S);

  /** Counts an invocation routed to the variant. */
  hit(now: number): void {
    this.invocations++;
    this.calls[this.bucket(now)]++;
  }

  /** Records the model server's answer; `routerMs` is the time since the router took the request. */
  answered(status: number, modelMs: number, now: number, routerMs = modelMs): void {
    this.metrics?.answered(status, modelMs, routerMs, now);
    if (status >= 500) this.serverErrors++;
    else if (status >= 400) this.clientErrors++;
    const b = this.bucket(now);
    this.latencySum[b] += modelMs;
    this.latencyCount[b]++;
  }

  /** Records a call that got no answer from a model server. */
  failed(code: string): void {
    this.metrics?.failed(code === 'ORCH_ENDPOINT_THROTTLED', Date.now());
    if (code === 'ORCH_ENDPOINT_THROTTLED') this.throttled++;
    else {
      this.serverErrors++;
      if (code === 'ORCH_ENDPOINT_MODEL_TIMEOUT') this.timeouts++;
    }
  }

  /** Invocations in the last 60 seconds. */
  lastMinute(now: number): number {
    const s = Math.floor(now / 1000);
    let n = 0;
    for (let i = 0; i < WINDOW_S; i++) if (this.second[i] > s - WINDOW_S) n += this.calls[i];
    return n;
  }

  snapshot(now: number): InvocationCounters {
    const s = Math.floor(now / 1000);
    let sum = 0;
    let count = 0;
    for (let i = 0; i < WINDOW_S; i++) {
      if (this.second[i] <= s - WINDOW_S) continue;
      sum += this.latencySum[i];
      count += this.latencyCount[i];
    }
    return {
      invocations: this.invocations,
      clientErrors: this.clientErrors,
      serverErrors: this.serverErrors,
      throttled: this.throttled,
      timeouts: this.timeouts,
      lastMinute: this.lastMinute(now),
      modelLatencyMs: count > 0 ? Math.round((sum / count) * 1000) / 1000 : null,
    };
  }

  private bucket(now: number): number {
    const s = Math.floor(now / 1000);
    const b = s % WINDOW_S;
    if (this.second[b] !== s) {
      this.second[b] = s;
      this.calls[b] = 0;
      this.latencySum[b] = 0;
      this.latencyCount[b] = 0;
    }
    return b;
  }
}
