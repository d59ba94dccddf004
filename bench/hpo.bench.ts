/**
 * `npm run bench -- hpo [--seeds 10] [--trials 100] [--xgb-trials 20] [--rows 4000] [--rounds 100] [--skip synthetic,timing,xgboost]`
 *
 * Orchard's search strategies against Optuna 3.1 (Debian's python3-optuna), in one run:
 * 1. Branin and Hartmann6: median simple regret (best found − known optimum) over seeds
 *    after 25, 50 and 100 trials; Optuna's TPE and random sampler through the peers'
 *    harness (`peers.py hpo`), same seeds count and trials.
 * 2. Time to suggest the next point with 100 observations (Optuna: `ask` + suggest).
 * 3. A real tuning: Orchard's xgboost tuned in-process by Orchard's strategies against
 *    Optuna's TPE tuning Debian's XGBoost, same generated data and ranges; best
 *    validation AUC of each. Orchard's best points are also re-scored by Debian's
 *    XGBoost, so the search and the learner can be told apart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getAlgorithm, registerBuiltins } from '../src/algorithms/index.js';
import { BRANIN, HARTMANN6 } from '../src/tuning/strategies/benchmark-functions.js';
import type { BenchmarkFunction } from '../src/tuning/strategies/benchmark-functions.js';
import { createStrategy } from '../src/tuning/strategies/index.js';
import type { ParameterRange, ParamValues, StrategyName, TrialState } from '../src/tuning/strategies/index.js';
import { DATA, emit, exec, PEERS, PYTHON } from './support.js';

const CHECKPOINTS = [25, 50, 100];
const ORCHARD_STRATEGIES: StrategyName[] = ['bayesian', 'tpe'];

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const round = (x: number, digits = 6) => Number(x.toPrecision(digits));

/** One study: `trials` suggestions, each evaluated at once. */
function study(name: StrategyName, f: BenchmarkFunction, seed: number, trials: number): { trials: TrialState[]; seconds: number } {
  const strategy = createStrategy(name, { ranges: f.ranges, direction: 'minimize', seed, maxTrials: trials });
  const done: TrialState[] = [];
  const t0 = performance.now();
  for (let i = 0; i < trials; i++) {
    const params = strategy.suggest(done)!;
    done.push({ id: i, params, status: 'completed', objective: f.evaluate(params), intermediate: [] });
  }
  return { trials: done, seconds: (performance.now() - t0) / 1000 };
}

interface RegretLine {
  peer: string;
  dataset: string;
  extra: Record<string, number>;
}

function synthetic(seeds: number, trials: number, keep: Map<string, TrialState[]>): RegretLine[] {
  const lines: RegretLine[] = [];
  const checkpoints = CHECKPOINTS.filter((c) => c <= trials);
  for (const f of [BRANIN, HARTMANN6]) {
    for (const name of ORCHARD_STRATEGIES) {
      const bests = new Map<number, number[]>(checkpoints.map((c) => [c, []]));
      const secs: number[] = [];
      for (let seed = 0; seed < seeds; seed++) {
        const r = study(name, f, seed, trials);
        if (seed === 0) keep.set(`${name}/${f.name}`, r.trials);
        secs.push(r.seconds);
        let best = Infinity;
        r.trials.forEach((t, i) => {
          best = Math.min(best, t.objective!);
          bests.get(i + 1)?.push(best);
        });
        process.stderr.write(`orchard-${name} ${f.name} seed ${seed}: ${r.seconds.toFixed(1)} s, best ${best.toFixed(5)}\n`);
      }
      const extra: Record<string, number> = {};
      for (const c of checkpoints) extra[`median_best@${c}`] = round(median(bests.get(c)!));
      for (const c of checkpoints) extra[`median_regret@${c}`] = round(median(bests.get(c)!.map((b) => b - f.minimum)));
      Object.assign(extra, { optimum: f.minimum, seeds, trials, total_s: round(secs.reduce((a, b) => a + b, 0), 4) });
      const last = checkpoints[checkpoints.length - 1];
      emit({
        task: 'hpo', peer: `orchard-${name}`, train_s: round(median(secs), 5), predict_s: null, metric_name: `median_regret@${last}`,
        metric: extra[`median_regret@${last}`], n_rows: trials, threads: 1, dataset: f.name, extra,
      });
      lines.push({ peer: `orchard-${name}`, dataset: f.name, extra });
    }
  }
  return lines;
}

