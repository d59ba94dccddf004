/**
 * `npm run bench -- fleet [options]`: what a fleet gains from more `orchard worker`
 * processes on one machine. The machine does not grow with the workers, so the figures
 * show scheduling overhead and how well the cores are used, not added hardware.
 *
 * One run: PostgreSQL in a fresh schema, Redis under a fresh key prefix, s3rver (in this
 * process), one `orchard up --workers 0`; the datasets uploaded and the transform's model
 * trained once (untimed). Then for each worker count (1, 2, 3 by default), with that
 * many `orchard worker` processes started afresh:
 * - a tuning job of 12 xgboost trials (random search, fixed seed, so every count runs
 *   the same trials), `orchard tune … --wait`, timed from spawn to exit;
 * - a batch transform of the 1M-row classification set (as `npm run bench -- transform`),
 *   `orchard transform … --wait`, timed from spawn to exit.
 * Each gets its speed-up against one worker. Schema, prefix, s3rver and every process are
 * removed at the end, also on failure or Ctrl+C.
 *
 * Options: `--workers 1,2,3`, `--trials 12`, `--max-parallel 4`, `--tune-rows 50000`
 * (validation: a fifth), `--tune-rounds 100`, `--rows N` (transform input: first N rows;
 * default all 1M), `--model-rows 100000`, `--model-rounds 200`, `--slots N` (passed as
 * `orchard worker --workers N`), `--worker-cpus N` (passed as `orchard worker --cpus N`;
 * both default to the worker's own), `--orchard-bin`, `--skip tune|transform`.
 */
import { clsData, emit, headRows } from './support.js';
import { cli, machine, numberOption, option, orchardBin, round3, serverOf, startFleet, startOrchard, withCleanup, type OrchardProcess } from './fleet-support.js';

type Server = { url: string; token: string };

const seconds = (a?: string | null, b?: string | null) => (a && b ? round3((Date.parse(b) - Date.parse(a)) / 1000) : null);

async function upload(bin: string, server: Server, name: string, file: string): Promise<void> {
  await cli(bin, server, ['datasets', 'create', name, '--file', file, '--json']);
}

async function tune(bin: string, server: Server, name: string, o: { trials: number; parallel: number; rounds: number }) {
  const run = await cli(bin, server, [
    'tune', '--name', name, '--algorithm', 'xgboost', '--train', 'fleet-tune-train', '--validation', 'fleet-tune-validation',
    '--hp', 'objective=binary:logistic', '--hp', `num_round=${o.rounds}`,
    '--range', 'eta=0.05:0.5:log', '--range', 'max_depth=3:8:int', '--range', 'min_child_weight=1:10',
    '--objective', 'validation:auc', '--maximize', '--strategy', 'random', '--seed', '7',
    '--max-jobs', String(o.trials), '--max-parallel', String(o.parallel), '--wait', '--json',
  ]);
  const job = run.json as { status: string; createdAt: string; endedAt: string | null; trainingJobCounts: Record<string, number>; bestTrainingJob: { objective: number } | null; failureReason: string | null };
  if (job?.status !== 'Completed') throw new Error(`tuning job ${name} ended ${job?.status}: ${job?.failureReason}`);
  // How many threads a trial got, as its log says (xgboost logs "…; N threads").
  const logs = await cli(bin, server, ['jobs', 'logs', `${name}-001`]).catch(() => undefined);
  return {
    wall_s: round3(run.ms / 1000),
    server_s: seconds(job.createdAt, job.endedAt),
    completed: job.trainingJobCounts.completed,
    best: job.bestTrainingJob?.objective ?? null,
    trial_threads: logs ? (/(\d+) threads?\b/.exec(logs.stdout)?.[0] ?? null) : null,
  };
}

async function transform(bin: string, server: Server, name: string) {
  const run = await cli(bin, server, ['transform', '--name', name, '--model', 'fleet-model', '--input', 'fleet-input', '--output', `${name}-out`, '--input-filter', '$[1:]', '--wait', '--json']);
  const job = run.json as { status: string; createdAt: string; startedAt: string | null; endedAt: string | null; rowsProcessed: number; shards: { total: number }; failureReason: string | null };
  if (job?.status !== 'Completed') throw new Error(`transform job ${name} ended ${job?.status}: ${job?.failureReason}`);
  return { wall_s: round3(run.ms / 1000), server_s: seconds(job.createdAt, job.endedAt), rows: job.rowsProcessed, shards: job.shards.total };
}

