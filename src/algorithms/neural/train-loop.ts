/**
 * The minibatch training loop every neural built-in runs: a seeded shuffle per epoch,
 * gradients rescaled, clipped and decayed as SageMaker's MXNet optimisers do
 * (`rescale_grad`, `clip_gradient`, `wd`), the per-epoch train and validation losses
 * handed to the algorithm (which logs them as its metrics), early stopping on a relative
 * tolerance, and a checkpoint after every epoch that a retried attempt resumes from.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import { OrchardError } from '../../core/errors.js';
import { createRandom, shuffle } from '../parallel/random.js';
import type { TfModule } from './engine.js';
import { assignParams, decodeTensor, encodeTensor, saveParams, type Params, type SavedWeights } from './weights.js';

export const OPTIMIZERS = ['sgd', 'adam', 'adagrad', 'adadelta', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** SageMaker's optimiser names as TensorFlow.js optimisers. */
export function createOptimizer(tf: TfModule, name: OptimizerName, learningRate: number): Tf.Optimizer {
  switch (name) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'adam':
      return tf.train.adam(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adadelta':
      // MXNet's AdaDelta (what SageMaker's NTM uses by default) has no learning rate: its
      // step is the ratio of the running RMS of updates to that of gradients, rho 0.9.
      return tf.train.adadelta(1, 0.9, 1e-5);
  }
}

export interface EpochLosses {
  /** Mean training loss per example over the epoch. */
  train: number;
  /** Mean validation loss, when the algorithm validates. */
  validation?: number;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** Training examples; batches are index sets over 0..rows-1. */
  rows: number;
  seed: number;
  optimizer: Tf.Optimizer;
  /**
   * The mean loss of a batch, built with the engine from the batch's row indices. `step`
   * counts batches from the first epoch (1-based) and is the same on a resumed run, so a
   * loss that samples noise seeds it from `step` and stays reproducible.
   */
  loss(rows: Int32Array, step: number): Tf.Scalar;
  /** Mean validation loss, computed without gradients. */
  validate?(): number;
  /** Multiplies every gradient. @default 1 */
  rescaleGradient?: number;
  /** Clips each gradient component to ±this; none when absent or infinite. */
  clipGradient?: number;
  /** L2 weight decay added to the gradient of every parameter. @default 0 */
  weightDecay?: number;
  /**
   * Stops when the monitored loss (validation when there is one, else train) has not
   * improved by a relative `tolerance` over the best so far for `patience` epochs.
   */
  earlyStopping?: { patience: number; tolerance: number; minEpochs?: number };
  /** Where the per-epoch checkpoint goes (the job's checkpoint folder); none when absent. */
  checkpointDir?: string;
  signal?: AbortSignal;
  onEpoch(epoch: number, losses: EpochLosses): void;
  log?(line: string): void;
}

export interface FitResult {
  epochs: number;
  stoppedEarly: boolean;
  /** The epoch training resumed after, when it resumed from a checkpoint. */
  resumedAfter?: number;
  last: EpochLosses;
}

const CHECKPOINT = 'neural-checkpoint.json';

interface Checkpoint {
  format: 'orchard-neural-checkpoint';
  epoch: number;
  seed: number;
  params: SavedWeights;
  optimizer: { name: string; shape: number[]; data: string }[];
  /** JSON has no Infinity: null until an epoch has set it. */
  best: number | null;
  sinceBest: number;
  last: EpochLosses;
  /** Adam's β₁ᵗ and β₂ᵗ (see {@link adamPowers}). */
  adamPowers?: [number, number];
}

/**
 * TensorFlow.js's Adam keeps its bias corrections β₁ᵗ, β₂ᵗ in two variables but never
 * counts its steps, so its own `setWeights` resets them to step 1; they are saved and put
 * back beside its moments.
 */
function adamPowers(optimizer: Tf.Optimizer): { accBeta1: Tf.Variable; accBeta2: Tf.Variable } | null {
  const o = optimizer as unknown as { accBeta1?: Tf.Variable; accBeta2?: Tf.Variable };
  return o.accBeta1 && o.accBeta2 ? { accBeta1: o.accBeta1, accBeta2: o.accBeta2 } : null;
}

/**
 * An optimiser names its slots after the variable (`<variable>/m`), and variables are
 * named per process; checkpoints use the parameters' own names instead.
 */
function renameSlot(name: string, names: Map<string, string>): string {
  const cut = name.lastIndexOf('/');
  if (cut < 0) return name;
  const to = names.get(name.slice(0, cut));
  return to === undefined ? name : `${to}${name.slice(cut)}`;
}

async function saveCheckpoint(dir: string, params: Params, optimizer: Tf.Optimizer, state: Omit<Checkpoint, 'format' | 'params' | 'optimizer' | 'best'> & { best: number }): Promise<void> {
  const slots = await optimizer.getWeights();
  const logical = new Map(Object.entries(params).map(([key, v]) => [v.name, key]));
  const powers = adamPowers(optimizer);
  const doc: Checkpoint = {
    format: 'orchard-neural-checkpoint',
    ...state,
    best: Number.isFinite(state.best) ? state.best : null,
    adamPowers: powers ? [powers.accBeta1.dataSync()[0], powers.accBeta2.dataSync()[0]] : undefined,
    params: saveParams(params),
    optimizer: slots.map((s) => ({ name: renameSlot(s.name, logical), ...encodeTensor(s.tensor.shape, s.tensor.dataSync() as Float32Array) })),
  };
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, CHECKPOINT);
  // Written whole, then renamed: a stopped attempt never leaves half a checkpoint.
  await fs.writeFile(`${file}.tmp`, JSON.stringify(doc));
  await fs.rename(`${file}.tmp`, file);
}

