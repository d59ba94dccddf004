import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { loadCsvMatrix } from '../data/matrix.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { rng } from './binning.js';
import { xgboost } from './index.js';
import { auc } from './metrics.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-xgb-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let seq = 0;

type Kind = 'binary' | 'regression' | 'multi';

/** Rows of `features` values in [-1, 1] with a target from a known function; `missing` blanks that share of x0. */
function generate(kind: Kind, rows: number, seed: number, missing = 0): string {
  const rand = rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: 6 }, () => rand() * 2 - 1);
    const s = x[0] + x[1] * x[2] - 0.5 * x[3];
    let y: number;
    if (kind === 'binary') y = s + 0.3 * (rand() - 0.5) > 0.1 ? 1 : 0;
    else if (kind === 'regression') y = 3 * s + Math.sin(3 * x[4]) + 0.1 * (rand() - 0.5);
    else y = s < -0.4 ? 0 : s < 0.4 ? 1 : 2;
    const cells = x.map((v) => v.toFixed(4));
    if (missing > 0 && rand() < missing) {
      // Missingness that carries signal: a missing x0 means "positive" for the binary task.
      cells[0] = '';
      if (kind === 'binary') y = 1;
    }
    lines.push(`${y},${cells.join(',')}`);
  }
  return lines.join('\n') + '\n';
}

function write(text: string): string {
  const f = path.join(root, `d${seq++}.csv`);
  fs.writeFileSync(f, text);
  return f;
}

interface Run {
  ctx: TrainContext;
  logs: string[];
  metrics: { name: string; value: number; step?: number }[];
}

function context(hp: Record<string, string>, channels: Record<string, string>, opts: { checkpointDir?: string; threads?: number } = {}): Run {
  const dir = path.join(root, `job${seq++}`);
  const logs: string[] = [];
  const metrics: Run['metrics'] = [];
  const ctx: TrainContext = {
    // As a job gets them: resolved once when it is created.
    hyperparameters: resolveHyperparameters(xgboost, hp),
    channels: Object.fromEntries(Object.entries(channels).map(([k, f]) => [k, { files: [f], contentType: 'text/csv' }])),
    modelDir: path.join(dir, 'model'),
    checkpointDir: opts.checkpointDir ?? path.join(dir, 'checkpoints'),
    threads: opts.threads ?? 2,
    seed: 7,
    signal: new AbortController().signal,
    log: (l) => logs.push(l),
    metric: (name, value, step) => metrics.push({ name, value, step }),
  };
  return { ctx, logs, metrics };
}

async function predict(modelDir: string, file: string) {
  const data = await loadCsvMatrix([file]);
  const predictor = await xgboost.load(modelDir);
  return { data, out: predictor.predict(data.features, data.rows) };
}

const binTrain = write(generate('binary', 4000, 1));
const binValid = write(generate('binary', 1000, 2));

