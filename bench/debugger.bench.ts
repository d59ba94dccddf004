/**
 * `npm run bench -- debugger [--points 100000] [--rows 200000] [--repeat 3]`:
 * (1) the cost of judging rules as points arrive (the evaluator alone, on an in-memory
 * store), (2) one /proc sample of the profiler, (3) a linear-learner job end to end through
 * the platform with four rules against the same job without rules (both profiled).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DebuggerService } from '../src/debugger/index.js';
import { groupUsage } from '../src/jobs/index.js';
import { Orchard, type RuleConfig } from '../src/sdk/index.js';
import { openMetadataStore } from '../src/storage/index.js';
import { startOrchardUp, stopChild } from './serve-support.js';
import { emit, median } from './support.js';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const RULES: RuleConfig[] = [{ name: 'loss_not_decreasing', parameters: { diff_percent: 0 } }, { name: 'overfit', parameters: { ratio_threshold: 10 } }, { name: 'overtraining', parameters: { patience_validation: 1e9, patience_train: 1e9 } }, { name: 'exploding_tensor' }];

async function evaluator(points: number): Promise<void> {
  const metadata = await openMetadataStore('sqlite::memory:');
  try {
    const service = new DebuggerService({ metadata, datasets: { describe: async () => ({}) as never }, profileWriteMs: 3_600_000 });
    const watch = await service.watch({ job: 'bench', attempt: 1, rules: RULES, datasets: {}, stop: () => undefined });
    const t = performance.now();
    for (let i = 0; i < points; i++) {
      // A healthy run: both losses fall all along, so every rule keeps reading to the end.
      watch.metric('train:loss', 1 / (i + 1), i);
      watch.metric('validation:loss', 1.05 / (i + 1), i);
    }
    const pushS = (performance.now() - t) / 1000;
    const t2 = performance.now();
    await watch.end(true);
    const endS = (performance.now() - t2) / 1000;
    await watch.close();
    const statuses = await service.statuses('bench');
    emit({ task: 'debugger-rules', points: points * 2, rules: RULES.length, push_s: pushS, us_per_point: (pushS * 1e6) / (points * 2), final_judgement_s: endS, statuses: Object.fromEntries(statuses.map((s) => [s.name, s.status])) });
  } finally {
    await metadata.close();
  }
}

function procSample(): void {
  const n = 200;
  const t = performance.now();
  for (let i = 0; i < n; i++) groupUsage(process.pid);
  const ms = (performance.now() - t) / n;
  const procs = fs.readdirSync('/proc').filter((f) => /^\d+$/.test(f)).length;
  emit({ task: 'debugger-profiler-sample', ms_per_sample: ms, processes_on_machine: procs, cpu_share_at_1hz: ms / 1000 });
}

async function endToEnd(rows: number, repeat: number): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-debugger-bench-'));
  const file = path.join(work, 'cls.csv');
  let s = 11;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = [rand() * 4 - 2, rand() * 4 - 2, rand() * 4 - 2, rand() * 4 - 2];
    lines.push([x[0] - x[2] + 0.3 * (rand() - 0.5) > 0 ? 1 : 0, ...x.map((v) => v.toFixed(4))].join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  // `orchard up` from the build, one worker, as a user starts it.
  const up = await startOrchardUp(path.join(work, 'home'));
  try {
    const sdk = new Orchard({ url: up.url, token: up.token });
    await sdk.datasets.create({ name: 'cls', file, header: false });
    const times: Record<'without' | 'with', number[]> = { without: [], with: [] };
    let profile: unknown = null;
    for (let i = 0; i < repeat; i++) {
      // Alternating, so a busy machine weighs on both alike.
      for (const mode of ['without', 'with'] as const) {
        const name = `ll-${mode}-${i}`;
        const rules = mode === 'with' ? [{ name: 'loss_not_decreasing' }, { name: 'overfit', parameters: { ratio_threshold: 10 } }, { name: 'exploding_tensor' }, { name: 'class_imbalance' }] : undefined;
        await sdk.training.create({ name, algorithm: 'linear-learner', channels: { train: 'cls' }, hyperParameters: { predictor_type: 'binary_classifier', epochs: '10' }, ...(rules ? { rules } : {}) });
        const job = await sdk.training.waitFor(name, { pollMs: 100 });
        if (job.status !== 'Completed') throw new Error(`${name}: ${job.status} ${job.failureReason}`);
        times[mode].push((Date.parse(job.endedAt!) - Date.parse(job.startedAt!)) / 1000);
        if (mode === 'with' && i === 0) profile = (await sdk.training.profile(name)).attempts[0].totals;
      }
    }
    const [a, b] = [median(times.without), median(times.with)];
    emit({ task: 'debugger-e2e', rows, peer: 'linear-learner job, no rules', seconds: a, runs: times.without });
    emit({ task: 'debugger-e2e', rows, peer: 'linear-learner job, 4 rules', seconds: b, runs: times.with, phases: profile });
    emit({ task: 'debugger-e2e', rows, ratio: b / a });
  } finally {
    await stopChild(up.child);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  await evaluator(arg(args, '--points', 100_000));
  procSample();
  await endToEnd(arg(args, '--rows', 200_000), arg(args, '--repeat', 3));
}
