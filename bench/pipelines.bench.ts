import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { resolveConfig } from '../src/core/index.js';
import { startPlatform } from '../src/platform/index.js';
import { Orchard } from '../src/sdk/index.js';
import { BENCH_PG_URL } from './fleet-support.js';
import { emit } from './support.js';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/**
 * `npm run bench -- pipelines [--executions 1000] [--steps 5] [--backend sqlite|postgres]`:
 * the engine's own overhead through `orchard up`, with no-op (`pass`) steps. `--executions`
 * executions of a chain of `--steps` steps are started through the HTTP API at once (32
 * requests in flight), and the bench waits until every one has ended. It reports:
 * - the wall time and executions per second;
 * - the step transition latency from the rows (a step's start minus the end of the step
 *   before it), p50 and p99;
 * - the first step's start minus the execution's start, p50 and p99 (with every start
 *   arriving at once this is mostly the wait for the controller's turn);
 * - how many steps started more than once (should be 0).
 */
export async function run(args: string[]): Promise<void> {
  const executions = arg(args, '--executions', 1000);
  const steps = arg(args, '--steps', 5);
  const only = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : null;
  for (const backend of ['sqlite', 'postgres'].filter((b) => !only || b === only)) {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-pipe-'));
    const schema = `orch_bench_pipe_${randomBytes(4).toString('hex')}`;
    const databaseUrl = backend === 'postgres' ? `${BENCH_PG_URL}?schema=${schema}` : undefined;
    const platform = await startPlatform(resolveConfig({ home: path.join(base, 'home'), port: 0, workers: 1, logLevel: 'error', databaseUrl }));
    try {
      const sdk = new Orchard({ url: platform.url, token: platform.bootstrap.token! });
      const chain = Array.from({ length: steps }, (_, i) => ({ name: `s${i + 1}`, type: 'pass', output: { i }, ...(i > 0 ? { dependsOn: [`s${i}`] } : {}) }));
      await sdk.pipelines.create({ name: 'noop', definition: { parameters: {}, steps: chain } });
      const t0 = performance.now();
      const ids: string[] = [];
      await pool(Array.from({ length: executions }, (_, i) => i), 32, async () => {
        ids.push((await sdk.pipelines.start('noop')).id);
      });
      const startedS = (performance.now() - t0) / 1000;
      for (;;) {
        const left = (await sdk.pipelines.executions({ pipeline: 'noop', status: 'Executing', limit: 1 })).total;
        if (left === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const wallS = (performance.now() - t0) / 1000;

      // Latencies and repeats from the rows themselves.
      const store = platform.pipelines.store;
      const transitions: number[] = [];
      const firsts: number[] = [];
      let repeated = 0;
      let failed = 0;
      for (let i = 0; i < ids.length; i += 200) {
        const batch = ids.slice(i, i + 200);
        const rows = await store.db.selectFrom('pipeline_steps').selectAll().where('execution', 'in', batch).execute();
        const execs = await store.db.selectFrom('pipeline_executions').selectAll().where('name', 'in', batch).execute();
        failed += execs.filter((e) => e.status !== 'Succeeded').length;
        const byExec = new Map<string, Map<string, (typeof rows)[number]>>();
        for (const r of rows) {
          if (r.runs > 1) repeated++;
          if (!byExec.has(r.execution)) byExec.set(r.execution, new Map());
          byExec.get(r.execution)!.set(r.step, r);
        }
        for (const e of execs) {
          const mine = byExec.get(e.name);
          if (!mine) continue;
          let prevEnd = Date.parse(e.started_at ?? e.created_at);
          for (let s = 1; s <= steps; s++) {
            const r = mine.get(`s${s}`);
            if (!r?.started_at || !r.ended_at) break;
            (s === 1 ? firsts : transitions).push(Date.parse(r.started_at) - prevEnd);
            prevEnd = Date.parse(r.ended_at);
          }
        }
      }
      emit({
        task: 'pipelines-noop',
        backend,
        executions,
        steps,
        start_requests_s: round(startedS),
        wall_s: round(wallS),
        executions_per_s: round(executions / wallS),
        step_transitions: transitions.length,
        transition_p50_ms: percentile(transitions, 0.5),
        transition_p99_ms: percentile(transitions, 0.99),
        first_step_p50_ms: percentile(firsts, 0.5),
        first_step_p99_ms: percentile(firsts, 0.99),
        steps_started_twice: repeated,
        executions_not_succeeded: failed,
      });
    } finally {
      await platform.close();
      fs.rmSync(base, { recursive: true, force: true });
      if (backend === 'postgres') {
        const client = new pg.Client({ connectionString: BENCH_PG_URL, user: process.env.PGUSER ?? os.userInfo().username });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
      }
    }
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
