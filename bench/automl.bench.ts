/**
 * `npm run bench -- automl [--quick] [--rows N] [--budget S] [--tasks binary,multiclass,regression]
 *   [--threads 2] [--seed 7] [--no-peer] [--no-orchard] [--orchard-bin PATH] [--workers N]`:
 * AutoML end to end through the platform against what a Python user would run instead.
 *
 * Three generated tables (binary, multiclass, regression; 100,000 training and 25,000 test
 * rows by default, `--quick`: 20,000 and 120 s) share one generator: eight numeric features
 * with interactions and noise (a sine, a product, an absolute value, a square, a log-normal,
 * a pure-noise column), three text categoricals of 4, 25 and 200 levels with their own
 * effects (one interacting with a number), missing values in four columns, an `id` column
 * (unique, shuffled) and a constant `source` column that AutoML must drop. Fixed seed.
 *
 * - Orchard: `orchard up` from `dist/` (fresh home, embedded defaults) as a child process;
 *   `orchard datasets create` of the training CSV, `orchard automl create … --max-runtime
 *   <budget> --wait --json` (timed spawn to exit), then `orchard transform` of the best
 *   model over the test rows without their target (`--join-source Input`, so rows are
 *   matched by `id`), read back with SQL.
 * - Peers (`bench/peers/automl_peers.py`, Debian's python3 packages): scikit-learn's
 *   HistGradientBoosting with defaults (text columns as categorical features) and Optuna
 *   TPE tuning XGBoost for the same budget on an 80/20 split, then refitted. The peers are
 *   handed the features without `id` and `source` (a user drops those by hand).
 *
 * Every system's test predictions are scored by the same code here: AUC (binary),
 * accuracy (multiclass), RMSE (regression).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Orchard } from '../src/sdk/index.js';
import { cli, numberOption, option, orchardBin, round3, serverOf, startOrchard, withCleanup } from './fleet-support.js';
import { DATA, emit, PYTHON } from './support.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TASKS = ['binary', 'multiclass', 'regression'] as const;
type Task = (typeof TASKS)[number];
const METRIC: Record<Task, 'auc' | 'accuracy' | 'rmse'> = { binary: 'auc', multiclass: 'accuracy', regression: 'rmse' };
const TARGET = 'y';
/** Columns the generator plants for AutoML to drop; the peers never see them. */
const PLANTED = ['id', 'source'];

// ---------------------------------------------------------------------------------------
// Data

/** mulberry32: a small seeded generator, so the tables are the same bytes on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): () => number {
  return () => {
    const a = Math.max(u(), 1e-12);
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
  };
}

interface Table {
  train: string;
  test: string;
  /** The test rows' targets by id. */
  truth: Map<number, string>;
  rows: number;
  testRows: number;
}

/**
 * Writes `<task>-<rows>-train.csv` and `-test.csv` (header; empty fields are missing) and
 * returns the test truth. The signal is the same for every task; the target differs.
 */
