/**
 * Linear learner training: SageMaker's recipe of several linear models trained in
 * parallel over the same mini-batches with different learning rates and regularisation,
 * early stopping on the best of them, and the best model (on validation loss, or on
 * training loss without a validation channel) kept. Unlike SageMaker, models that fall
 * behind are dropped epoch by epoch (successive halving), which cuts the passes of the
 * default 8 models by more than half.
 */
import { OrchardError } from '../../core/errors.js';
import type { Matrix } from '../data/matrix.js';
import type { LinearOptions, ModelSetting } from './hyperparameters.js';
import { createKernelPool } from '../parallel/kernel-pool.js';
import { LINEAR_KERNELS, LOSS_KIND, type EpochResult } from './linear-kernels.js';
import { createRandom, shuffle } from '../parallel/random.js';

export interface LinearRun {
  threads: number;
  seed: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Called after every epoch with the best selection loss so far. */
  onEpoch?: (epoch: number, trainLoss: number, validationLoss: number | null) => void;
  /**
   * Called after every epoch with the tensors of the model with the lowest training loss
   * (its gradient's norm, its weights' norm), and once before the first (epoch 0) with
   * the initial weights: what Debugger rules read.
   */
  onTensors?: (epoch: number, tensors: Record<string, number>) => void;
}

export interface LinearFit {
  /** Outputs: 1 (binary, regressor) or num_classes. */
  out: number;
  d: number;
  /** out × d weights on the raw (unnormalised) features, row-major. */
  weights: Float64Array;
  bias: Float64Array;
  /** Feature means (stand-ins for missing values at inference). */
  mean: Float64Array;
  chosen: { model: number; setting: ModelSetting; epoch: number; loss: number; selectedOn: 'validation' | 'train' };
  epochs: number;
}

function dataInvalid(message: string, details?: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', { message, details });
}

/** Checks the labels fit the predictor type (0/1; 0 … num_classes−1; finite). */
export function checkLabels(labels: Float32Array, o: LinearOptions, channel: string): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isFinite(y)) throw dataInvalid(`${channel}: label of row ${i + 1} is not a finite number`, { channel, row: i + 1 });
    if (o.predictorType === 'binary_classifier' && y !== 0 && y !== 1) {
      throw dataInvalid(`${channel}: binary_classifier labels must be 0 or 1; row ${i + 1} has ${y}`, { channel, row: i + 1, label: y });
    }
    if (o.predictorType === 'multiclass_classifier' && (!Number.isInteger(y) || y < 0 || y >= o.numClasses)) {
      throw dataInvalid(`${channel}: multiclass labels must be integers in [0, ${o.numClasses - 1}] for num_classes=${o.numClasses}; row ${i + 1} has ${y}`, {
        channel,
        row: i + 1,
        label: y,
        num_classes: o.numClasses,
      });
    }
  }
}

/** Per-feature mean and standard deviation, ignoring missing values (std 0 → 1). */
export function featureStats(m: Matrix, normalize: boolean): { mean: Float64Array; std: Float64Array } {
  const { rows, cols: d, features: X } = m;
  const sum = new Float64Array(d);
  const sumsq = new Float64Array(d);
  const count = new Float64Array(d);
  for (let i = 0; i < rows; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = X[o + j];
      if (v === v) {
        sum[j] += v;
        sumsq[j] += v * v;
        count[j]++;
      }
    }
  }
  const mean = new Float64Array(d);
  const std = new Float64Array(d).fill(1);
  for (let j = 0; j < d; j++) {
    mean[j] = count[j] ? sum[j] / count[j] : 0;
    if (!normalize) continue;
    const v = count[j] ? sumsq[j] / count[j] - mean[j] ** 2 : 0;
    std[j] = v > 1e-24 ? Math.sqrt(v) : 1;
  }
  return { mean, std };
}

/** Rows moved together when shuffling (see `shuffledRows`). */
const SHUFFLE_RUN = 16;

/**
 * The row order for training: runs of SHUFFLE_RUN consecutive rows in random order. A
 * full row permutation costs two to three times more in cache misses when the rows are
 * copied, while a 1000-row mini-batch still draws ~60 independent runs, so a file sorted
 * by label still yields mixed batches.
 */
