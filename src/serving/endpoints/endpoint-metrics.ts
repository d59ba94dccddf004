/**
 * Endpoint metrics as SageMaker's CloudWatch names them, recorded in this server process
 * per variant and minute and written to the metrics store every `flushMs` (and on
 * shutdown): invocations, 4xx, 5xx and throttles (1 or 0 per invocation), model and
 * overhead latency (ms, with histograms), and each instance's model-server CPU and
 * memory, sampled every `sampleMs` from `/proc`.
 */
import os from 'node:os';
import { treeUsage, UsageMeter } from '../../jobs/index.js';
import { MinuteSeries, type MetricSample, type MetricsPort } from '../../metrics/index.js';

/** One variant's series; the invocation path calls these. */
export class VariantMetrics {
  private readonly invocations: MinuteSeries;
  private readonly clientErrors: MinuteSeries;
  private readonly serverErrors: MinuteSeries;
  private readonly throttled: MinuteSeries;
  private readonly modelLatency: MinuteSeries;
  private readonly overheadLatency: MinuteSeries;

  constructor(endpoint: string, variant: string) {
    const dims = { endpoint, variant };
    this.invocations = new MinuteSeries('endpoint', 'Invocations', dims);
    this.clientErrors = new MinuteSeries('endpoint', 'Invocation4XXErrors', dims);
    this.serverErrors = new MinuteSeries('endpoint', 'Invocation5XXErrors', dims);
    this.throttled = new MinuteSeries('endpoint', 'InvocationsThrottled', dims);
    this.modelLatency = new MinuteSeries('endpoint', 'ModelLatency', dims, true);
    this.overheadLatency = new MinuteSeries('endpoint', 'OverheadLatency', dims, true);
  }

  /** A model server's answer: `routerMs` is the whole time at the router, `modelMs` the model server's part. */
  answered(status: number, modelMs: number, routerMs: number, now: number): void {
    this.invocations.add(1, now);
    this.clientErrors.add(status >= 400 && status < 500 ? 1 : 0, now);
    this.serverErrors.add(status >= 500 ? 1 : 0, now);
    this.throttled.add(0, now);
    this.modelLatency.add(modelMs, now);
    this.overheadLatency.add(Math.max(0, routerMs - modelMs), now);
  }

  /** A call no model server answered: refused by admission (429) or failed at the instance (5xx). */
  failed(throttled: boolean, now: number): void {
    this.invocations.add(1, now);
    this.clientErrors.add(0, now);
    this.serverErrors.add(throttled ? 0 : 1, now);
    this.throttled.add(throttled ? 1 : 0, now);
  }

  drain(): MetricSample[] {
    return [this.invocations, this.clientErrors, this.serverErrors, this.throttled, this.modelLatency, this.overheadLatency].flatMap((s) => s.drain());
  }
}

/** A model-server process the sampler reads. */
export interface InstanceProcess {
  endpoint: string;
  variant: string;
  instance: string;
  pid: number | null;
}

interface InstanceSeries {
  pid: number;
  meter: UsageMeter;
  cpu: MinuteSeries;
  memoryPercent: MinuteSeries;
  memoryMiB: MinuteSeries;
  seen: boolean;
}

export interface EndpointMetricsOptions {
  flushMs: number;
  sampleMs: number;
  log(message: string): void;
}

/** Holds every variant's series, samples instances and flushes to the store. */
export class EndpointMetricsRecorder {
  private readonly variants = new Map<string, VariantMetrics>();
  private readonly instances = new Map<string, InstanceSeries>();
  private readonly flusher: NodeJS.Timeout;
  private readonly sampler: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private readonly totalMiB = os.totalmem() / (1024 * 1024);

  constructor(
    private readonly port: MetricsPort,
    private readonly processes: () => InstanceProcess[],
    private readonly options: EndpointMetricsOptions,
  ) {
    this.flusher = setInterval(() => void this.flush(), options.flushMs);
    this.sampler = setInterval(() => this.sample(), options.sampleMs);
    this.flusher.unref();
    this.sampler.unref();
  }

  /** The series of a variant (kept across rollouts, as its counters are). */
  variant(endpoint: string, variant: string): VariantMetrics {
    const key = `${endpoint}\u0000${variant}`;
    let v = this.variants.get(key);
    if (v === undefined) this.variants.set(key, (v = new VariantMetrics(endpoint, variant)));
    return v;
  }

  /** Reads every running instance's model server (its process and children). */
  sample(now = Date.now()): void {
    for (const s of this.instances.values()) s.seen = false;
    for (const p of this.processes()) {
      if (p.pid === null) continue;
      const key = `${p.endpoint}\u0000${p.instance}`;
      let s = this.instances.get(key);
      if (s === undefined || s.pid !== p.pid) {
        const pid = p.pid;
        const dims = { endpoint: p.endpoint, variant: p.variant, instance: p.instance };
        const fresh: InstanceSeries = {
          pid,
          meter: new UsageMeter(() => treeUsage(pid)),
          cpu: s?.cpu ?? new MinuteSeries('endpoint', 'CPUUtilization', dims),
          memoryPercent: s?.memoryPercent ?? new MinuteSeries('endpoint', 'MemoryUtilization', dims),
          memoryMiB: s?.memoryMiB ?? new MinuteSeries('endpoint', 'MemoryUsedMiB', dims),
          seen: false,
        };
        this.instances.set(key, (s = fresh));
      }
      s.seen = true;
      const r = s.meter.sample(now);
      if (r === null) continue;
      if (r.cpuPercent !== null) s.cpu.add(r.cpuPercent, now);
      s.memoryMiB.add(r.memoryMiB, now);
      s.memoryPercent.add((r.memoryMiB / this.totalMiB) * 100, now);
    }
  }

  /** Writes what was recorded since the last flush; a failed write is logged and dropped. */
  flush(): Promise<void> {
    const samples: MetricSample[] = [];
    for (const v of this.variants.values()) samples.push(...v.drain());
    for (const [key, s] of this.instances) {
      samples.push(...s.cpu.drain(), ...s.memoryPercent.drain(), ...s.memoryMiB.drain());
      if (!s.seen) this.instances.delete(key);
    }
    return this.write(samples);
  }

  private write(samples: MetricSample[]): Promise<void> {
    if (samples.length === 0) return this.writing;
    this.writing = this.writing
      .then(() => this.port.put(samples))
      .catch((err: unknown) => this.options.log(`metrics: could not record ${samples.length} endpoint sample(s): ${(err as Error).message}`));
    return this.writing;
  }

  /** An endpoint is gone: what it recorded is written, and its series are dropped. */
  forget(endpoint: string): Promise<void> {
    const samples: MetricSample[] = [];
    for (const [key, v] of this.variants) {
      if (key.startsWith(`${endpoint}\u0000`)) {
        samples.push(...v.drain());
        this.variants.delete(key);
      }
    }
    for (const [key, s] of this.instances) {
      if (key.startsWith(`${endpoint}\u0000`)) {
        samples.push(...s.cpu.drain(), ...s.memoryPercent.drain(), ...s.memoryMiB.drain());
        this.instances.delete(key);
      }
    }
    return this.write(samples);
  }

  /** Stops the timers and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.flusher);
    clearInterval(this.sampler);
    await this.flush();
  }
}
