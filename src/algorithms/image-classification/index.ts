/**
 * Built-in image classification (SageMaker's "Image Classification - MXNet" algorithm): a
 * residual network trained from scratch on the neural engine (`ic-network.ts`), from
 * images listed by a `.lst` file, an augmented manifest, or one folder per class
 * (`image-data.ts`); SGD with momentum or Adam, weight decay, augmentation, early
 * stopping on validation accuracy, a checkpoint every epoch. Answers class probabilities.
 */
import type * as Tf from '@tensorflow/tfjs';
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { createParams, disposeParams, encodeTensor, engineDescription, fit, neuralEngine, saveParams, type Params, type TfModule } from '../neural/index.js';
import { IC_HYPERPARAMETERS, icOptions, parseImageShape, resnetLayout, type IcOptions } from './hyperparameters.js';
import { imageBatch, measureNormalisation, type Normalisation } from './ic-batches.js';
import { IC_FORMAT, IC_VERSION, IMAGE_TYPES, icPredictor, readIc, saveIc, type IcArtifact } from './ic-model.js';
import { bnLayers, crossEntropy, icLogits, icParamSpecs, type BnMode, type IcShape } from './ic-network.js';
import { loadImageSet, type ImageSet } from './image-data.js';

/** Training images the BN population statistics are measured on (at most). */
const BN_SAMPLE = 1024;

/** BN population statistics: per-batch moments averaged over a sample of training images. */
export function measureBnStats(tf: TfModule, w: Record<string, Tf.Tensor>, s: IcShape, set: ImageSet, norm: Normalisation, batchSize: number): Record<string, { mean: Float32Array; variance: Float32Array }> {
  const collect: NonNullable<Extract<BnMode, { kind: 'batch' }>['collect']> = {};
  const n = Math.min(set.rows, BN_SAMPLE);
  // Batches at least 32 images, so each batch's moments are stable.
  const b = Math.max(32, batchSize);
  for (let from = 0; from < n; from += b) {
    const rows = Int32Array.from({ length: Math.min(b, n - from) }, (_, i) => from + i);
    tf.tidy(() => {
      icLogits(tf, w, s, tf.tensor4d(imageBatch(set, rows, norm, 'none', 0), [rows.length, s.height, s.width, s.channels]), { kind: 'batch', collect });
    });
  }
  return Object.fromEntries(
    Object.entries(collect).map(([name, c]) => [name, { mean: Float32Array.from(c.mean, (v) => v / c.batches), variance: Float32Array.from(c.variance, (v) => v / c.batches) }]),
  );
}

/** Accuracy, top-k accuracy and mean cross-entropy of `set` with population statistics. */
export function evaluateIc(tf: TfModule, w: Record<string, Tf.Tensor>, s: IcShape, set: ImageSet, norm: Normalisation, stats: Record<string, { mean: Float32Array; variance: Float32Array }>, topK: number, batchSize = 128): { accuracy: number; topK: number; crossEntropy: number } {
  const st = Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, { mean: tf.tensor1d(v.mean), variance: tf.tensor1d(v.variance) }]));
  let correct = 0;
  let inTopK = 0;
  let ce = 0;
  try {
    for (let from = 0; from < set.rows; from += batchSize) {
      const rows = Int32Array.from({ length: Math.min(batchSize, set.rows - from) }, (_, i) => from + i);
      const labels = set.labels.subarray(from, from + rows.length);
      const [p, loss] = tf.tidy(() => {
        const logits = icLogits(tf, w, s, tf.tensor4d(imageBatch(set, rows, norm, 'none', 0), [rows.length, s.height, s.width, s.channels]), { kind: 'population', stats: st });
        return [tf.softmax(logits).dataSync() as Float32Array, crossEntropy(tf, logits, labels, s.numClasses).dataSync()[0]];
      });
      ({ correct, inTopK } = count(p, labels, s.numClasses, topK, correct, inTopK));
      ce += loss * rows.length;
    }
  } finally {
    for (const v of Object.values(st)) tf.dispose([v.mean, v.variance]);
  }
  return { accuracy: correct / set.rows, topK: inTopK / set.rows, crossEntropy: ce / set.rows };
}

/** Adds a batch's top-1 and top-k hits to the counts. */
function count(p: Float32Array, labels: Int32Array, K: number, topK: number, correct: number, inTopK: number): { correct: number; inTopK: number } {
  for (let r = 0; r < labels.length; r++) {
    const mine = p[r * K + labels[r]];
    let above = 0;
    for (let k = 0; k < K; k++) if (p[r * K + k] > mine) above++;
    if (above === 0) correct++;
    if (above < topK) inTopK++;
  }
  return { correct, inTopK };
}

