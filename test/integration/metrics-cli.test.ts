import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';

type Point = { timestamp: string; value: number };

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const total = (points: Point[]) => points.reduce((s, p) => s + p.value, 0);

describe.each(backends)('stored metrics through the CLI on $name', (backend) => {
  // Flushed and sampled often, so the test sees them within a second or two.
  const suite = cliSuite(backend, { prefix: 'orchard-metrics-', env: { ORCHARD_METRICS_FLUSH_MS: '400', ORCHARD_METRICS_SAMPLE_MS: '200' } });
  let rows: string[];

  const get = async (args: string[]): Promise<Point[]> => {
    const res = await cli(['metrics', 'get', ...args, '--json'], suite.admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    return (res.json as { datapoints: Point[] }).datapoints;
  };

  beforeAll(async () => {
    const csv = writeClassificationCsv(path.join(suite.dir, 'tr.csv'), 3000, 11);
    rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(0, 40).map((l) => l.slice(l.indexOf(',') + 1));
    expect((await cli(['datasets', 'create', 'tr', '--file', csv, '--json'], suite.admin)).code).toBe(0);
    const train = await cli(['train', '--name', 'mt', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=40', '--wait', '--json'], suite.admin);
    expect(train.code, train.stdout + train.stderr).toBe(0);
    expect((await cli(['models', 'create', 'mm', '--from-job', 'mt', '--json'], suite.admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'me', '--variant', 'A:mm:1:1', '--wait', '--json'], suite.admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);
  });

  it('counts invocations and 4xx exactly and reads latency percentiles', async () => {
    const post = (body: string) =>
      fetch(`${suite.admin.url}/api/v1/endpoints/me/invocations`, { method: 'POST', headers: { authorization: `Bearer ${suite.admin.token}`, 'content-type': 'text/csv' }, body }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    const good = await Promise.all(rows.slice(0, 30).map((r) => post(`${r}\n`)));
    const bad = await Promise.all(Array.from({ length: 5 }, () => post('0.1,abc,0.3,0.4\n')));
    expect(good.every((s) => s === 200)).toBe(true);
    expect(bad.every((s) => s === 400)).toBe(true);

    const invocations = await until('35 invocations recorded', async () => {
      const points = await get(['--endpoint', 'me', '--metric', 'Invocations', '--stat', 'sum', '--period', '60', '--since', '15m']);
      return total(points) === 35 && points;
    });
    expect(invocations.length).toBeGreaterThanOrEqual(1);
    expect(total(await get(['--endpoint', 'me', '--variant', 'A', '--metric', 'Invocation4XXErrors', '--stat', 'sum', '--since', '15m']))).toBe(5);
    expect(total(await get(['--endpoint', 'me', '--metric', 'Invocation5XXErrors', '--stat', 'sum', '--since', '15m']))).toBe(0);
    expect(total(await get(['--endpoint', 'me', '--metric', 'ModelLatency', '--stat', 'count', '--since', '15m']))).toBe(35);
    const p99 = await get(['--endpoint', 'me', '--metric', 'ModelLatency', '--stat', 'p99', '--period', '3600', '--since', '15m']);
    expect(p99.length).toBeGreaterThanOrEqual(1);
    expect(p99.every((p) => p.value > 0)).toBe(true);
    const overhead = await get(['--endpoint', 'me', '--metric', 'OverheadLatency', '--stat', 'max', '--since', '15m']);
    expect(overhead.every((p) => p.value >= 0)).toBe(true);
    // Another variant's name matches no series.
    expect(await get(['--endpoint', 'me', '--variant', 'Z', '--metric', 'Invocations', '--stat', 'sum', '--since', '15m'])).toEqual([]);
  });

  it("samples the model server's CPU and memory per instance", async () => {
    const memory = await until('model-server memory sampled', async () => {
      const points = await get(['--endpoint', 'me', '--metric', 'MemoryUsedMiB', '--stat', 'max', '--since', '15m']);
      return points.length > 0 && points;
    });
    expect(memory.every((p) => p.value > 1)).toBe(true);
    const cpu = await until('model-server CPU sampled', async () => {
      const points = await get(['--endpoint', 'me', '--metric', 'CPUUtilization', '--stat', 'count', '--since', '15m']);
      return points.length > 0 && points;
    });
    expect(total(cpu)).toBeGreaterThan(0);
  });

  it("records a training job's CPU and memory", async () => {
    const memory = await get(['--job', 'mt', '--metric', 'MemoryUsedMiB', '--stat', 'max', '--since', '1h']);
    expect(memory.length).toBeGreaterThanOrEqual(1);
    expect(memory.every((p) => p.value > 1)).toBe(true);
    const cpu = await get(['--job', 'mt', '--kind', 'training', '--metric', 'CPUUtilization', '--stat', 'max', '--since', '1h']);
    expect(cpu.length).toBeGreaterThanOrEqual(1);
    expect(cpu.some((p) => p.value > 0)).toBe(true);
  });

  it('names every problem of a bad query, and an unknown endpoint or job', async () => {
    const bad = await cli(['metrics', 'get', '--endpoint', 'me', '--metric', 'Latency', '--stat', 'p42', '--period', '90', '--json'], suite.admin);
    expect(bad.code).not.toBe(0);
    expect(bad.json).toMatchObject({ code: 'ORCH_METRICS_INVALID' });
    const fields = ((bad.json as { details: { errors: Array<{ field: string }> } }).details.errors ?? []).map((e) => e.field).sort();
    expect(fields).toEqual(['metric', 'period', 'stat']);
    const future = await cli(['metrics', 'get', '--endpoint', 'me', '--metric', 'Invocations', '--since', new Date(Date.now() + 3_600_000).toISOString(), '--json'], suite.admin);
    expect(future.json).toMatchObject({ code: 'ORCH_METRICS_INVALID', message: expect.stringContaining('in the future') });
    const ghost = await cli(['metrics', 'get', '--endpoint', 'ghost', '--metric', 'Invocations', '--json'], suite.admin);
    expect(ghost.json).toMatchObject({ code: 'ORCH_METRICS_NOT_FOUND' });
    const noJob = await cli(['metrics', 'get', '--job', 'nojob', '--metric', 'CPUUtilization', '--json'], suite.admin);
    expect(noJob.json).toMatchObject({ code: 'ORCH_METRICS_NOT_FOUND' });
    const text = await cli(['metrics', 'get', '--endpoint', 'me', '--metric', 'Invocations', '--stat', 'sum', '--since', '15m'], suite.admin);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Invocations sum');
  });
});