function shuffledRows(rows: number, rng: ReturnType<typeof createRandom>): Int32Array {
  const runs = new Int32Array(Math.ceil(rows / SHUFFLE_RUN));
  for (let r = 0; r < runs.length; r++) runs[r] = r;
  shuffle(runs, rng);
  const order = new Int32Array(rows);
  let k = 0;
  for (let r = 0; r < runs.length; r++) {
    const end = Math.min(rows, (runs[r] + 1) * SHUFFLE_RUN);
    for (let i = runs[r] * SHUFFLE_RUN; i < end; i++) order[k++] = i;
  }
  return order;
}

/**
 * Copies rows into shared memory, in `perm` order when given, standardised when asked
 * (`normalize`), with a missing value replaced by its feature mean.
 */
function prepareRows(m: Matrix, mean: Float64Array, std: Float64Array, normalize: boolean, perm: Int32Array | null): Float32Array {
  const { rows, cols: d, features: X } = m;
  const out = new Float32Array(new SharedArrayBuffer(rows * d * 4));
  const shift = normalize ? mean : new Float64Array(d);
  const inv = std.map((s) => 1 / s);
  const fill = mean.map((mu, j) => (mu - shift[j]) * inv[j]);
  for (let i = 0; i < rows; i++) {
    const src = (perm ? perm[i] : i) * d;
    const dst = i * d;
    for (let j = 0; j < d; j++) {
      const v = X[src + j];
      out[dst + j] = v === v ? (v - shift[j]) * inv[j] : fill[j];
    }
  }
  return out;
}

function prepareLabels(labels: Float32Array, perm: Int32Array | null, mu: number, sigma: number): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(labels.length * 4));
  for (let i = 0; i < labels.length; i++) out[i] = (labels[perm ? perm[i] : i] - mu) / sigma;
  return out;
}

/**
 * Folds the normalisation into the weights so they apply to raw features:
 * z = Σ wⱼ (xⱼ − μⱼ)/σⱼ + b, then ŷ = σ_y·z + μ_y (label normalisation, regressor).
 */
function rawWeights(P: Float64Array, out: number, d: number, mean: Float64Array, std: Float64Array, centred: boolean, mu: number, sigma: number) {
  const weights = new Float64Array(out * d);
  const bias = new Float64Array(out);
  for (let c = 0; c < out; c++) {
    let b = P[c * (d + 1) + d];
    for (let j = 0; j < d; j++) {
      const w = P[c * (d + 1) + j] / std[j];
      weights[c * d + j] = w * sigma;
      if (centred) b -= w * mean[j];
    }
    bias[c] = b * sigma + mu;
  }
  return { weights, bias };
}

