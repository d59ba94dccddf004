/**
 * The boosting loop: bins the data, grows trees round by round on all threads, evaluates,
 * stops early, and checkpoints so that an interrupted job resumes where it stopped.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError } from '../../core/errors.js';
import type { Matrix } from '../data/matrix.js';
import { buildBins, rng } from './binning.js';
import type { BoosterOptions, EvalMetric } from './hyperparameters.js';
import { evaluate, maximize } from './metrics.js';
import { addTreeBinned, addTreeRaw, TreeModel } from './model.js';
import { baseMargin, gradientKernelId, softmaxRows, transform } from './objective.js';
import { TreeGrower } from './tree.js';
import { WorkerPool } from './worker-pool.js';

const CHECKPOINT_FILE = 'xgboost-checkpoint.json';

export interface BoosterHooks {
  log?(line: string): void;
  metric?(name: string, value: number, step: number): void;
  signal?: AbortSignal;
  /** Evaluate the training set every round (SageMaker does). @default true */
  evalTrain?: boolean;
  /** Folder for checkpoints; resumed from when it holds one. */
  checkpointDir?: string;
  /** Identifies the run in checkpoints, so a checkpoint of other settings is ignored. */
  checkpointKey?: string;
}

export interface BoosterResult {
  model: TreeModel;
  /** 0-based round with the best validation score (the last round without validation). */
  bestIteration: number;
  bestScore: number | null;
  /** Rounds trained (including a resumed part). */
  rounds: number;
  /** Rounds restored from a checkpoint. */
  resumedRounds: number;
  /** Final metric values keyed `train:auc`, `validation:auc`. */
  finalMetrics: Record<string, number>;
}

interface Checkpoint {
  key: string;
  rounds: number;
  bestIteration: number;
  bestScore: number | null;
  model: Record<string, unknown>;
}

async function readCheckpoint(dir: string | undefined, key: string): Promise<Checkpoint | null> {
  if (!dir) return null;
  try {
    const doc = JSON.parse(await fs.readFile(path.join(dir, CHECKPOINT_FILE), 'utf8')) as Checkpoint;
    return doc.key === key ? doc : null;
  } catch {
    return null;
  }
}

async function writeCheckpoint(dir: string, doc: Checkpoint): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `${CHECKPOINT_FILE}.tmp`);
  await fs.writeFile(tmp, JSON.stringify(doc));
  await fs.rename(tmp, path.join(dir, CHECKPOINT_FILE));
}

/** Metric name as XGBoost logs it. */
function evalPredictions(metric: EvalMetric, margins: Float32Array, labels: Float32Array, rows: number, K: number, objective: BoosterOptions['objective']): number {
  const pred = K > 1 ? transform('multi:softprob', margins, rows, K).values : transform(objective, margins, rows, 1).values;
  return evaluate(metric, pred, labels, K);
}