async function optunaSynthetic(seeds: number, trials: number): Promise<RegretLine[]> {
  const out = await exec(PYTHON, [path.join(PEERS, 'peers.py'), '--data', DATA, 'hpo', '--trials', String(trials), '--seeds', String(seeds)]);
  const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RegretLine & Record<string, unknown>);
  for (const l of lines) emit(l);
  return lines;
}

/** Orchard vs Optuna TPE, per problem and checkpoint; the goal is ≤ at every one. */
function compare(ours: RegretLine[], peers: RegretLine[], trials: number): void {
  const checkpoints = CHECKPOINTS.filter((c) => c <= trials);
  for (const o of ours) {
    const tpe = peers.find((p) => p.peer === 'optuna-tpe' && p.dataset === o.dataset);
    if (!tpe) continue;
    const rows = checkpoints.map((c) => {
      const mine = o.extra[`median_regret@${c}`];
      const theirs = tpe.extra[`median_regret@${c}`];
      return { c, mine, theirs, ratio: round(mine / theirs, 3) };
    });
    emit({
      task: 'hpo', peer: 'ratio', dataset: o.dataset, orchard: o.peer, versus: 'optuna-tpe',
      regret_ratio: Object.fromEntries(rows.map((r) => [`@${r.c}`, r.ratio])),
      goal: 'orchard median regret <= optuna-tpe at every checkpoint', goal_met: rows.every((r) => r.mine <= r.theirs),
    });
  }
}

const OPTUNA_TIMING = `
import json, statistics, sys, time, warnings
import optuna
sys.path.insert(0, sys.argv[1])
import peers
optuna.logging.set_verbosity(optuna.logging.WARNING)
out = {}
for prob in ("branin", "hartmann6"):
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=0))
    if prob == "branin":
        names, lows, highs = ["x1", "x2"], [-5.0, 0.0], [10.0, 15.0]
        fn = lambda v: float(peers.branin(*v))
    else:
        names, lows, highs = [f"x{i}" for i in range(6)], [0.0] * 6, [1.0] * 6
        fn = lambda v: peers.hartmann6(v)
    study.optimize(lambda t: fn([t.suggest_float(n, lo, hi) for n, lo, hi in zip(names, lows, highs)]), n_trials=100)
    times = []
    for _ in range(int(sys.argv[2])):
        t0 = time.perf_counter()
        trial = study.ask()
        [trial.suggest_float(n, lo, hi) for n, lo, hi in zip(names, lows, highs)]
        times.append(time.perf_counter() - t0)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    out[prob] = {"median_ms": statistics.median(times) * 1000, "runs_ms": [t * 1000 for t in times]}
print(json.dumps({"version": optuna.__version__, **out}))
`;

/** Wall and CPU milliseconds of `suggest` with 100 completed observations (median of `repeat`). */
async function timing(keep: Map<string, TrialState[]>, repeat: number): Promise<void> {
  for (const f of [BRANIN, HARTMANN6]) {
    for (const name of ORCHARD_STRATEGIES) {
      const trials = keep.get(`${name}/${f.name}`) ?? study('random', f, 0, 100).trials;
      const strategy = createStrategy(name, { ranges: f.ranges, direction: 'minimize', seed: 0, maxTrials: 200 });
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < repeat + 1; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        strategy.suggest(trials);
        const c = process.cpuUsage(c0);
        // The first call warms up the JIT.
        if (i === 0) continue;
        wall.push(performance.now() - t0);
        cpu.push((c.user + c.system) / 1000);
      }
      emit({
        task: 'hpo-suggest', peer: `orchard-${name}`, dataset: f.name, observations: trials.length, metric_name: 'suggest_ms',
        metric: round(median(wall), 4), cpu_ms: round(median(cpu), 4), runs_ms: wall.map((w) => round(w, 3)), goal: 'suggest_ms < 50',
        loadavg: os.loadavg().map((x) => round(x, 3)),
      });
    }
  }
  const out = JSON.parse((await exec(PYTHON, ['-c', OPTUNA_TIMING, PEERS, String(repeat)])).trim().split('\n').at(-1)!) as Record<string, unknown>;
  for (const prob of ['branin', 'hartmann6']) {
    const r = out[prob] as { median_ms: number; runs_ms: number[] };
    emit({
      task: 'hpo-suggest', peer: 'optuna-tpe', dataset: prob, observations: 100, metric_name: 'suggest_ms', metric: round(r.median_ms, 4),
      runs_ms: r.runs_ms.map((w) => round(w, 3)), version: `optuna ${String(out.version)}`,
    });
  }
}

