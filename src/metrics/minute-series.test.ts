import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startAttemptSampler } from './attempt-sampler.js';
import { histogramPercentile, LATENCY_BUCKETS } from './histogram.js';
import { MinuteSeries } from './minute-series.js';
import type { MetricSample } from './types.js';

const T0 = Date.UTC(2026, 11, 3, 10, 0, 0);

describe('MinuteSeries', () => {
  it('keeps one sample per minute and starts afresh after a drain', () => {
    const s = new MinuteSeries('endpoint', 'ModelLatency', { endpoint: 'e', variant: 'A' }, true);
    s.add(2, T0 + 1000);
    s.add(4, T0 + 59_999);
    s.add(8, T0 + 60_000);
    const [first, second] = s.drain();
    expect(first).toMatchObject({ minute: T0, count: 2, sum: 6, min: 2, max: 4 });
    expect(second).toMatchObject({ minute: T0 + 60_000, count: 1, sum: 8, min: 8, max: 8 });
    expect(first.histogram).toHaveLength(LATENCY_BUCKETS);
    expect(histogramPercentile(first.histogram!, 50, first.min, first.max)).toBeGreaterThanOrEqual(2);
    expect(s.drain()).toEqual([]);
    // The minute in progress continues after a drain: the store merges the two writes.
    s.add(1, T0 + 61_000);
    expect(s.drain()).toEqual([expect.objectContaining({ minute: T0 + 60_000, count: 1, sum: 1 })]);
  });

  it('a series without histograms has none', () => {
    const s = new MinuteSeries('job', 'MemoryUsedMiB', { kind: 'training', job: 'j' });
    s.add(100, T0);
    expect(s.drain()[0].histogram).toBeUndefined();
  });
});

describe.skipIf(process.platform !== 'linux')('startAttemptSampler', () => {
  it("records a busy process group's CPU and memory when stopped", async () => {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 3000; while (Date.now() < end);'], { detached: true, stdio: 'ignore' });
    const written: MetricSample[] = [];
    const sampler = startAttemptSampler({ pgid: child.pid!, kind: 'training', job: 'busy', metrics: { put: async (s) => void written.push(...s), get: async () => [] }, sampleMs: 200, flushMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1200));
    await sampler.stop();
    child.kill('SIGKILL');
    const cpu = written.filter((s) => s.metric === 'CPUUtilization');
    const memory = written.filter((s) => s.metric === 'MemoryUsedMiB');
    expect(cpu.reduce((n, s) => n + s.count, 0)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...cpu.map((s) => s.max))).toBeGreaterThan(0);
    expect(Math.max(...memory.map((s) => s.max))).toBeGreaterThan(5);
    expect(written[0].dimensions).toEqual({ kind: 'training', job: 'busy' });
  });
});
