import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Orchard } from '../src/sdk/index.js';
import { startOrchardUp, stopChild, hasWrk, wrk, wrkScript } from './serve-support.js';
import { emit, median } from './support.js';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
  generator: string;
}

/** wrk when it is installed (as the serve bench uses), else the same closed loop in Node. */
async function load(url: string, token: string, rows: string[], a: { duration: number; connections: number; work: string }): Promise<LoadResult> {
  if (await hasWrk()) return wrkLoad(url, token, rows, a);
  return nodeLoad(url, token, rows, a);
}

async function wrkLoad(url: string, token: string, rows: string[], a: { duration: number; connections: number; work: string }): Promise<LoadResult> {
  const r = await wrk(url, wrkScript(a.work, rows, { Authorization: `Bearer ${token}` }), a);
  return { rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms, non_2xx: r.non_2xx, errors: r.errors, generator: 'wrk' };
}

/** `connections` keep-alive connections, each sending its next row as soon as the answer is in. */
async function nodeLoad(url: string, token: string, rows: string[], a: { duration: number; connections: number }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: a.connections });
  const target = new URL(url);
  const bodies = rows.map((r) => Buffer.from(r));
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const until = started + a.duration * 1000;
  const one = (body: Buffer) =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = http.request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'text/csv', 'content-length': body.length, authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) non2xx++;
            latencies.push(performance.now() - t0);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: a.connections }, async () => {
      while (performance.now() < until) await one(bodies[next++ % bodies.length]);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { rps: latencies.length / seconds, p50_ms: +pct(50).toFixed(3), p99_ms: +pct(99).toFixed(3), non_2xx: non2xx, errors, generator: 'node-keepalive' };
}

/** A seeded table with two categorical columns (one with 40 values), missing values and numbers. */
function table(rows: number, seed: number): string[][] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const colors = ['red', 'green', 'blue', 'amber', 'violet'];
  const out: string[][] = [];
  for (let i = 0; i < rows; i++) {
    const color = i % 9 === 4 ? '' : colors[Math.floor(rand() * colors.length)];
    const store = `store-${Math.floor(rand() * 40)}`;
    const nums = Array.from({ length: 6 }, (_, k) => (i % (7 + k) === 2 ? '' : (rand() * 10 - 5).toFixed(3)));
    const y = (color === 'red' || color === 'amber' ? 1 : 0) + (Number(nums[0] || 0) > 0 ? 1 : 0) + (rand() < 0.2 ? 1 : 0) >= 2 ? 1 : 0;
    out.push([String(y), color, store, ...nums]);
  }
  return out;
}

/**
 * `npm run bench -- recipe-serve [--rows 20000] [--rounds 100] [--duration 10] [--repeat 3] [--connections 16]`:
 * what a recipe in front of a model costs at an endpoint. One `orchard up` (from dist/)
 * fits a recipe (impute, one-hot of a 5- and a 40-value category, standard scaling) on a
 * seeded table, applies it, trains xgboost (binary:logistic, depth 6) on the result and
 * serves two endpoints of the same trees: the plain model, sent the recipe-applied
 * numbers, and the inference pipeline (recipe + model), sent the raw rows (text,
 * categories, missing values). One row per request, the same load generator (wrk when
 * installed, else a keep-alive closed loop in Node) for both, in turns; the answers are
 * checked identical first. Reports each side's median run and the throughput ratio.
 */