function makeTable(task: Task, rows: number, seed: number): Table {
  const dir = path.join(DATA, 'automl');
  fs.mkdirSync(dir, { recursive: true });
  const testRows = Math.round(rows / 4);
  const total = rows + testRows;
  const u = rng(seed * 1000 + TASKS.indexOf(task) + 1);
  const n = normal(u);
  const effLow = Array.from({ length: 4 }, () => n() * 0.8);
  const effMid = Array.from({ length: 25 }, () => n() * 0.6);
  const effHigh = Array.from({ length: 200 }, () => n() * 0.5);
  // Shuffled unique ids: an ID-like column with no signal.
  const ids = Array.from({ length: total }, (_, i) => i + 1);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const records: { cells: string[]; f: number }[] = [];
  for (let r = 0; r < total; r++) {
    const x = Array.from({ length: 8 }, () => n());
    x[5] = u() * 10; // uniform 0..10
    x[6] = Math.exp(n() * 0.75); // log-normal, skewed
    const lo = Math.floor(u() * 4);
    // Skewed level frequencies for the larger categoricals.
    const mid = Math.min(24, Math.floor(25 * u() ** 1.6));
    const high = Math.min(199, Math.floor(200 * u() ** 2));
    const f =
      1.2 * Math.sin(1.5 * x[0]) +
      0.9 * x[1] * x[2] +
      0.7 * Math.abs(x[3]) -
      0.35 * x[4] * x[4] +
      0.25 * (x[5] - 5) * (lo === 2 ? 1 : 0.2) +
      0.5 * Math.log(x[6]) +
      effLow[lo] +
      effMid[mid] * (x[0] > 0 ? 1 : -0.5) +
      effHigh[high];
    const miss = (share: number) => u() < share;
    const num = (v: number) => v.toFixed(5);
    const cells = [
      String(ids[r]),
      'web',
      num(x[0]),
      miss(0.15) ? '' : num(x[1]),
      num(x[2]),
      num(x[3]),
      miss(0.1) ? '' : num(x[4]),
      num(x[5]),
      miss(0.05) ? '' : num(x[6]),
      num(x[7]), // noise
      `L${lo}`,
      miss(0.08) ? '' : `M${String(mid).padStart(2, '0')}`,
      `H${String(high).padStart(3, '0')}`,
    ];
    records.push({ cells, f });
  }
  // Targets: class cut points from the signal's own quantiles, so the classes are balanced-ish.
  const fs_ = records.map((r) => r.f).sort((a, b) => a - b);
  const q = (p: number) => fs_[Math.floor(p * (fs_.length - 1))];
  const mean = fs_.reduce((s, v) => s + v, 0) / fs_.length;
  const cuts = [q(0.3), q(0.55), q(0.8)];
  const target = (f: number): string => {
    if (task === 'binary') return u() < 1 / (1 + Math.exp(-1.6 * (f - mean))) ? '1' : '0';
    if (task === 'multiclass') {
      const z = f + n() * 0.6;
      const k = cuts.filter((c) => z > c).length;
      return ['red', 'green', 'blue', 'gold'][k];
    }
    return (2 * f + n() * 1.0).toFixed(5);
  };
  const header = ['id', 'source', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'c_low', 'c_mid', 'c_high', TARGET].join(',');
  const train = path.join(dir, `${task}-${rows}-train.csv`);
  const test = path.join(dir, `${task}-${rows}-test.csv`);
  const truth = new Map<number, string>();
  const trainLines = [header];
  const testLines = [header];
  records.forEach((r, i) => {
    const y = target(r.f);
    if (i < rows) trainLines.push(`${r.cells.join(',')},${y}`);
    else {
      testLines.push(`${r.cells.join(',')},${y}`);
      truth.set(Number(r.cells[0]), y);
    }
  });
  fs.writeFileSync(train, trainLines.join('\n') + '\n');
  fs.writeFileSync(test, testLines.join('\n') + '\n');
  return { train, test, truth, rows, testRows };
}

/** The test table without its target column: what a model is asked to predict. */
function featuresOnly(test: string): string {
  const out = test.replace(/-test\.csv$/, '-test-features.csv');
  const lines = fs.readFileSync(test, 'utf8').trimEnd().split('\n');
  fs.writeFileSync(out, lines.map((l) => l.slice(0, l.lastIndexOf(','))).join('\n') + '\n');
  return out;
}

// ---------------------------------------------------------------------------------------
// Metrics: one implementation for Orchard and both peers.