function createIcOptimizer(tf: TfModule, o: IcOptions): Tf.Optimizer {
  if (o.optimizer === 'adam') return tf.train.adam(o.learningRate);
  return o.momentum > 0 ? tf.train.momentum(o.learningRate, o.momentum) : tf.train.sgd(o.learningRate);
}

async function loadChannels(ctx: TrainContext, o: IcOptions): Promise<{ train: ImageSet; validation: ImageSet | null }> {
  const input = ctx.channels.train;
  if (!input) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'image-classification needs a "train" channel', details: { channel: 'train' } });
  const base = { shape: o.shape, numClasses: o.numClasses, imageAttribute: o.imageAttribute, labelAttribute: o.labelAttribute };
  const train = await loadImageSet(input, 'train', base, ctx.channels.train_lst);
  const validation = ctx.channels.validation ? await loadImageSet(ctx.channels.validation, 'validation', { ...base, classNames: train.classNames }, ctx.channels.validation_lst) : null;
  return { train, validation };
}

async function train(ctx: TrainContext): Promise<void> {
  const o = icOptions(ctx.hyperparameters);
  const layout = resnetLayout(o.numLayers)!;
  const { train: data, validation } = await loadChannels(ctx, o);
  if (data.rows !== o.numTrainingSamples) ctx.log(`num_training_samples is ${o.numTrainingSamples} but the train channel has ${data.rows} images; training on all of them`);
  const tf = await neuralEngine({ threads: ctx.threads });
  const s: IcShape = { ...o.shape, numClasses: o.numClasses, ...layout };
  const norm = measureNormalisation(data);
  const topK = Math.min(o.topK, o.numClasses);
  ctx.log(`image-classification: ${data.rows} images ${o.shape.channels}×${o.shape.height}×${o.shape.width}${validation ? `, ${validation.rows} for validation` : ''}, ${o.numClasses} classes, num_layers ${o.numLayers} (blocks [${layout.blocks.join(', ')}], widths [${layout.widths.join(', ')}]), ${o.optimizer}, mini_batch_size ${o.miniBatchSize}, augmentation ${o.augmentation}, up to ${o.epochs} epochs; ${engineDescription(tf)}`);
  const params: Params = createParams(tf, icParamSpecs(s), ctx.seed);
  const optimizer = createIcOptimizer(tf, o);
  let hits = { correct: 0, inTopK: 0, seen: 0 };
  let lastValidation: { accuracy: number; topK: number; crossEntropy: number } | null = null;
  try {
    const result = await fit(tf, params, {
      epochs: o.epochs,
      batchSize: o.miniBatchSize,
      rows: data.rows,
      seed: ctx.seed,
      optimizer,
      loss: (rows, step) => {
        const labels = Int32Array.from(rows, (r) => data.labels[r]);
        const x = tf.tensor4d(imageBatch(data, rows, norm, o.augmentation, (ctx.seed + Math.imul(7919, step)) >>> 0), [rows.length, s.height, s.width, s.channels]);
        const logits = icLogits(tf, params, s, x, { kind: 'batch' });
        const { correct, inTopK } = count(tf.softmax(logits).dataSync() as Float32Array, labels, s.numClasses, topK, hits.correct, hits.inTopK);
        hits = { correct, inTopK, seen: hits.seen + rows.length };
        return crossEntropy(tf, logits, labels, s.numClasses);
      },
      // Early stopping watches the validation error (1 − accuracy), as SageMaker's watches accuracy.
      validate: validation
        ? () => {
            lastValidation = evaluateIc(tf, params, s, validation, norm, measureBnStats(tf, params, s, data, norm, o.miniBatchSize), topK);
            return 1 - lastValidation.accuracy;
          }
        : undefined,
      weightDecay: o.weightDecay,
      earlyStopping: o.earlyStopping && validation ? { patience: o.earlyStopping.patience, tolerance: o.earlyStopping.tolerance, minEpochs: o.earlyStopping.minEpochs } : undefined,
      checkpointDir: ctx.checkpointDir,
      signal: ctx.signal,
      log: ctx.log,
      onEpoch: (epoch, losses) => {
        const trainAccuracy = hits.correct / Math.max(1, hits.seen);
        ctx.metric('train:accuracy', trainAccuracy, epoch);
        ctx.metric(`train:top_k_accuracy_${topK}`, hits.inTopK / Math.max(1, hits.seen), epoch);
        ctx.metric('train:cross_entropy', losses.train, epoch);
        let line = `epoch ${epoch}: train:accuracy=${trainAccuracy.toFixed(4)} train:cross_entropy=${losses.train.toFixed(4)}`;
        const v = lastValidation as { accuracy: number; topK: number; crossEntropy: number } | null;
        if (v) {
          ctx.metric('validation:accuracy', v.accuracy, epoch);
          ctx.metric(`validation:top_k_accuracy_${topK}`, v.topK, epoch);
          ctx.metric('validation:cross_entropy', v.crossEntropy, epoch);
          line += ` validation:accuracy=${v.accuracy.toFixed(4)}`;
        }
        ctx.log(line);
        hits = { correct: 0, inTopK: 0, seen: 0 };
      },
    });
    const stats = measureBnStats(tf, params, s, data, norm, o.miniBatchSize);
    const metrics: Record<string, number> = {};
    if (validation) {
      const v = evaluateIc(tf, params, s, validation, norm, stats, topK);
      Object.assign(metrics, { 'validation:accuracy': v.accuracy, [`validation:top_k_accuracy_${topK}`]: v.topK, 'validation:cross_entropy': v.crossEntropy });
    }
    const artifact: IcArtifact = {
      format: IC_FORMAT,
      algorithm: 'image-classification',
      version: IC_VERSION,
      hyperparameters: ctx.hyperparameters,
      seed: ctx.seed,
      shape: o.shape,
      numClasses: o.numClasses,
      numLayers: o.numLayers,
      blocks: layout.blocks,
      widths: layout.widths,
      normalisation: norm,
      ...(data.classNames ? { classNames: data.classNames } : {}),
      topK,
      weights: saveParams(params),
      bnStats: Object.fromEntries(bnLayers(s).map((l) => [l.name, { mean: encodeTensor([l.width], stats[l.name].mean), variance: encodeTensor([l.width], stats[l.name].variance) }])),
      metrics,
      epochs: result.epochs,
    };
    await saveIc(ctx.modelDir, artifact);
  } finally {
    optimizer.dispose();
    disposeParams(params);
  }
}