export async function run(args: string[]): Promise<void> {
  const rowCount = arg(args, '--rows', 20_000);
  const rounds = arg(args, '--rounds', 100);
  const duration = arg(args, '--duration', 10);
  const repeat = arg(args, '--repeat', 3);
  const connections = arg(args, '--connections', 16);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-recipe-serve-'));
  let orchard: Awaited<ReturnType<typeof startOrchardUp>> | undefined;
  try {
    orchard = await startOrchardUp(path.join(work, 'home'));
    const sdk = new Orchard({ url: orchard.url, token: orchard.token });
    const header = ['y', 'color', 'store', 'n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
    const data = table(rowCount, 11);
    fs.writeFileSync(path.join(work, 'raw.csv'), [header.join(','), ...data.map((r) => r.join(','))].join('\n') + '\n');
    await sdk.datasets.create({ name: 'raw', file: path.join(work, 'raw.csv'), header: true });
    const recipe = {
      target: 'y',
      steps: [{ impute: { columns: ['n0', 'n1', 'n2'], strategy: 'mean' } }, { one_hot: { columns: ['color', 'store'], unknown: 'ignore' } }, { scale: { columns: ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'], method: 'standard' } }],
    };
    await sdk.recipes.create({ name: 'prep', definition: JSON.stringify(recipe) });
    const fit = await sdk.recipes.fitAndWait('prep', { dataset: 'raw' }, { pollMs: 300 });
    if (fit.status !== 'Completed') throw new Error(`fit failed: ${fit.failureReason}`);
    for (const [output, format] of [
      ['prepared', 'parquet'],
      ['prepcsv', 'csv'],
    ] as const) {
      const applied = await sdk.recipes.applyAndWait('prep@1', { dataset: 'raw', output, format }, { pollMs: 300 });
      if (applied.status !== 'Completed') throw new Error(`apply failed: ${applied.failureReason}`);
    }
    await sdk.training.create({ name: 'gb', algorithm: 'xgboost', channels: { train: 'prepcsv' }, hyperParameters: { objective: 'binary:logistic', num_round: String(rounds), max_depth: '6', eta: '0.1' } });
    const job = await sdk.training.waitFor('gb', { pollMs: 500 });
    if (job.status !== 'Completed') throw new Error(`training failed: ${job.failureReason}`);
    await sdk.models.create({ name: 'plain', fromJob: 'gb' });
    await sdk.models.create({ name: 'pipe', fromJob: 'gb', recipe: 'prep@1' });
    for (const [name, model] of [
      ['plain', 'plain'],
      ['pipe', 'pipe'],
    ]) {
      await sdk.endpoints.create({ name, model });
      const ep = await sdk.endpoints.waitFor(name, { pollMs: 200 });
      if (ep.status !== 'InService') throw new Error(`endpoint ${name} failed: ${ep.failureReason}`);
    }

    // The same 1000 rows: raw for the pipeline, recipe-applied for the plain model.
    const sample = 1000;
    const order = (await sdk.recipes.fit('prep@1')).inputColumns.map((c) => header.indexOf(c.name));
    const rawRows = data.slice(0, sample).map((r) => order.map((i) => r[i]).join(','));
    const page = await sdk.datasets.query(`SELECT * FROM prepared LIMIT ${sample}`, { pageSize: sample });
    const features = (await sdk.datasets.describe('prepared')).columns.slice(1).map((c) => c.name);
    const numericRows = page.rows.map((r) => features.map((c) => (r[c] === null ? '' : String(r[c]))).join(','));
    const viaPlain = (await sdk.endpoints.invoke('plain', { body: numericRows.join('\n') + '\n' })).text();
    const viaPipe = (await sdk.endpoints.invoke('pipe', { body: rawRows.join('\n') + '\n' })).text();
    if (viaPlain !== viaPipe) throw new Error('the pipeline and the plain model disagree on the same rows');

    const targets = [
      { name: 'plain-xgboost', url: `${orchard.url}/api/v1/endpoints/plain/invocations`, rows: numericRows },
      { name: 'recipe+xgboost', url: `${orchard.url}/api/v1/endpoints/pipe/invocations`, rows: rawRows },
    ];
    for (const t of targets) await load(t.url, orchard.token, t.rows, { duration: 2, connections, work });
    const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
    for (let r = 0; r < repeat; r++) {
      for (const t of targets) results.get(t.name)!.push(await load(t.url, orchard.token, t.rows, { duration, connections, work }));
    }
    const mid: Record<string, LoadResult> = {};
    for (const t of targets) {
      const runs = results.get(t.name)!;
      mid[t.name] = runs.find((x) => x.rps === median(runs.map((y) => y.rps)))!;
      emit({
        task: 'recipe-serve',
        peer: t.name,
        dataset: `seeded ${rowCount} rows [1 row/request]`,
        rps: Math.round(mid[t.name].rps),
        p50_ms: mid[t.name].p50_ms,
        p99_ms: mid[t.name].p99_ms,
        non_2xx: mid[t.name].non_2xx,
        errors: mid[t.name].errors,
        rps_runs: runs.map((x) => Math.round(x.rps)),
        generator: mid[t.name].generator,
        connections,
        duration_s: duration,
        rounds,
        features: features.length,
        raw_columns: order.length,
      });
    }
    const p = results.get('recipe+xgboost')!;
    const q = results.get('plain-xgboost')!;
    emit({
      task: 'recipe-serve',
      ratio_rps_pipeline_vs_plain: +(mid['recipe+xgboost'].rps / mid['plain-xgboost'].rps).toFixed(3),
      throughput_cost_of_recipe: +(1 - mid['recipe+xgboost'].rps / mid['plain-xgboost'].rps).toFixed(3),
      ratio_by_round: p.map((x, i) => +(x.rps / q[i].rps).toFixed(3)),
      load_average: os.loadavg().map((x) => +x.toFixed(2)),
    });
  } finally {
    await stopChild(orchard?.child);
    fs.rmSync(work, { recursive: true, force: true });
  }
}
