/**
 * An attempt's profile: CPU and memory of its process group sampled every second (the
 * shared /proc reader), and the time spent in each phase. Bounded: past `maxSamples`
 * pairs of samples merge (mean CPU, peak memory) and the interval doubles.
 */
import { groupUsage, UsageMeter } from '../jobs/index.js';
import type { StoredProfile } from './debugger-store.js';
import type { ProfileAttempt, ProfilePhase, ProfileSample } from './types.js';

export const PROFILE_INTERVAL_MS = 1000;
const MAX_SAMPLES = 3600;

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

export class AttemptProfiler {
  readonly startedAt = new Date();
  private readonly t0 = performance.now();
  private samples: ProfileSample[] = [];
  private phases: ProfilePhase[] = [];
  private current: { name: string; start: number } | null = null;
  private intervalMs = PROFILE_INTERVAL_MS;
  private timer: NodeJS.Timeout | null = null;
  private pending: ProfileSample[] = [];

  constructor(
    readonly attempt: number,
    private readonly maxSamples = MAX_SAMPLES,
  ) {}

  private now(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** Ends the current phase and starts `name` (null: none). */
  phase(name: string | null): void {
    const t = this.now();
    if (this.current) this.phases.push({ name: this.current.name, start: round(this.current.start), seconds: round(t - this.current.start) });
    this.current = name === null ? null : { name, start: t };
  }

  /** Samples the process group every second until {@link stopSampling}. */
  sampleGroup(pgid: number): void {
    this.stopSampling();
    const meter = new UsageMeter(() => groupUsage(pgid));
    meter.sample();
    this.timer = setInterval(() => {
      const s = meter.sample();
      if (s) this.add({ t: round(this.now(), 1), cpuPercent: s.cpuPercent === null ? null : round(s.cpuPercent, 1), memoryMiB: round(s.memoryMiB, 1) });
    }, PROFILE_INTERVAL_MS);
    this.timer.unref();
  }

  stopSampling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Adds a sample; merges neighbours once there are too many (at the doubled interval). */
  add(sample: ProfileSample): void {
    this.pending.push(sample);
    const every = this.intervalMs / PROFILE_INTERVAL_MS;
    if (this.pending.length < every) return;
    this.samples.push(merge(this.pending));
    this.pending = [];
    if (this.samples.length > this.maxSamples) {
      const merged: ProfileSample[] = [];
      for (let i = 0; i < this.samples.length; i += 2) merged.push(merge(this.samples.slice(i, i + 2)));
      this.samples = merged;
      this.intervalMs *= 2;
    }
  }

  /** What is stored: the phases so far with the open one up to now. */
  snapshot(): StoredProfile {
    const phases = [...this.phases];
    if (this.current) phases.push({ name: this.current.name, start: round(this.current.start), seconds: round(this.now() - this.current.start) });
    return { attempt: this.attempt, startedAt: this.startedAt.toISOString(), intervalMs: this.intervalMs, samples: [...this.samples], phases };
  }
}

function merge(samples: ProfileSample[]): ProfileSample {
  if (samples.length === 1) return samples[0];
  const cpus = samples.map((s) => s.cpuPercent).filter((c): c is number => c !== null);
  return {
    t: samples[samples.length - 1].t,
    cpuPercent: cpus.length ? round(cpus.reduce((a, b) => a + b, 0) / cpus.length, 1) : null,
    memoryMiB: Math.max(...samples.map((s) => s.memoryMiB)),
  };
}

/** A stored profile with its summary: seconds per phase, mean and peak CPU, peak memory. */
export function summarise(p: StoredProfile): ProfileAttempt {
  const totals: Record<string, number> = {};
  for (const ph of p.phases) totals[ph.name] = round((totals[ph.name] ?? 0) + ph.seconds);
  const cpus = p.samples.map((s) => s.cpuPercent).filter((c): c is number => c !== null);
  return {
    attempt: p.attempt,
    startedAt: p.startedAt,
    intervalSeconds: p.intervalMs / 1000,
    samples: p.samples,
    phases: p.phases,
    totals,
    cpu: { avgPercent: cpus.length ? round(cpus.reduce((a, b) => a + b, 0) / cpus.length, 1) : null, maxPercent: cpus.length ? Math.max(...cpus) : null },
    memory: { maxMiB: p.samples.length ? Math.max(...p.samples.map((s) => s.memoryMiB)) : null },
  };
}