export const imageClassification: Algorithm = {
  name: 'image-classification',
  version: IC_VERSION,
  description: 'Image classification: a residual network trained from scratch on PNG and JPEG images (a .lst file, an augmented manifest, or one folder per class); answers class probabilities.',
  hyperparameters: IC_HYPERPARAMETERS,
  checkHyperparameters(values) {
    const problems: { field: string; message: string; details?: Record<string, unknown> }[] = [];
    const shape = parseImageShape(values.image_shape);
    if (!shape) problems.push({ field: 'image_shape', message: `image_shape ${JSON.stringify(values.image_shape)} is not "channels,height,width" with 1 or 3 channels and sides up to 4096` });
    else if (shape.height < 8 || shape.width < 8) problems.push({ field: 'image_shape', message: `image_shape ${shape.height}×${shape.width} is too small; at least 8×8`, details: { height: shape.height, width: shape.width } });
    if (!resnetLayout(Number(values.num_layers))) problems.push({ field: 'num_layers', message: `num_layers ${values.num_layers} is not one of 18, 34, 50, 101, 152 or 6n + 2 (8, 14, 20, 32, 44, 56, 110)`, details: { num_layers: values.num_layers } });
    return problems;
  },
  metrics: [
    { name: 'train:accuracy', goal: 'maximize' },
    { name: 'validation:accuracy', goal: 'maximize' },
    { name: 'train:cross_entropy', goal: 'minimize' },
    { name: 'validation:cross_entropy', goal: 'minimize' },
  ],
  inputContentTypes: ['application/x-image', 'application/jsonlines'],
  requiredChannels: ['train'],
  optionalChannels: ['validation', 'train_lst', 'validation_lst'],
  // The WebAssembly backend runs on one thread in Node.
  defaultCpus: 1,
  train,
  async load(modelDir: string) {
    return icPredictor(await readIc(modelDir));
  },
  exportOnnx: {
    format: IC_FORMAT,
    majorVersion: IC_VERSION.split('.')[0],
    build: async (doc) => (await import('./ic-onnx.js')).exportImageClassification(doc),
  },
};

export { IMAGE_TYPES };