/** Rank AUC (ties averaged), the Mann–Whitney U statistic over positives and negatives. */
export function auc(labels: number[], scores: number[]): number {
  const idx = labels.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Array<number>(idx.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  labels.forEach((l, i) => {
    if (l === 1) {
      pos++;
      rankSum += ranks[i];
    }
  });
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** `predictions[i]` belongs to `truth[i]`: P(1) for binary, a label for multiclass, a value for regression. */
export function score(task: Task, truth: string[], predictions: string[]): number {
  if (truth.length !== predictions.length) throw new Error(`${predictions.length} predictions for ${truth.length} rows`);
  if (task === 'binary') return auc(truth.map(Number), predictions.map(Number));
  if (task === 'multiclass') return truth.filter((t, i) => t === predictions[i]).length / truth.length;
  const se = truth.reduce((s, t, i) => s + (Number(t) - Number(predictions[i])) ** 2, 0);
  return Math.sqrt(se / truth.length);
}

const better = (task: Task, a: number, b: number) => (task === 'regression' ? a <= b : a >= b);

// ---------------------------------------------------------------------------------------
// Orchard

interface OrchardRun {
  metric: number;
  wall_s: number;
  transform_s: number;
  upload_s: number;
  best: { name: string; algorithm: string; objective: number | null; model: string | null };
  candidates: number;
  secondaryStatus: string;
  validation: unknown;
  dropped: string[];
}

/**
 * Turns one output row into the value scored: the model's prediction columns are what the
 * transform added to the input's. A binary model's score is P(positive); a multiclass
 * model answers a label, a class index or one probability per class.
 */
function predictionOf(task: Task, row: Record<string, unknown>, predCols: string[], classes: string[] | undefined): string {
  const values = predCols.map((c) => row[c]);
  if (task === 'regression') return String(values[0]);
  if (task === 'binary') {
    const v = values.length >= 2 ? values[values.length - 1] : values[0];
    return String(v);
  }
  if (values.length > 1 && values.every((v) => typeof v === 'number')) {
    const nums = values as number[];
    const k = nums.indexOf(Math.max(...nums));
    return classes?.[k] ?? String(k);
  }
  const v = values[0];
  if (typeof v === 'number' && classes && Number.isInteger(v) && v >= 0 && v < classes.length) return classes[v];
  return String(v);
}

async function runOrchard(bin: string, server: { url: string; token: string }, task: Task, t: Table, features: string, budget: number, seed: number): Promise<OrchardRun> {
  const sdk = new Orchard({ url: server.url, token: server.token });
  const ds = `automl-${task}`;
  let t0 = performance.now();
  await cli(bin, server, ['datasets', 'create', ds, '--file', t.train, '--header', '--json']);
  await cli(bin, server, ['datasets', 'create', `${ds}-test`, '--file', features, '--header', '--json']);
  const uploadS = (performance.now() - t0) / 1000;
  const name = `bench-${task}`;
  process.stderr.write(`[${task}] orchard automl create ${name} --max-runtime ${budget} …\n`);
  const run = await cli(bin, server, ['automl', 'create', name, '--dataset', ds, '--target', TARGET, '--problem-type', task, '--max-runtime', String(budget), '--seed', String(seed), '--wait', '--json']).catch((e: Error) => {
    throw new Error(`[${task}] automl job failed: ${e.message}`);
  });
  const job = run.json as {
    status: string;
    secondaryStatus: string;
    failureReason: string | null;
    classes?: string[];
    bestCandidate: { name: string; algorithm: string; objective: { value?: number | null }; model: string | null } | null;
    leaderboard: unknown[];
    validation: unknown;
    columns: { name: string; type: string; dropReason: string | null }[];
  };
  if (job.status !== 'Completed' || !job.bestCandidate?.model) throw new Error(`[${task}] automl job ended ${job.status} (${job.secondaryStatus}): ${job.failureReason ?? 'no model'}`);
  const model = job.bestCandidate.model;
  process.stderr.write(`[${task}] best ${job.bestCandidate.name} (${job.bestCandidate.algorithm}), model ${model}; transform over ${t.testRows} test rows …\n`);
  t0 = performance.now();
  // The model reads the columns the analysis kept (the planted ones dropped), in the table's order.
  const header = fs.readFileSync(features, 'utf8').slice(0, 400).split('\n')[0].split(',');
  const kept = new Set(job.columns.filter((c) => c.type !== 'dropped').map((c) => c.name));
  const filter = `$[${header.flatMap((c, i) => (kept.has(c) ? [i] : [])).join(',')}]`;
  await cli(bin, server, ['transform', '--name', `${name}-test`, '--model', model, '--input', `${ds}-test`, '--output', `${ds}-scored`, '--input-filter', filter, '--join-source', 'Input', '--wait', '--json']);
  const transformS = (performance.now() - t0) / 1000;
  // Rows keyed by id; the prediction columns are those the input did not have.
  const inputCols = new Set(header);
  const byId = new Map<number, string>();
  let predCols: string[] | null = null;
  for await (const page of sdk.datasets.queryAll(`SELECT * FROM "${ds}-scored"`, { pageSize: 10000 })) {
    predCols ??= page.columns.map((c) => c.name).filter((c) => !inputCols.has(c));
    for (const row of page.rows) byId.set(Number(row.id), predictionOf(task, row, predCols, job.classes));
  }
  const ids = [...t.truth.keys()];
  const missing = ids.filter((id) => !byId.has(id)).length;
  if (missing > 0) throw new Error(`[${task}] ${missing} test rows have no prediction`);
  const metric = score(task, ids.map((id) => t.truth.get(id)!), ids.map((id) => byId.get(id)!));
  return {
    metric,
    wall_s: run.ms / 1000,
    transform_s: transformS,
    upload_s: uploadS,
    best: { name: job.bestCandidate.name, algorithm: job.bestCandidate.algorithm, objective: job.bestCandidate.objective.value ?? null, model },
    candidates: job.leaderboard.length,
    secondaryStatus: job.secondaryStatus,
    validation: job.validation,
    dropped: job.columns.filter((c) => c.type === 'dropped').map((c) => `${c.name}:${c.dropReason}`),
  };
}

// ---------------------------------------------------------------------------------------
// Peers

interface PeerRun {
  peer: string;
  metric: number;
  wall_s: number;
  extra: Record<string, unknown>;
}

function runPeers(task: Task, t: Table, budget: number, threads: number, seed: number): Promise<PeerRun[]> {
  const out = path.join(DATA, 'automl', `predictions-${t.rows}`);
  const argv = [path.join(HERE, 'peers', 'automl_peers.py'), '--train', t.train, '--test', t.test, '--target', TARGET, '--task', task, '--budget', String(budget), '--out', out, '--drop', PLANTED.join(','), '--threads', String(threads), '--seed', String(seed)];
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: '1' };
  return new Promise((resolve, reject) => {
    const py = spawn(PYTHON, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    py.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    py.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    py.on('error', reject);
    py.on('close', (code) => {
      if (code !== 0) return reject(new Error(`automl_peers.py failed (${code}): ${stderr.slice(-3000)}`));
      // The test file's ids in order: the peers' predictions follow it.
      const ids = fs.readFileSync(t.test, 'utf8').trimEnd().split('\n').slice(1).map((l) => Number(l.slice(0, l.indexOf(','))));
      const truth = ids.map((id) => t.truth.get(id)!);
      const runs = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          const line = JSON.parse(l) as Record<string, unknown> & { peer: string; wall_s: number };
          const predictions = fs.readFileSync(path.join(out, `${task}-${line.peer}.csv`), 'utf8').trimEnd().split('\n');
          const { peer, wall_s, task: _t, ...extra } = line;
          return { peer, wall_s, metric: score(task, truth, predictions), extra };
        });
      resolve(runs);
    });
  });
}

