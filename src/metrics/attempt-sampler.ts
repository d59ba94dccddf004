import { groupUsage, UsageMeter } from '../jobs/index.js';
import { MinuteSeries } from './minute-series.js';
import type { MetricSample, MetricsPort } from './types.js';

export interface AttemptSamplerOptions {
  /** The attempt's process group (the job's child is its leader). */
  pgid: number;
  kind: 'training' | 'processing';
  job: string;
  /** Extra dimensions (a processing instance's host), kept on every sample. */
  dimensions?: Record<string, string>;
  metrics: MetricsPort;
  /** @default 5000 */
  sampleMs?: number;
  /** @default 60000 */
  flushMs?: number;
  /** Called with every reading as well (a profiler may keep its own series). */
  onSample?(reading: { at: number; cpuPercent: number | null; memoryMiB: number }): void;
  log?(message: string): void;
}

export interface AttemptSampler {
  /** Takes a last reading, writes what is left and stops. */
  stop(): Promise<void>;
}

/**
 * Samples a job attempt's process group (CPU percent of one core, resident MiB) every
 * few seconds and writes per-minute `CPUUtilization` and `MemoryUsedMiB` samples in the
 * `job` namespace, `{kind, job}`. A write that fails is logged and its samples dropped:
 * metrics never fail a job.
 */
export function startAttemptSampler(options: AttemptSamplerOptions): AttemptSampler {
  const dims = { kind: options.kind, job: options.job, ...options.dimensions };
  const cpu = new MinuteSeries('job', 'CPUUtilization', dims);
  const memory = new MinuteSeries('job', 'MemoryUsedMiB', dims);
  const meter = new UsageMeter(() => groupUsage(options.pgid));
  let writing: Promise<void> = Promise.resolve();
  const sample = () => {
    const at = Date.now();
    const r = meter.sample(at);
    if (r === null) return;
    if (r.cpuPercent !== null) cpu.add(r.cpuPercent, at);
    memory.add(r.memoryMiB, at);
    options.onSample?.({ at, ...r });
  };
  const flush = () => {
    const samples: MetricSample[] = [...cpu.drain(), ...memory.drain()];
    if (samples.length === 0) return writing;
    writing = writing.then(() => options.metrics.put(samples)).catch((err: unknown) => options.log?.(`metrics: could not record ${options.kind} job ${options.job}: ${(err as Error).message}`));
    return writing;
  };
  sample();
  const sampleMs = options.sampleMs ?? 5000;
  // A second reading soon after the start, so even a short attempt has a CPU figure.
  const early = setTimeout(sample, Math.min(1000, sampleMs / 2));
  const sampler = setInterval(sample, sampleMs);
  const flusher = setInterval(() => void flush(), options.flushMs ?? 60_000);
  early.unref();
  sampler.unref();
  flusher.unref();
  return {
    async stop() {
      clearTimeout(early);
      clearInterval(sampler);
      clearInterval(flusher);
      sample();
      await flush();
    },
  };
}