/** Trains a booster on `train` (labels required), evaluating on `validation` when given. */
export async function trainBooster(train: Matrix, validation: Matrix | null, opts: BoosterOptions, hooks: BoosterHooks = {}): Promise<BoosterResult> {
  const N = train.rows;
  const F = train.cols;
  const K = opts.numClass > 1 ? opts.numClass : 1;
  const labels = train.labels!;
  const base = baseMargin(opts.objective, opts.baseScore);
  const model = new TreeModel({ objective: opts.objective, numClass: opts.numClass, numFeatures: F, baseMargin: base });
  const key = hooks.checkpointKey ?? '';
  const evalTrain = hooks.evalTrain ?? true;
  const pool = WorkerPool.create(opts.threads);
  try {
    const { cuts, bins } = await buildBins(pool, train.features, N, F, opts.maxBin, opts.seed);
    const rowIdx = pool.alloc(Uint32Array, N);
    const gh = pool.alloc(Float32Array, 2 * N);
    const sharedLabels = pool.alloc(Float32Array, N);
    sharedLabels.set(labels);
    pool.share('labels', sharedLabels);
    const margins = Array.from({ length: K }, (_, k) => {
      const m = pool.alloc(Float32Array, N).fill(base);
      pool.share(`margin${k}`, m);
      return m;
    });
    const grower = new TreeGrower(pool, bins, N, F, cuts, rowIdx, gh, opts);
    const validMargins = validation ? new Float32Array(validation.rows * K).fill(base) : null;

    let bestIteration = -1;
    let bestScore: number | null = null;
    let start = 0;
    const resumed = await readCheckpoint(hooks.checkpointDir, key);
    if (resumed) {
      const saved = TreeModel.fromJSON(resumed.model);
      saved.trees.forEach((t, i) => {
        const k = saved.treeClass[i];
        model.add(t, k);
        addTreeBinned(t, bins.rowMajor, N, bins.stride, margins[k]);
        if (validation && validMargins) addTreeRaw(t, validation.features, validation.rows, F, validMargins, K, k);
      });
      start = resumed.rounds;
      bestIteration = resumed.bestIteration;
      bestScore = resumed.bestScore;
      hooks.log?.(`Resuming from checkpoint at round ${start}`);
    }

    const metric = opts.evalMetric;
    const better = (a: number, b: number) => (maximize(metric) ? a > b : a < b);
    const probs = K > 1 ? new Float32Array(N * K) : null;
    const rowMargins = K > 1 ? new Float32Array(N * K) : null;
    const finalMetrics: Record<string, number> = {};
    let round = start;
    const gradKernel = gradientKernelId(opts.objective);
    const gradWasm = pool.heapHolds(gh, sharedLabels, ...margins);
    for (; round < opts.numRound; round++) {
      if (hooks.signal?.aborted) throw hooks.signal.reason ?? new Error('aborted');
      const rand = rng((opts.seed + Math.imul(round + 1, 0x9e3779b1)) >>> 0);
      if (probs && rowMargins) {
        for (let r = 0; r < N; r++) for (let k = 0; k < K; k++) rowMargins[r * K + k] = margins[k][r];
        softmaxRows(rowMargins, N, K, probs);
      }
      for (let k = 0; k < K; k++) {
        if (probs) softmaxGradients(probs, labels, k, K, gh);
        else {
          await pool.run('kGradients', (t, T) => [
            gradKernel, { ref: `margin${k}` }, { ref: 'labels' }, { ref: 'gh' }, opts.scalePosWeight,
            Math.floor((N * t) / T), Math.floor((N * (t + 1)) / T),
            gradWasm ? { ref: 'gradWasm' } : 0,
          ]);
        }
        const n = opts.subsample >= 1 && round > start ? N : sampleRows(rand, N, opts.subsample, rowIdx);
        const mask = sampleColumns(rand, F, opts.colsampleBytree);
        const tree = await grower.grow(n, mask, n === N ? { name: `margin${k}` } : null);
        if (n !== N) addTreeBinned(tree, bins.rowMajor, N, bins.stride, margins[k]);
        model.add(tree, k);
        if (validation && validMargins) addTreeRaw(tree, validation.features, validation.rows, F, validMargins, K, k);
      }

      const parts = [`[${round}]`];
      if (evalTrain) {
        const m = K > 1 ? interleave(margins, N, K, rowMargins!) : margins[0];
        const v = evalPredictions(metric, m, labels, N, K, opts.objective);
        parts.push(`train-${metric}:${fmt(v)}`);
        hooks.metric?.(`train:${metric}`, v, round);
        finalMetrics[`train:${metric}`] = v;
      }
      let stop = false;
      if (validation && validMargins) {
        const v = evalPredictions(metric, validMargins, validation.labels!, validation.rows, K, opts.objective);
        parts.push(`validation-${metric}:${fmt(v)}`);
        hooks.metric?.(`validation:${metric}`, v, round);
        finalMetrics[`validation:${metric}`] = v;
        const extras: Record<string, number> = {};
        for (const extra of opts.extraValidationMetrics) {
          const e = evalPredictions(extra, validMargins, validation.labels!, validation.rows, K, opts.objective);
          parts.push(`validation-${extra}:${fmt(e)}`);
          hooks.metric?.(`validation:${extra}`, e, round);
          extras[`validation:${extra}`] = e;
        }
        if (bestScore === null || better(v, bestScore)) {
          bestScore = v;
          bestIteration = round;
          // The extra metrics are reported as at the best round, like the primary one.
          Object.assign(finalMetrics, extras);
        } else if (opts.earlyStoppingRounds !== null && round - bestIteration >= opts.earlyStoppingRounds) stop = true;
      } else bestIteration = round;
      if (evalTrain || validation) hooks.log?.(parts.join('\t'));
      if (stop) {
        hooks.log?.(`Stopping. Best iteration:\n[${bestIteration}]\tvalidation-${metric}:${fmt(bestScore!)}`);
        round++;
        break;
      }
      if (hooks.checkpointDir && (round + 1) % opts.checkpointFrequency === 0 && round + 1 < opts.numRound) {
        await writeCheckpoint(hooks.checkpointDir, {
          key,
          rounds: round + 1,
          bestIteration,
          bestScore,
          model: model.toJSON({ algorithmVersion: '', hyperparameters: {}, seed: opts.seed, bestIteration }),
        });
      }
    }
    const truncate = opts.earlyStoppingRounds !== null && validation && bestIteration >= 0 && bestIteration + 1 < round;
    // As with validation:auc, a binary classifier without an eval_metric also reports its
    // final train:auc (what a pipeline's condition on `train:auc` reads); not after an
    // early stop, when the train margins include trees the saved model drops.
    if (evalTrain && K === 1 && !truncate && round > start && metric !== 'auc' && opts.extraValidationMetrics.includes('auc')) {
      const auc = evalPredictions('auc', margins[0], labels, N, 1, opts.objective);
      hooks.metric?.('train:auc', auc, round - 1);
      finalMetrics['train:auc'] = auc;
    }
    if (truncate) {
      // Keep the trees up to the best round, so the saved model predicts as at its best score.
      model.truncate(bestIteration + 1);
    }
    if (validation && bestScore !== null) finalMetrics[`validation:${metric}`] = bestScore;
    return { model, bestIteration, bestScore, rounds: round, resumedRounds: start, finalMetrics };
  } finally {
    await pool.close();
  }
}