// ---------------------------------------------------------------------------------------

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const rows = numberOption(args, '--rows', quick ? 20_000 : 100_000);
  const budget = numberOption(args, '--budget', quick ? 120 : 300);
  const threads = numberOption(args, '--threads', 2);
  const seed = numberOption(args, '--seed', 7);
  const tasks = (option(args, '--tasks') ?? TASKS.join(',')).split(',') as Task[];
  const peers = !args.includes('--no-peer');
  // `--no-orchard`: the peers alone (while developing the bench).
  const orchard = !args.includes('--no-orchard');
  const workers = option(args, '--workers');
  const bin = orchard ? orchardBin(args) : '';
  const summary: Record<string, unknown>[] = [];

  const up = orchard ? await startOrchard(bin, 'up', {}, workers ? ['--workers', workers] : []) : null;
  await withCleanup(async () => undefined, async () => {
    const server = up ? serverOf(up) : null;
    if (up && server) process.stderr.write(`orchard up ready in ${(up.readyMs / 1000).toFixed(2)} s at ${server.url}\n`);
    for (const task of tasks) {
      const t = makeTable(task, rows, seed);
      const features = featuresOnly(t.test);
      const common = { task: `automl-${task}`, rows: t.rows, test_rows: t.testRows, budget_s: budget, metric_name: METRIC[task], quick };
      const row: Record<string, unknown> = { task, metric: METRIC[task] };
      const ours = server
        ? await runOrchard(bin, server, task, t, features, budget, seed).catch((e: Error) => {
            // What the server printed is the first thing to read when a run fails.
            const ended = up!.child.exitCode !== null || up!.child.signalCode !== null ? `orchard up ended (${up!.child.exitCode ?? up!.child.signalCode})` : 'orchard up still running';
            throw new Error(`${e.message}\n--- ${ended}; its stderr (last 4,000 characters) ---\n${up!.stderr().slice(-4000)}`);
          })
        : null;
      if (ours) {
        const { metric, wall_s, ...extra } = ours;
        emit({ ...common, peer: 'orchard-automl', metric: +metric.toFixed(5), wall_s: round3(wall_s), extra });
        Object.assign(row, { orchard: +metric.toFixed(5), orchard_wall_s: round3(wall_s) });
      }
      if (peers) {
        const theirs = await runPeers(task, t, budget, threads, seed);
        for (const p of theirs) {
          emit({ ...common, peer: p.peer, metric: +p.metric.toFixed(5), wall_s: p.wall_s, threads, extra: p.extra });
          row[p.peer] = +p.metric.toFixed(5);
          row[`${p.peer}_wall_s`] = p.wall_s;
        }
        const bestPeer = theirs.reduce((a, b) => (better(task, a.metric, b.metric) ? a : b));
        row.better_peer = bestPeer.peer;
        if (ours) row.orchard_at_or_above_better_peer = better(task, ours.metric, bestPeer.metric);
      }
      summary.push(row);
    }
  });
  emit({ task: 'automl', peer: 'summary', rows, budget_s: budget, quick, table: summary, cpus: os.cpus().length });
  process.stderr.write('\n| task | metric | Orchard | HGB defaults | Optuna TPE XGBoost | wall s (Orchard / HGB / Optuna) | Orchard >= better peer |\n|---|---|---|---|---|---|---|\n');
  for (const r of summary) {
    process.stderr.write(`| ${r.task} | ${r.metric} | ${r.orchard ?? '–'} | ${r.hgb ?? '–'} | ${r['optuna-xgb'] ?? '–'} | ${r.orchard_wall_s ?? '–'} / ${r.hgb_wall_s ?? '–'} / ${r['optuna-xgb_wall_s'] ?? '–'} | ${r.orchard_at_or_above_better_peer ?? '–'} |\n`);
  }
}
