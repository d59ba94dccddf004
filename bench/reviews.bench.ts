import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Orchard } from '../src/sdk/index.js';
import { emit, median } from './support.js';
import { numberArg as arg, startOrchardUp, stopChild, writeServeData as writeData, wrk, wrkScript, type WrkResult } from './serve-support.js';

/**
 * `npm run bench -- reviews [--duration 10] [--repeat 3] [--connections 16]`: what a
 * human-review flow costs an endpoint's invocations, end to end through `orchard up`. One
 * xgboost endpoint (100 rounds, depth 6, one row per request, CSV answers, wrk 2 threads),
 * measured alternately without a flow and with a flow whose condition reads every answer
 * (`confidenceBelow` 1e-9: the answer is parsed and judged, no loop starts), `--repeat`
 * times each. Reports the median throughput of each and their ratio.
 */
export async function run(args: string[]): Promise<void> {
  const duration = arg(args, '--duration', 10);
  const repeat = arg(args, '--repeat', 3);
  const connections = arg(args, '--connections', 16);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-reviews-'));
  const csv = path.join(work, 'train.csv');
  const rows = writeData(csv, 20_000);
  let orchard: Awaited<ReturnType<typeof startOrchardUp>> | undefined;
  try {
    orchard = await startOrchardUp(path.join(work, 'home'));
    const token = orchard.token;
    const sdk = new Orchard({ url: orchard.url, token });
    await sdk.datasets.create({ name: 'cls', file: csv });
    await sdk.training.create({ name: 'gb', algorithm: 'xgboost', channels: { train: 'cls' }, hyperParameters: { objective: 'binary:logistic', num_round: '100', max_depth: '6', eta: '0.1' } });
    const job = await sdk.training.waitFor('gb', { pollMs: 500 });
    if (job.status !== 'Completed') throw new Error(`training failed: ${job.failureReason}`);
    await sdk.models.create({ name: 'gb', fromJob: 'gb' });
    await sdk.endpoints.create({ name: 'bench', model: 'gb' });
    await sdk.endpoints.waitFor('bench', { pollMs: 200 });
    const url = `${orchard.url}/api/v1/endpoints/bench/invocations`;
    const lua = wrkScript(work, rows, { Accept: 'text/csv', Authorization: `Bearer ${token}` });
    await wrk(url, lua, { duration: 2, connections });
    const results: Record<'none' | 'flow', WrkResult[]> = { none: [], flow: [] };
    for (let r = 0; r < repeat; r++) {
      for (const mode of ['none', 'flow'] as const) {
        if (mode === 'flow') await sdk.reviews.flows.create({ name: 'rev', endpoint: 'bench', labels: ['no', 'yes'], activation: { confidenceBelow: 1e-9 } });
        results[mode].push(await wrk(url, lua, { duration, connections }));
        if (mode === 'flow') await sdk.reviews.flows.delete('rev');
      }
    }
    const loops = await sdk.reviews.list();
    const mid = (runs: WrkResult[]) => runs.find((x) => x.rps === median(runs.map((y) => y.rps)))!;
    for (const mode of ['none', 'flow'] as const) {
      const m = mid(results[mode]);
      emit({ task: 'reviews', flow: mode, rps: Math.round(m.rps), p50_ms: m.p50_ms, p99_ms: m.p99_ms, non_2xx: m.non_2xx, errors: m.errors, rps_runs: results[mode].map((x) => Math.round(x.rps)), connections, duration_s: duration });
    }
    emit({
      task: 'reviews',
      loops_started: loops.total,
      ratio_rps_flow_vs_none: +(mid(results.flow).rps / mid(results.none).rps).toFixed(3),
      ratio_rps_by_round: results.flow.map((x, i) => +(x.rps / results.none[i].rps).toFixed(3)),
      load_average: os.loadavg().map((x) => +x.toFixed(2)),
    });
  } finally {
    await stopChild(orchard?.child);
    fs.rmSync(work, { recursive: true, force: true });
  }
}