// ----------------------------------------------------------------------------- xgboost

const XGB_RANGES: ParameterRange[] = [
  { name: 'eta', type: 'continuous', min: 0.01, max: 0.5, scaling: 'Logarithmic' },
  { name: 'max_depth', type: 'integer', min: 2, max: 10, scaling: 'Linear' },
  { name: 'subsample', type: 'continuous', min: 0.5, max: 1, scaling: 'Linear' },
  { name: 'min_child_weight', type: 'continuous', min: 1, max: 10, scaling: 'Linear' },
];

const MAKE_XGB_DATA = `
import sys
import numpy as np
from sklearn.datasets import make_classification
rows, train, valid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n_valid = rows // 2
X, y = make_classification(n_samples=rows + n_valid, n_features=20, n_informative=8, n_redundant=4,
                           flip_y=0.05, class_sep=0.8, random_state=0)
data = np.column_stack([y, X])
np.savetxt(train, data[:rows], fmt="%.6g", delimiter=",")
np.savetxt(valid, data[rows:], fmt="%.6g", delimiter=",")
`;

const OPTUNA_XGB = `
import json, sys, time
import numpy as np, optuna, xgboost as xgb
train, valid, trials, rounds, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rescore = json.loads(sys.argv[6])
optuna.logging.set_verbosity(optuna.logging.WARNING)
tr = np.loadtxt(train, delimiter=","); va = np.loadtxt(valid, delimiter=",")
dtrain = xgb.DMatrix(tr[:, 1:], label=tr[:, 0], nthread=threads); dvalid = xgb.DMatrix(va[:, 1:], label=va[:, 0], nthread=threads)
def auc(p):
    params = {"objective": "binary:logistic", "eval_metric": "auc", "tree_method": "hist", "max_bin": 256,
              "nthread": threads, "seed": 0, "verbosity": 0, **p}
    res = {}
    xgb.train(params, dtrain, num_boost_round=rounds, evals=[(dvalid, "validation")], evals_result=res, verbose_eval=False)
    return float(res["validation"]["auc"][-1])
def objective(t):
    return auc({"eta": t.suggest_float("eta", 0.01, 0.5, log=True), "max_depth": t.suggest_int("max_depth", 2, 10),
                "subsample": t.suggest_float("subsample", 0.5, 1.0), "min_child_weight": t.suggest_float("min_child_weight", 1.0, 10.0)})
study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))
t0 = time.perf_counter()
study.optimize(objective, n_trials=trials)
print(json.dumps({"best_auc": study.best_value, "best_params": study.best_params, "aucs": [t.value for t in study.trials],
                  "seconds": time.perf_counter() - t0, "version": "optuna %s, xgboost %s" % (optuna.__version__, xgb.__version__),
                  "rescored": [auc(p) for p in rescore]}))
`;

async function xgbData(rows: number): Promise<{ train: string; validation: string }> {
  const train = path.join(DATA, `hpo_xgb_${rows}_train.csv`);
  const validation = path.join(DATA, `hpo_xgb_${rows}_validation.csv`);
  if (!fs.existsSync(train) || !fs.existsSync(validation)) {
    fs.mkdirSync(DATA, { recursive: true });
    await exec(PYTHON, ['-c', MAKE_XGB_DATA, String(rows), train, validation]);
  }
  return { train, validation };
}