async function readCheckpoint(dir: string, seed: number): Promise<Checkpoint | null> {
  const text = await fs.readFile(path.join(dir, CHECKPOINT), 'utf8').catch(() => null);
  if (text === null) return null;
  const doc = JSON.parse(text) as Checkpoint;
  if (doc.format !== 'orchard-neural-checkpoint' || !Number.isInteger(doc.epoch)) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: 'The checkpoint folder holds a neural checkpoint that cannot be read', details: { file: CHECKPOINT } });
  }
  // A checkpoint of another seed belongs to another run's shuffles; start afresh.
  return doc.seed === seed ? doc : null;
}

/** Trains `params` by minibatches; see {@link FitOptions}. */
export async function fit(tf: TfModule, params: Params, o: FitOptions): Promise<FitResult> {
  const vars = Object.values(params);
  const rescale = o.rescaleGradient ?? 1;
  const clip = o.clipGradient !== undefined && Number.isFinite(o.clipGradient) ? o.clipGradient : null;
  const wd = o.weightDecay ?? 0;
  let best = Infinity;
  let sinceBest = 0;
  let last: EpochLosses = { train: NaN };
  let start = 1;
  let resumedAfter: number | undefined;
  if (o.checkpointDir) {
    const cp = await readCheckpoint(o.checkpointDir, o.seed);
    if (cp && cp.epoch < o.epochs) {
      assignParams(tf, params, cp.params);
      const current = new Map(Object.entries(params).map(([key, v]) => [key, v.name]));
      await o.optimizer.setWeights(cp.optimizer.map((s) => ({ name: renameSlot(s.name, current), tensor: tf.tensor(decodeTensor(s.name, s), s.shape) })));
      const powers = adamPowers(o.optimizer);
      if (powers && cp.adamPowers) {
        powers.accBeta1.assign(tf.scalar(cp.adamPowers[0]));
        powers.accBeta2.assign(tf.scalar(cp.adamPowers[1]));
      }
      best = cp.best ?? Infinity;
      ({ sinceBest, last } = cp);
      start = cp.epoch + 1;
      resumedAfter = cp.epoch;
      o.log?.(`resumed from the checkpoint after epoch ${cp.epoch}`);
    }
  }
  const order = Int32Array.from({ length: o.rows }, (_, i) => i);
  const batchesPerEpoch = Math.ceil(o.rows / o.batchSize);
  let epoch = start;
  let stoppedEarly = false;
  for (; epoch <= o.epochs; epoch++) {
    if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
    // Each epoch's order comes from (seed, epoch) alone, so a resumed run shuffles as an
    // uninterrupted one would.
    for (let i = 0; i < o.rows; i++) order[i] = i;
    shuffle(order, createRandom((o.seed ^ Math.imul(epoch, 0x9e3779b1)) >>> 0));
    let total = 0;
    for (let from = 0; from < o.rows; from += o.batchSize) {
      const batch = order.subarray(from, Math.min(o.rows, from + o.batchSize));
      const step = (epoch - 1) * batchesPerEpoch + from / o.batchSize + 1;
      const lossValue = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => o.loss(batch, step), vars);
        const adjusted: Record<string, Tf.Tensor> = {};
        for (const v of vars) {
          let g = grads[v.name];
          if (rescale !== 1) g = g.mul(rescale);
          if (clip !== null) g = g.clipByValue(-clip, clip);
          if (wd > 0) g = g.add(v.mul(wd));
          adjusted[v.name] = g;
        }
        o.optimizer.applyGradients(adjusted);
        return value.dataSync()[0];
      });
      if (!Number.isFinite(lossValue)) {
        throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
          message: `The loss became ${lossValue} in epoch ${epoch}; lower learning_rate or set clip_gradient`,
          details: { field: 'learning_rate', epoch },
        });
      }
      total += lossValue * batch.length;
      // Yield between batches so a stop request (and the heartbeat) is heard.
      if ((from / o.batchSize) % 16 === 15) await new Promise((r) => setImmediate(r));
    }
    last = { train: total / o.rows };
    if (o.validate) last.validation = o.validate();
    o.onEpoch(epoch, last);
    const monitored = last.validation ?? last.train;
    if (o.earlyStopping) {
      // SageMaker's NTM rule: stop when the loss has not improved on the best so far by
      // more than `tolerance` (relative) for `num_patience_epochs` epochs.
      if (best === Infinity || monitored < best - o.earlyStopping.tolerance * Math.abs(best)) {
        best = monitored;
        sinceBest = 0;
      } else if (++sinceBest >= o.earlyStopping.patience && epoch >= (o.earlyStopping.minEpochs ?? 0)) {
        stoppedEarly = true;
      }
    }
    if (o.checkpointDir) await saveCheckpoint(o.checkpointDir, params, o.optimizer, { epoch, seed: o.seed, best, sinceBest, last });
    if (stoppedEarly) {
      o.log?.(`early stopping after epoch ${epoch}: no relative improvement above ${o.earlyStopping!.tolerance} for ${o.earlyStopping!.patience} epochs`);
      break;
    }
  }
  return { epochs: Math.min(epoch, o.epochs), stoppedEarly, resumedAfter, last };
}