/**
 * Rows of this tree into rowIdx (all, or a Bernoulli sample); returns how many. Tree
 * growing does not write rowIdx, so all rows are listed once per training.
 */
function sampleRows(rand: () => number, N: number, ratio: number, rowIdx: Uint32Array): number {
  if (ratio >= 1) {
    for (let r = 0; r < N; r++) rowIdx[r] = r;
    return N;
  }
  let n = 0;
  for (let r = 0; r < N; r++) if (rand() < ratio) rowIdx[n++] = r;
  return n;
}

/** Features this tree may split on (colsample_bytree), or null for all. */
function sampleColumns(rand: () => number, F: number, ratio: number): Uint8Array | null {
  if (ratio >= 1) return null;
  const order = Array.from({ length: F }, (_, f) => f);
  for (let i = F - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const mask = new Uint8Array(F);
  for (let i = 0; i < Math.max(1, Math.floor(ratio * F)); i++) mask[order[i]] = 1;
  return mask;
}

/** Softmax cross-entropy for class k: g = p_k − [y = k], h = 2 p_k (1 − p_k), as XGBoost's multi:softprob. */
function softmaxGradients(probs: Float32Array, labels: Float32Array, k: number, K: number, gh: Float32Array): void {
  for (let r = 0; r < labels.length; r++) {
    const p = probs[r * K + k];
    gh[2 * r] = p - (labels[r] === k ? 1 : 0);
    gh[2 * r + 1] = Math.max(2 * p * (1 - p), 1e-16);
  }
}

function interleave(margins: Float32Array[], N: number, K: number, out: Float32Array): Float32Array {
  for (let r = 0; r < N; r++) for (let k = 0; k < K; k++) out[r * K + k] = margins[k][r];
  return out;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(5) : String(v);
}

/** Refuses options that do not fit the data (num_class vs labels, auc on multiclass). */
export function checkOptions(opts: BoosterOptions): void {
  const multi = opts.objective.startsWith('multi:');
  if (multi && !(opts.numClass >= 2)) {
    throw new OrchardError('ORCH_HYPERPARAMETER_MISSING', { message: `num_class is required for ${opts.objective}`, details: { name: 'num_class' } });
  }
  if (multi && (opts.evalMetric === 'auc' || opts.evalMetric === 'logloss' || opts.evalMetric === 'error')) {
    throw new OrchardError('ORCH_HYPERPARAMETER_INVALID', { message: `eval_metric ${opts.evalMetric} does not apply to ${opts.objective}; use mlogloss or merror`, details: { name: 'eval_metric', values: ['mlogloss', 'merror'] } });
  }
  if (!multi && (opts.evalMetric === 'mlogloss' || opts.evalMetric === 'merror')) {
    throw new OrchardError('ORCH_HYPERPARAMETER_INVALID', { message: `eval_metric ${opts.evalMetric} needs a multi: objective`, details: { name: 'eval_metric', values: ['auc', 'logloss', 'error', 'rmse', 'mae'] } });
  }
}
