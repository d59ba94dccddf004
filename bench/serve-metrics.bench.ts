import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Orchard } from '../src/sdk/index.js';
import { emit, median } from './support.js';
import { numberArg as arg, startOrchardUp, stopChild, writeServeData as writeData, wrk, wrkScript, type WrkResult } from './serve-support.js';

/**
 * `npm run bench -- serve-metrics [--duration 10] [--repeat 3] [--connections 16]`: the
 * cost of endpoint metric recording. One home, one xgboost endpoint (100 rounds, depth 6,
 * one row per request, wrk 2 threads); `orchard up` is started on it with
 * `ORCHARD_ENDPOINT_METRICS=off` and with recording on (the default, flushing every
 * minute and sampling every 10 s), alternately, `--repeat` times each, so both modes
 * see the same machine state. Reports the median throughput of each and their ratio.
 */
export async function run(args: string[]): Promise<void> {
  const duration = arg(args, '--duration', 10);
  const repeat = arg(args, '--repeat', 3);
  const connections = arg(args, '--connections', 16);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-serve-metrics-'));
  const home = path.join(work, 'home');
  const csv = path.join(work, 'train.csv');
  const rows = writeData(csv, 20_000);
  const script = (token: string) => wrkScript(work, rows, { Accept: 'text/csv', Authorization: `Bearer ${token}` });
  let orchard: Awaited<ReturnType<typeof startOrchardUp>> | undefined;
  try {
    // The model and endpoint, made once; each later start re-deploys the endpoint from the DB.
    orchard = await startOrchardUp(home);
    // The admin token is printed on the first start only (a fresh store); later starts reuse it.
    const token = orchard.token;
    const sdk = new Orchard({ url: orchard.url, token });
    await sdk.datasets.create({ name: 'cls', file: csv });
    await sdk.training.create({ name: 'gb', algorithm: 'xgboost', channels: { train: 'cls' }, hyperParameters: { objective: 'binary:logistic', num_round: '100', max_depth: '6', eta: '0.1' } });
    const job = await sdk.training.waitFor('gb', { pollMs: 500 });
    if (job.status !== 'Completed') throw new Error(`training failed: ${job.failureReason}`);
    await sdk.models.create({ name: 'gb', fromJob: 'gb' });
    await sdk.endpoints.create({ name: 'bench', model: 'gb' });
    await sdk.endpoints.waitFor('bench', { pollMs: 200 });
    await stopChild(orchard.child);
    orchard = undefined;

    const results: Record<'off' | 'on', WrkResult[]> = { off: [], on: [] };
    for (let r = 0; r < repeat; r++) {
      for (const mode of ['off', 'on'] as const) {
        orchard = await startOrchardUp(home, mode === 'off' ? { ORCHARD_ENDPOINT_METRICS: 'off' } : {});
        const client = new Orchard({ url: orchard.url, token });
        for (;;) {
          const ep = await client.endpoints.describe('bench');
          if (ep.status === 'InService' && ep.variants[0].instances.some((i) => i.status === 'InService')) break;
          await new Promise((res) => setTimeout(res, 200));
        }
        const url = `${orchard.url}/api/v1/endpoints/bench/invocations`;
        const lua = script(token);
        await wrk(url, lua, { duration: 2, connections });
        results[mode].push(await wrk(url, lua, { duration, connections }));
        if (mode === 'on') {
          // What the recording wrote, read back (the last minute may still be in memory).
          const stored = await client.metrics.get({ endpoint: 'bench', metric: 'Invocations', stat: 'sum', since: '10m' });
          emit({ task: 'serve-metrics', round: r, stored_invocations: stored.datapoints.reduce((s, p) => s + p.value, 0) });
        }
        await stopChild(orchard.child);
        orchard = undefined;
      }
    }
    const mid = (runs: WrkResult[]) => runs.find((x) => x.rps === median(runs.map((y) => y.rps)))!;
    for (const mode of ['off', 'on'] as const) {
      const m = mid(results[mode]);
      emit({ task: 'serve-metrics', recording: mode, rps: Math.round(m.rps), p50_ms: m.p50_ms, p99_ms: m.p99_ms, non_2xx: m.non_2xx, errors: m.errors, rps_runs: results[mode].map((x) => Math.round(x.rps)), connections, duration_s: duration });
    }
    emit({
      task: 'serve-metrics',
      ratio_rps_on_vs_off: +(mid(results.on).rps / mid(results.off).rps).toFixed(3),
      ratio_rps_by_round: results.on.map((x, i) => +(x.rps / results.off[i].rps).toFixed(3)),
      ratio_p99_on_vs_off: +(mid(results.on).p99_ms / mid(results.off).p99_ms).toFixed(2),
      load_average: os.loadavg().map((x) => +x.toFixed(2)),
    });
  } finally {
    await stopChild(orchard?.child);
    fs.rmSync(work, { recursive: true, force: true });
  }
}