/** Trains `o.settings.length` models and returns the best, with weights on raw features. */
export async function fitLinear(train: Matrix, validation: Matrix | null, o: LinearOptions, run: LinearRun): Promise<LinearFit> {
  const { rows, cols: d } = train;
  const labels = train.labels!;
  const rng = createRandom(run.seed);
  const { mean, std } = featureStats(train, o.normalizeData);
  let mu = 0;
  let sigma = 1;
  if (o.normalizeLabel) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < rows; i++) {
      s += labels[i];
      s2 += labels[i] * labels[i];
    }
    mu = s / rows;
    const v = s2 / rows - mu * mu;
    sigma = v > 1e-24 ? Math.sqrt(v) : 1;
  }
  // Rows are shuffled once (the file may be sorted by label); batches are reshuffled per epoch.
  const perm = shuffledRows(rows, rng);
  const out = o.predictorType === 'multiclass_classifier' ? o.numClasses : 1;
  const state: Record<string, unknown> = {
    X: prepareRows(train, mean, std, o.normalizeData, perm),
    Y: prepareLabels(labels, perm, mu, sigma),
    rows,
    d,
    out,
    kind: LOSS_KIND[o.loss],
    posWeight: o.positiveWeight,
  };
  if (validation) {
    state.XV = prepareRows(validation, mean, std, o.normalizeData, null);
    state.YV = prepareLabels(validation.labels!, null, mu, sigma);
    state.vrows = validation.rows;
  }
  const nModels = o.settings.length;
  const work = rows * nModels * out * d;
  const threads = Math.max(1, Math.min(run.threads, nModels, work >= 2_000_000 ? run.threads : 1));
  // Models live in the thread that trains them (round-robin); `alive` shrinks as the
  // worse half of each thread's models is dropped after each epoch (see below).
  const alive = new Set(o.settings.map((_, m) => m));
  const idsOf = (t: number): number[] => o.settings.map((_, m) => m).filter((m) => m % threads === t && alive.has(m));
  const pool = createKernelPool(LINEAR_KERNELS, threads, state);
  try {
    await pool.run(
      'init',
      Array.from({ length: threads }, (_, t) => ({ models: idsOf(t).map((id) => ({ id, ...o.settings[id] })) })),
    );
    const batch = Math.min(o.miniBatchSize, rows);
    const order = new Int32Array(Math.ceil(rows / batch));
    for (let b = 0; b < order.length; b++) order[b] = b;
    const best = o.settings.map(() => ({ loss: Infinity, epoch: 0, params: null as Float64Array | null }));
    let bestOverall = Infinity;
    let stale = 0;
    let epochs = 0;
    // The kernels start every model at zero weights (a convex loss needs no symmetry breaking).
    run.onTensors?.(0, { 'init:weight_mean': 0, 'init:weight_std': 0, 'init:weight_norm': 0 });
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      if (run.signal?.aborted) throw run.signal.reason ?? new Error('aborted');
      shuffle(order, rng);
      const results = (
        await pool.run<EpochResult[]>(
          'epoch',
          Array.from({ length: threads }, (_, t) => ({ ids: idsOf(t), order, batch, optimizer: o.optimizer === 'adam' ? 1 : 0, beta1: o.beta1, beta2: o.beta2 })),
        )
      ).flat();
      const valLoss = new Map<number, number>();
      if (validation) {
        const parts = await pool.run<number[]>('evaluate', Array.from({ length: threads }, (_, t) => ({ ids: idsOf(t) })));
        parts.forEach((losses, t) => idsOf(t).forEach((id, i) => valLoss.set(id, losses[i])));
      }
      epochs = epoch;
      let epochBest = Infinity;
      let epochTrain = Infinity;
      for (const r of results) {
        const sel = validation ? valLoss.get(r.id)! : r.loss;
        epochTrain = Math.min(epochTrain, r.loss);
        if (!Number.isFinite(sel)) continue;
        if (sel < best[r.id].loss) best[r.id] = { loss: sel, epoch, params: r.params };
        epochBest = Math.min(epochBest, sel);
      }
      // Successive halving (Jamieson & Talwalkar 2016): after each epoch every thread keeps
      // the better half of its models (at least one), so the settings that are clearly
      // behind stop costing passes while the leader of each thread, and so the overall
      // leader, always continues. With 8 models and 2 threads: 8, 4, 2, 2, … trained.
      for (let t = 0; t < threads; t++) {
        const ids = idsOf(t).sort((a, b) => best[a].loss - best[b].loss);
        const keep = Math.max(1, Math.ceil(ids.length / 2));
        for (const id of ids.slice(keep)) alive.delete(id);
      }
      run.onEpoch?.(epoch, epochTrain, validation ? epochBest : null);
      if (run.onTensors) {
        const lead = results.reduce((a, b) => (b.loss < a.loss ? b : a));
        let w2 = 0;
        for (let k = 0; k < lead.params.length; k++) w2 += lead.params[k] * lead.params[k];
        run.onTensors(epoch, { gradient_norm: lead.gradNorm, weight_norm: Math.sqrt(w2) });
      }
      run.log?.(`epoch ${epoch}: best ${validation ? 'validation' : 'training'} loss ${epochBest.toPrecision(6)}`);
      // SageMaker's rule: progress is a relative improvement of the best loss above the tolerance.
      if (epochBest < bestOverall && (bestOverall === Infinity || (bestOverall - epochBest) / Math.abs(bestOverall) >= o.tolerance)) {
        bestOverall = epochBest;
        stale = 0;
      } else {
        bestOverall = Math.min(bestOverall, epochBest);
        if (++stale >= o.patience) {
          run.log?.(`early stopping after epoch ${epoch}: no relative improvement ≥ ${o.tolerance} for ${o.patience} epochs`);
          break;
        }
      }
    }
    let chosen = -1;
    for (let m = 0; m < nModels; m++) if (best[m].params && (chosen < 0 || best[m].loss < best[chosen].loss)) chosen = m;
    if (chosen < 0) throw dataInvalid('Training diverged: every model has a non-finite loss (try normalize_data or a smaller learning_rate)');
    const { weights, bias } = rawWeights(best[chosen].params!, out, d, mean, std, o.normalizeData, mu, sigma);
    return {
      out,
      d,
      weights,
      bias,
      mean,
      chosen: { model: chosen, setting: o.settings[chosen], epoch: best[chosen].epoch, loss: best[chosen].loss, selectedOn: validation ? 'validation' : 'train' },
      epochs,
    };
  } finally {
    await pool.close();
  }
}