/** One xgboost training through the algorithm's own entry point; the last validation AUC and its curve. */
async function trainXgboost(files: { train: string; validation: string }, params: ParamValues, rounds: number, threads: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-hpo-'));
  const curve: Array<{ step: number; value: number }> = [];
  try {
    await getAlgorithm('xgboost').train({
      hyperparameters: { num_round: rounds, objective: 'binary:logistic', eval_metric: 'auc', max_bin: 256, ...params },
      channels: { train: { files: [files.train], contentType: 'text/csv' }, validation: { files: [files.validation], contentType: 'text/csv' } },
      modelDir: path.join(dir, 'model'),
      checkpointDir: path.join(dir, 'checkpoints'),
      threads,
      seed: 0,
      signal: new AbortController().signal,
      log: () => {},
      metric: (name, value, step) => {
        if (name === 'validation:auc') curve.push({ step: step ?? curve.length, value });
      },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { auc: curve[curve.length - 1].value, curve };
}

async function xgboostTuning(trials: number, rows: number, rounds: number, threads: number): Promise<void> {
  registerBuiltins();
  const files = await xgbData(rows);
  const common = { task: 'hpo-xgboost', dataset: `make_classification ${rows} train / ${rows / 2} validation x 20`, metric_name: 'best_validation_auc', trials, rounds, threads };
  const best: ParamValues[] = [];
  for (const name of ORCHARD_STRATEGIES) {
    const strategy = createStrategy(name, { ranges: XGB_RANGES, direction: 'maximize', seed: 0, maxTrials: trials });
    const done: TrialState[] = [];
    const t0 = performance.now();
    for (let i = 0; i < trials; i++) {
      const params = strategy.suggest(done)!;
      const r = await trainXgboost(files, params, rounds, threads);
      done.push({ id: i, params, status: 'completed', objective: r.auc, intermediate: r.curve });
      process.stderr.write(`orchard-${name} xgboost trial ${i}: AUC ${r.auc.toFixed(5)} ${JSON.stringify(params)}\n`);
    }
    const top = done.reduce((a, b) => (b.objective! > a.objective! ? b : a));
    best.push(top.params);
    emit({
      ...common, peer: `orchard-${name}`, metric: round(top.objective!, 7), train_s: round((performance.now() - t0) / 1000, 4),
      extra: { best_params: top.params, aucs: done.map((t) => round(t.objective!, 6)), best_after_10: round(Math.max(...done.slice(0, 10).map((t) => t.objective!)), 7) },
    });
  }
  const out = JSON.parse(
    (await exec(PYTHON, ['-c', OPTUNA_XGB, files.train, files.validation, String(trials), String(rounds), String(threads), JSON.stringify(best)])).trim().split('\n').at(-1)!,
  ) as { best_auc: number; best_params: ParamValues; aucs: number[]; seconds: number; version: string; rescored: number[] };
  emit({
    ...common, peer: 'optuna-tpe-xgboost', metric: round(out.best_auc, 7), train_s: round(out.seconds, 4), version: out.version,
    extra: { best_params: out.best_params, aucs: out.aucs.map((a) => round(a, 6)), best_after_10: round(Math.max(...out.aucs.slice(0, 10)), 7) },
  });
  // Orchard's best points trained by Debian's XGBoost: the search's quality on the peer's learner.
  ORCHARD_STRATEGIES.forEach((name, i) =>
    emit({ ...common, peer: `orchard-${name}-params-on-xgboost`, metric: round(out.rescored[i], 7), versus_optuna: round(out.rescored[i] - out.best_auc, 7), version: out.version }),
  );
}

export async function run(args: string[]): Promise<void> {
  const seeds = arg(args, '--seeds', 10);
  const trials = arg(args, '--trials', 100);
  const skip = new Set((args.includes('--skip') ? args[args.indexOf('--skip') + 1] : '').split(','));
  const keep = new Map<string, TrialState[]>();
  if (!skip.has('synthetic')) {
    const ours = synthetic(seeds, trials, keep);
    const peers = await optunaSynthetic(seeds, trials);
    compare(ours, peers, trials);
  }
  if (!skip.has('timing')) await timing(keep, arg(args, '--repeat', 5));
  if (!skip.has('xgboost')) {
    await xgboostTuning(arg(args, '--xgb-trials', 20), arg(args, '--rows', 4000), arg(args, '--rounds', 100), arg(args, '--threads', 1));
  }
}