describe('xgboost', () => {
  it('learns a binary problem to a high AUC and logs like XGBoost', async () => {
    const run = context({ num_round: '30', objective: 'binary:logistic', eval_metric: 'auc', eta: '0.3', max_depth: '4' }, { train: binTrain, validation: binValid });
    await xgboost.train(run.ctx);
    const { data, out } = await predict(run.ctx.modelDir, binValid);
    expect(out.outputsPerRow).toBe(1);
    expect(auc(out.values, data.labels!)).toBeGreaterThan(0.95);
    expect(run.logs.some((l) => /^\[29\]\ttrain-auc:0\.\d+\tvalidation-auc:0\.\d+$/.test(l))).toBe(true);
    const last = run.metrics.filter((m) => m.name === 'validation:auc').at(-1)!;
    expect(last.step).toBe(29);
    expect(last.value).toBeCloseTo(auc(out.values, data.labels!), 5);
    const doc = JSON.parse(fs.readFileSync(path.join(run.ctx.modelDir, 'model.json'), 'utf8'));
    expect(doc).toMatchObject({ format: 'orchard-xgboost-json', algorithm: 'xgboost', version: xgboost.version, seed: 7, numFeatures: 6 });
    expect(doc.hyperparameters).toMatchObject({ num_round: 30, objective: 'binary:logistic', eta: 0.3 });
    // x0..x3 carry the signal, x4 and x5 are noise.
    const gain: number[] = doc.featureImportance.gain;
    expect(Math.min(gain[0], gain[1], gain[3])).toBeGreaterThan(Math.max(gain[4], gain[5]));
    expect(doc.featureImportance.weight.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
  });

  it('regression: RMSE falls round after round', async () => {
    const train = write(generate('regression', 3000, 3));
    const run = context({ num_round: '40', eta: '0.2' }, { train });
    await xgboost.train(run.ctx);
    const rmse = run.metrics.filter((m) => m.name === 'train:rmse').map((m) => m.value);
    expect(rmse).toHaveLength(40);
    expect(rmse[39]).toBeLessThan(rmse[0] * 0.3);
    for (let i = 1; i < rmse.length; i++) expect(rmse[i]).toBeLessThanOrEqual(rmse[i - 1] + 1e-6);
  });

  it('multiclass: softprob sums to 1 and softmax returns class ids', async () => {
    const train = write(generate('multi', 3000, 4));
    const test = write(generate('multi', 500, 5));
    const prob = context({ num_round: '20', objective: 'multi:softprob', num_class: '3' }, { train, validation: test });
    await xgboost.train(prob.ctx);
    const p = await predict(prob.ctx.modelDir, test);
    expect(p.out.outputsPerRow).toBe(3);
    for (let r = 0; r < p.data.rows; r++) {
      const s = p.out.values[3 * r] + p.out.values[3 * r + 1] + p.out.values[3 * r + 2];
      expect(s).toBeCloseTo(1, 5);
    }
    expect(prob.logs.at(-1)).toMatch(/validation-mlogloss:/);
    const max = context({ num_round: '20', objective: 'multi:softmax', num_class: '3', eval_metric: 'merror' }, { train, validation: test });
    await xgboost.train(max.ctx);
    const m = await predict(max.ctx.modelDir, test);
    expect(m.out.outputsPerRow).toBe(1);
    let right = 0;
    for (let r = 0; r < m.data.rows; r++) {
      expect([0, 1, 2]).toContain(m.out.values[r]);
      if (m.out.values[r] === m.data.labels![r]) right++;
    }
    expect(right / m.data.rows).toBeGreaterThan(0.85);
    expect(max.metrics.filter((x) => x.name === 'validation:merror').at(-1)!.value).toBeCloseTo(1 - right / m.data.rows, 5);
  });

  it('count:poisson and reg:logistic learn and predict on their output scale', async () => {
    const rand = rng(12);
    const rows: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const x = [rand(), rand()];
      const lambda = Math.exp(1 + 1.5 * x[0]);
      // Counts near their mean (a rounded Poisson mean keeps the test deterministic and simple).
      rows.push(`${Math.round(lambda)},${x[0].toFixed(4)},${x[1].toFixed(4)}`);
    }
    const counts = write(rows.join('\n'));
    const pois = context({ num_round: '30', objective: 'count:poisson', eta: '0.3' }, { train: counts });
    await xgboost.train(pois.ctx);
    const p = await predict(pois.ctx.modelDir, counts);
    expect(Math.min(...p.out.values)).toBeGreaterThan(0);
    const rmse = pois.metrics.filter((m) => m.name === 'train:rmse');
    expect(rmse.at(-1)!.value).toBeLessThan(rmse[0].value * 0.5);
    const logi = context({ num_round: '20', objective: 'reg:logistic' }, { train: binTrain });
    await xgboost.train(logi.ctx);
    const q = await predict(logi.ctx.modelDir, binValid);
    expect(Math.min(...q.out.values)).toBeGreaterThan(0);
    expect(Math.max(...q.out.values)).toBeLessThan(1);
    expect(auc(q.out.values, q.data.labels!)).toBeGreaterThan(0.95);
  });

  it('learns a default direction for missing values', async () => {
    const train = write(generate('binary', 4000, 6, 0.2));
    const test = write(generate('binary', 1000, 8, 0.2));
    const run = context({ num_round: '20', objective: 'binary:logistic', max_depth: '3' }, { train });
    await xgboost.train(run.ctx);
    const { data, out } = await predict(run.ctx.modelDir, test);
    let missing = 0;
    let sure = 0;
    for (let r = 0; r < data.rows; r++) {
      if (Number.isNaN(data.features[r * 6])) {
        missing++;
        if (out.values[r] > 0.8) sure++;
      }
    }
    expect(missing).toBeGreaterThan(100);
    expect(sure / missing).toBeGreaterThan(0.9);
    expect(auc(out.values, data.labels!)).toBeGreaterThan(0.93);
  });

  it('stops early on the validation metric and keeps the best rounds', async () => {
    // Labels of the validation set are pure noise: the validation metric stops improving fast.
    const noise = rng(9);
    const validation = write(
      generate('binary', 800, 10)
        .trim()
        .split('\n')
        .map((l) => `${noise() < 0.5 ? 1 : 0}${l.slice(1)}`)
        .join('\n'),
    );
    const run = context({ num_round: '200', objective: 'binary:logistic', early_stopping_rounds: '5', eval_metric: 'logloss' }, { train: binTrain, validation });
    await xgboost.train(run.ctx);
    const rounds = run.metrics.filter((m) => m.name === 'validation:logloss');
    expect(rounds.length).toBeLessThan(200);
    expect(run.logs.some((l) => l.startsWith('Stopping. Best iteration:'))).toBe(true);
    const doc = JSON.parse(fs.readFileSync(path.join(run.ctx.modelDir, 'model.json'), 'utf8'));
    expect(doc.rounds).toBe(doc.bestIteration + 1);
    expect(rounds.length).toBe(doc.bestIteration + 6);
  });

  it('early stopping without a validation channel is refused', async () => {
    const run = context({ num_round: '5', early_stopping_rounds: '3' }, { train: binTrain });
    await expect(xgboost.train(run.ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_CHANNEL_MISSING' });
  });

  it('save → load → predict equals the predictions made during training', async () => {
    const run = context({ num_round: '15', objective: 'binary:logistic', eval_metric: 'logloss', subsample: '0.8', colsample_bytree: '0.7' }, { train: binTrain, validation: binValid });
    await xgboost.train(run.ctx);
    const { data, out } = await predict(run.ctx.modelDir, binValid);
    let ll = 0;
    for (let r = 0; r < data.rows; r++) {
      const p = Math.min(Math.max(out.values[r], 1e-16), 1 - 1e-16);
      ll -= data.labels![r] * Math.log(p) + (1 - data.labels![r]) * Math.log(1 - p);
    }
    const logged = run.metrics.filter((m) => m.name === 'validation:logloss').at(-1)!.value;
    expect(ll / data.rows).toBe(logged);
  });

  it('resumes from a checkpoint to the same model as an uninterrupted run', async () => {
    const hp = { num_round: '25', objective: 'binary:logistic', subsample: '0.7', checkpoint_frequency: '10' };
    const whole = context(hp, { train: binTrain });
    await xgboost.train(whole.ctx);
    // Interrupt a second run after its checkpoint at round 20.
    const ckpt = path.join(root, `ckpt${seq++}`);
    const first = context(hp, { train: binTrain }, { checkpointDir: ckpt });
    const abort = new AbortController();
    first.ctx.signal = abort.signal;
    first.ctx.metric = (_n, _v, step) => {
      if (step === 21) abort.abort(new Error('spot interruption'));
    };
    await expect(xgboost.train(first.ctx)).rejects.toThrow('spot interruption');
    expect(fs.existsSync(path.join(ckpt, 'xgboost-checkpoint.json'))).toBe(true);
    const second = context(hp, { train: binTrain }, { checkpointDir: ckpt });
    await xgboost.train(second.ctx);
    expect(second.logs.some((l) => l.includes('Resuming from checkpoint at round 20'))).toBe(true);
    const a = JSON.parse(fs.readFileSync(path.join(whole.ctx.modelDir, 'model.json'), 'utf8'));
    const b = JSON.parse(fs.readFileSync(path.join(second.ctx.modelDir, 'model.json'), 'utf8'));
    expect(b.trees).toEqual(a.trees);
    expect(b.featureImportance).toEqual(a.featureImportance);
  });

  it('gives the same model on one thread and on two', async () => {
    // nthread asks for the threads even on data this small (see PARALLEL_MIN_CELLS).
    const a = context({ num_round: '5', objective: 'binary:logistic' }, { train: binTrain }, { threads: 1 });
    const b = context({ num_round: '5', objective: 'binary:logistic', nthread: '3' }, { train: binTrain }, { threads: 3 });
    await xgboost.train(a.ctx);
    await xgboost.train(b.ctx);
    const ta = JSON.parse(fs.readFileSync(path.join(a.ctx.modelDir, 'model.json'), 'utf8')).trees;
    const tb = JSON.parse(fs.readFileSync(path.join(b.ctx.modelDir, 'model.json'), 'utf8')).trees;
    expect(tb.map((t: { feature: number[] }) => t.feature)).toEqual(ta.map((t: { feature: number[] }) => t.feature));
    expect(b.logs.some((l) => l.endsWith('; 3 threads'))).toBe(true);
  });

  it('trains small data on one thread whatever the job\'s cores, unless nthread asks', async () => {
    const small = context({ num_round: '2', objective: 'binary:logistic' }, { train: binTrain }, { threads: 2 });
    await xgboost.train(small.ctx);
    expect(small.logs.find((l) => l.startsWith('xgboost: '))).toMatch(/; 1 threads$/);
    const asked = context({ num_round: '2', objective: 'binary:logistic', nthread: '2' }, { train: binTrain }, { threads: 2 });
    await xgboost.train(asked.ctx);
    expect(asked.logs.find((l) => l.startsWith('xgboost: '))).toMatch(/; 2 threads$/);
  });

  it.each([
    [{ eta: '1.5' }, 'ORCH_HYPERPARAMETER_INVALID', /eta.*\[0, 1\]/],
    [{ max_depth: '0' }, 'ORCH_HYPERPARAMETER_INVALID', /max_depth/],
    [{ max_bin: '1000' }, 'ORCH_HYPERPARAMETER_INVALID', /max_bin/],
    [{ subsample: '0' }, 'ORCH_HYPERPARAMETER_INVALID', /subsample/],
    [{ objective: 'reg:linear' }, 'ORCH_HYPERPARAMETER_INVALID', /objective.*binary:logistic/],
    [{ eval_metric: 'f1' }, 'ORCH_HYPERPARAMETER_INVALID', /eval_metric/],
    [{ num_rounds: '10' }, 'ORCH_HYPERPARAMETER_UNKNOWN', /num_rounds/],
    [{ objective: 'multi:softprob' }, 'ORCH_HYPERPARAMETER_MISSING', /num_class/],
    [{ objective: 'multi:softprob', num_class: '3', eval_metric: 'auc' }, 'ORCH_HYPERPARAMETER_INVALID', /eval_metric/],
  ])('refuses bad hyperparameters %o', async (hp, code, message) => {
    // Resolving (at job creation) refuses most; train itself the rules between parameters.
    const err = await Promise.resolve()
      .then(() => xgboost.train(context({ num_round: '3', ...hp } as Record<string, string>, { train: binTrain }).ctx))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a missing num_round, a missing train channel, and labels that do not fit num_class', async () => {
    await expect(Promise.resolve().then(() => xgboost.train(context({}, { train: binTrain }).ctx))).rejects.toMatchObject({ code: 'ORCH_HYPERPARAMETER_MISSING' });
    await expect(xgboost.train(context({ num_round: '2' }, { validation: binTrain }).ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_CHANNEL_MISSING' });
    const multi = write(generate('multi', 200, 11));
    const err = await xgboost.train(context({ num_round: '2', objective: 'multi:softmax', num_class: '2' }, { train: multi }).ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    expect((err as Error).message).toMatch(/num_class=2/);
  });

  it('refuses a model of another algorithm or format', async () => {
    const dir = path.join(root, `bad${seq++}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'orchard-kmeans', algorithm: 'kmeans' }));
    await expect(xgboost.load(dir)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    await expect(xgboost.load(path.join(root, 'nowhere'))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
  });
});