export async function run(args: string[]): Promise<void> {
  const bin = orchardBin(args);
  const counts = (option(args, '--workers') ?? '1,2,3').split(',').map(Number);
  const trials = numberOption(args, '--trials', 12);
  const parallel = numberOption(args, '--max-parallel', 4);
  const tuneRows = numberOption(args, '--tune-rows', 50_000);
  const tuneRounds = numberOption(args, '--tune-rounds', 100);
  const rows = numberOption(args, '--rows', 0);
  const modelRows = numberOption(args, '--model-rows', 100_000);
  const modelRounds = numberOption(args, '--model-rounds', 200);
  const slots = option(args, '--slots');
  const skip = new Set((option(args, '--skip') ?? '').split(','));
  const workerCpus = option(args, '--worker-cpus');
  const workerArgs = [...(slots ? ['--workers', slots] : []), ...(workerCpus ? ['--cpus', workerCpus] : [])];

  const cls = clsData();
  const files = {
    tuneTrain: headRows(cls.train, tuneRows),
    tuneValidation: headRows(cls.test, Math.max(1000, Math.floor(tuneRows / 5))),
    modelTrain: headRows(cls.train, modelRows),
    input: rows > 0 ? headRows(cls.train, rows) : cls.train,
  };
  const fleet = await startFleet();
  process.stderr.write(`fleet: schema ${fleet.schema}, redis prefix ${fleet.prefix}\n`);
  await withCleanup(fleet.teardown, async () => {
    const up = await startOrchard(bin, 'up', fleet.env, ['--workers', '0']);
    const server = serverOf(up);
    const startWorkers = (n: number) => Promise.all(Array.from({ length: n }, () => startOrchard(bin, 'worker', fleet.env, workerArgs)));
    const stopWorkers = (ws: OrchardProcess[]) => Promise.all(ws.map((w) => w.stop()));

    let t = performance.now();
    if (!skip.has('tune')) {
      await upload(bin, server, 'fleet-tune-train', files.tuneTrain);
      await upload(bin, server, 'fleet-tune-validation', files.tuneValidation);
    }
    if (!skip.has('transform')) {
      await upload(bin, server, 'fleet-model-train', files.modelTrain);
      await upload(bin, server, 'fleet-input', files.input);
    }
    process.stderr.write(`datasets uploaded in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    if (!skip.has('transform')) {
      t = performance.now();
      const ws = await startWorkers(1);
      const trained = await cli(bin, server, [
        'train', '--name', 'fleet-model', '--algorithm', 'xgboost', '--train', 'fleet-model-train',
        '--hp', 'objective=binary:logistic', '--hp', `num_round=${modelRounds}`, '--hp', 'max_depth=6', '--hp', 'eta=0.1', '--wait', '--json',
      ]);
      if ((trained.json as { status?: string })?.status !== 'Completed') throw new Error(`model training failed: ${trained.stdout}`);
      await cli(bin, server, ['models', 'create', 'fleet-model', '--from-job', 'fleet-model', '--json']);
      await stopWorkers(ws);
      process.stderr.write(`transform model trained in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    }

    const base: { tune?: number; transform?: number } = {};
    for (const n of counts) {
      const ws = await startWorkers(n);
      const common = { task: 'fleet', workers: n, worker_slots: slots ?? 'default', worker_cpus: workerCpus ?? 'default', ...machine() };
      try {
        if (!skip.has('tune')) {
          const r = await tune(bin, server, `fleet-tune-w${n}`, { trials, parallel, rounds: tuneRounds });
          base.tune ??= r.wall_s;
          emit({ ...common, job: 'tuning', trials, max_parallel: parallel, tune_rows: tuneRows, rounds: tuneRounds, ...r, speedup_vs_first: round3(base.tune / r.wall_s) });
        }
        if (!skip.has('transform')) {
          const r = await transform(bin, server, `fleet-tr-w${n}`);
          base.transform ??= r.wall_s;
          emit({ ...common, job: 'transform', ...r, rows_per_s: Math.round(r.rows / r.wall_s), speedup_vs_first: round3(base.transform / r.wall_s) });
        }
      } finally {
        await stopWorkers(ws);
      }
    }
    await up.stop();
  });
}
